"""Settings-derived options of the panel, built by ``app/panel_wiring.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PanelOptions:
    secret_key: str
    # True when served over HTTPS (PUBLIC_URL https): Secure cookies with the __Host- prefix.
    secure_cookies: bool = False
    bot_username: str = "agendei_bot"
    public_url: str = ""
    # No Telegram token yet: the share page walks the provider through going live.
    sandbox_mode: bool = False
    # Failed log-ins allowed per e-mail and per client address (limits' notation).
    account_limit: str = "5 per 15 minutes"
    address_limit: str = "20 per 15 minutes"
    # Sign-up attempts per client address (every attempt counts).
    signup_limit: str = "10 per hour"

    @property
    def session_cookie(self) -> str:
        return "__Host-agendei_session" if self.secure_cookies else "agendei_session"

    @property
    def csrf_cookie(self) -> str:
        return "__Host-agendei_csrf" if self.secure_cookies else "agendei_csrf"
