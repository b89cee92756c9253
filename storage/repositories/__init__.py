"""Repositories: map table rows to domain objects. They never commit."""
