"""Time-driven work: the durable outbox of due actions and the poller that runs them."""
