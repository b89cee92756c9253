"""Logging set-up: plain text or one JSON object per line (``AGENDEI_LOG_FORMAT=json``), each
record carrying the Telegram update and the business it concerns when there is one.

The ids live in context variables bound by the bot's middlewares (app/observability.py), so
every line logged while an update is handled, by any module, carries them.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

update_id_var: ContextVar[int | None] = ContextVar("agendei_update_id", default=None)
business_id_var: ContextVar[int | None] = ContextVar("agendei_business_id", default=None)


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (``record.update_id``, ``record.business_id``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = update_id_var.get()
        record.business_id = business_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("update_id", "business_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [
            f"{key}={getattr(record, key)}"
            for key in ("update_id", "business_id")
            if getattr(record, key, None) is not None
        ]
        return f"{line} [{' '.join(ids)}]" if ids else line


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
