"""Pure domain: entities, rules and use cases. Imports only the standard library."""
