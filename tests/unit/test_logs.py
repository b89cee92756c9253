"""JSON log lines carry the update and business being handled."""

from __future__ import annotations

import json
import logging

from app.logs import ContextFilter, JsonFormatter, TextFormatter, business_id_var, update_id_var


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("agendei.bot", logging.WARNING, __file__, 1, message, (), None)
    ContextFilter().filter(record)
    return record


def test_json_lines_carry_update_and_business_ids() -> None:
    update = update_id_var.set(4242)
    business = business_id_var.set(7)
    try:
        line = JsonFormatter().format(_record("slot taken"))
    finally:
        update_id_var.reset(update)
        business_id_var.reset(business)
    entry = json.loads(line)
    assert entry["message"] == "slot taken" and entry["level"] == "WARNING"
    assert entry["update_id"] == 4242 and entry["business_id"] == 7


def test_lines_outside_an_update_have_no_ids() -> None:
    entry = json.loads(JsonFormatter().format(_record("started")))
    assert "update_id" not in entry and "business_id" not in entry
    assert TextFormatter().format(_record("started")).endswith("agendei.bot: started")
