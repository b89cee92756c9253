"""The deployment files can't be run here (no Docker): check what they promise instead.
Every AGENDEI_ variable they set is a real setting, and they run the same command the tested
non-container path runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FILES = ["Dockerfile", "compose.yaml", "Caddyfile", "agendei.service", "agendei.env.example"]
VARIABLE = re.compile(r"\bAGENDEI_[A-Z0-9_]+")


def test_every_agendei_variable_is_a_setting() -> None:
    settings = {f"AGENDEI_{name.upper()}" for name in Settings.model_fields}
    used: dict[str, str] = {}
    for name in FILES:
        for variable in VARIABLE.findall((DEPLOY / name).read_text("utf-8")):
            used.setdefault(variable, name)
    unknown = {v: f for v, f in used.items() if v not in settings}
    assert not unknown, f"not settings: {unknown}"
    assert {"AGENDEI_TELEGRAM_TOKEN", "AGENDEI_PUBLIC_URL", "AGENDEI_SECRET_KEY"} <= set(used)


def test_the_example_settings_are_valid_in_production() -> None:
    values: dict[str, Any] = {}
    for line in (DEPLOY / "agendei.env.example").read_text("utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("AGENDEI_"):
            values[key.removeprefix("AGENDEI_").lower()] = value
    settings = Settings(_env_file=None, **values)
    assert settings.env == "production" and not settings.sandbox


def test_container_and_systemd_run_the_same_command() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text("utf-8")
    unit = (DEPLOY / "agendei.service").read_text("utf-8")
    assert 'CMD ["agendei", "run", "--no-demo"]' in dockerfile
    assert "ExecStart=/opt/agendei/venv/bin/agendei run --no-demo" in unit
    assert re.search(r"^USER agendei$", dockerfile, re.MULTILINE)  # never root
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    compose = (DEPLOY / "compose.yaml").read_text("utf-8")
    assert '"--appendonly", "yes"' in compose  # Redis keeps FSM state across restarts
