"""One validated settings object, read from ``AGENDEI_*`` environment variables and ``.env``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class SettingsError(Exception):
    """A bad configuration value; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGENDEI_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/agendei.db"
    redis_url: str = ""
    telegram_token: str = Field(default="", repr=False)
    telegram_api_base: str = ""
    webhook_secret: str = Field(default="", repr=False)
    public_url: str = ""
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, repr=False)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    scheduler_interval_seconds: float = Field(default=5.0, gt=0)
    # Outbound Telegram limits per bot: shared by all instances through Redis when configured.
    notifier_global_rate: float = Field(default=30.0, gt=0)
    notifier_chat_rate: float = Field(default=1.0, gt=0)
    # SIGTERM: stop taking updates, let in-flight work finish this long, hand back the rest.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # /metrics: with a token, only "Authorization: Bearer <token>"; without, loopback only.
    metrics_token: str = Field(default="", repr=False)
    # /readyz fails when the scheduler's last tick is later than this (seconds).
    scheduler_max_lag_seconds: float = Field(default=60.0, gt=0)
    # Largest request body accepted (bytes); Telegram updates and panel forms are far smaller.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # /openapi.json and /docs: empty means on, except in production.
    openapi: bool | None = None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://...")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("public_url", "telegram_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value:
            bot_id, _, secret = value.partition(":")
            if not bot_id.isdigit() or not secret:
                raise ValueError("must look like 123456:ABC... (from @BotFather)")
        return value

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError("AGENDEI_SECRET_KEY: set a random secret in production")
        if self.env == "production" and len(self.secret_key) < 16:
            raise ValueError("AGENDEI_SECRET_KEY: use at least 16 characters in production")
        return self

    @property
    def sandbox(self) -> bool:
        """Without a token the bot talks to the built-in Bot API emulator."""
        return not self.telegram_token

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise ``SettingsError`` with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error.get("loc") or ()
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if loc:
            raise SettingsError(f"AGENDEI_{str(loc[0]).upper()}: {message}") from None
        raise SettingsError(message) from None
