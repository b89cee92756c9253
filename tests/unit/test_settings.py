"""Settings: sensible local defaults, one clear line for a bad value, safe production."""

from __future__ import annotations

import pytest

from app.settings import DEFAULT_SECRET_KEY, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("AGENDEI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(str(tmp_path))  # no stray .env file


def test_defaults_are_for_local_use() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./var/agendei.db"
    assert settings.redis_url == ""
    assert settings.sandbox is True
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDEI_PORT", "9001")
    monkeypatch.setenv("AGENDEI_REDIS_URL", "redis://localhost:6379/1")
    monkeypatch.setenv("AGENDEI_TELEGRAM_TOKEN", "123456:ABCdef")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.redis_url == "redis://localhost:6379/1"
    assert settings.sandbox is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AGENDEI_PORT", "eighty"),
        ("AGENDEI_PORT", "70000"),
        ("AGENDEI_DATABASE_URL", "mysql://localhost/x"),
        ("AGENDEI_REDIS_URL", "localhost:6379"),
        ("AGENDEI_TELEGRAM_TOKEN", "not-a-token"),
        ("AGENDEI_PUBLIC_URL", "example.com"),
        ("AGENDEI_ENV", "staging"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(variable + ":")
    assert "\n" not in message


def test_production_refuses_the_default_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDEI_ENV", "production")
    with pytest.raises(SettingsError, match="AGENDEI_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("AGENDEI_SECRET_KEY", "x" * 40)
    assert load_settings().secret_key != DEFAULT_SECRET_KEY


def test_secrets_never_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDEI_TELEGRAM_TOKEN", "123456:SUPERSECRET")
    monkeypatch.setenv("AGENDEI_WEBHOOK_SECRET", "hook-secret")
    text = repr(load_settings()) + str(load_settings())
    assert "SUPERSECRET" not in text and "hook-secret" not in text
    assert DEFAULT_SECRET_KEY not in text
