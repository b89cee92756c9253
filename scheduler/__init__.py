"""Time-driven work: the durable outbox of due actions and the poller that runs them.

APScheduler (:mod:`scheduler.ticker`) only ticks :class:`scheduler.poller.Poller`; the due
actions themselves live in the outbox table, claimed atomically by any number of instances.
"""

from .poller import Poller, PollerConfig, TickReport
from .ticker import Ticker

__all__ = ["Poller", "PollerConfig", "TickReport", "Ticker"]
