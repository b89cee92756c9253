"""What every panel route needs: the logged-in provider, CSRF checks, pages in their language.

Built once per app by :func:`panel.build_panel` from what ``app/`` passes in; nothing here is
created at import time. Failures are exceptions turned into pages by the handlers in
:mod:`panel.errors`, never into stack traces.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

import i18n
from domain.accounts import load_session, signed_in
from domain.model import Business, PanelSession, User
from domain.onboarding import DONE, current_step
from domain.ports import PanelUowFactory

from . import flash
from .errors import BadRequest, CsrfFailed, LoginRequired, SetupRequired
from .forms import Form, span_note, span_rows
from .options import PanelOptions
from .texts import Texts, negotiate
from .throttle import LoginThrottle

TEMPLATES = Path(__file__).parent / "templates"
Clock = Callable[[], datetime]
UowFactory = PanelUowFactory  # the panel's name for it
LANG_COOKIE = "agendei_lang"
# Fields whose values are never carried back to a page (nor put in the flash cookie).
PASSWORD_FIELDS = ("password", "current_password", "new_password")


@dataclass
class Auth:
    """The provider behind this request and their business."""

    session: PanelSession
    user: User
    business: Business
    texts: Texts

    @property
    def business_id(self) -> int:
        assert self.business.id is not None
        return self.business.id

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business.timezone)


@dataclass
class Posted:
    """A state-changing request whose CSRF token was checked."""

    auth: Auth
    form: Form


class PanelContext:
    def __init__(
        self,
        *,
        uow_factory: UowFactory,
        clock: Clock,
        options: PanelOptions,
        throttle: LoginThrottle,
        bot_username: Callable[[], str | None] | None = None,
    ) -> None:
        self._bot_username = bot_username
        self.uow_factory = uow_factory
        self.clock = clock
        self.options = options
        self.throttle = throttle
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["span_rows"] = span_rows
        self.env.globals["span_note"] = span_note
        self.env.globals["new_once"] = lambda: secrets.token_urlsafe(18)

    def bot_username(self) -> str:
        """Read on every use: the bot wiring may learn its username only at start-up."""
        name = self._bot_username() if self._bot_username else None
        return name or self.options.bot_username

    # --- who is asking ---------------------------------------------------------------------

    def locale_for(self, request: Request, user: User | None = None) -> str:
        chosen = user.locale if user else request.cookies.get(LANG_COOKIE)
        return negotiate(request.headers.get("accept-language"), chosen)

    async def auth(self, request: Request) -> Auth:
        """Dependency: the logged-in provider, or a redirect to the log-in page."""
        token = request.cookies.get(self.options.session_cookie, "")
        session = await load_session(
            self.uow_factory(read_only=True), now=self.clock(), token=token
        )
        if session is None:
            raise LoginRequired()
        async with self.uow_factory(read_only=True) as uow:
            account = await signed_in(uow, session.user_id)
        if account is None:
            raise LoginRequired()
        user, business = account
        return Auth(session, user, business, Texts(self.locale_for(request, user)))

    async def ready(self, request: Request) -> Auth:
        """Dependency: like :meth:`auth`, but sends a provider mid-wizard back to the wizard."""
        auth = await self.auth(request)
        if (
            await current_step(self.uow_factory(read_only=True), business_id=auth.business_id)
            < DONE
        ):
            raise SetupRequired()
        return auth

    async def posted(self, request: Request) -> Posted:
        """Dependency: the logged-in provider and their form, CSRF token checked (403 if not)."""
        auth = await self.auth(request)
        form = await self.read_form(request)
        given = form.values.get("csrf_token", "")
        if not given or not hmac.compare_digest(given, auth.session.csrf_token):
            raise CsrfFailed()
        return Posted(auth, form)

    # --- anonymous forms (sign-up, log-in): double-submit cookie signed with the secret ------

    def anonymous_token(self, nonce: str) -> str:
        key = self.options.secret_key.encode()
        return hmac.new(key, f"csrf:{nonce}".encode(), sha256).hexdigest()

    def anonymous_nonce(self, request: Request) -> tuple[str, bool]:
        """The browser's CSRF nonce and whether it is new (then the response must set it)."""
        nonce = request.cookies.get(self.options.csrf_cookie, "")
        if len(nonce) >= 16:
            return nonce, False
        return secrets.token_urlsafe(24), True

    async def anonymous_form(self, request: Request) -> Form:
        """Dependency: a form posted without a session; 403 without the right token."""
        form = await self.read_form(request)
        nonce = request.cookies.get(self.options.csrf_cookie, "")
        given = form.values.get("csrf_token", "")
        if not nonce or not given or not hmac.compare_digest(given, self.anonymous_token(nonce)):
            raise CsrfFailed()
        return form

    @staticmethod
    async def read_form(request: Request) -> Form:
        data = await request.form()
        pairs = [(k, v) for k, v in data.multi_items() if isinstance(v, str)]
        # No form of ours sends a NUL byte, and PostgreSQL cannot store one: refuse it whole.
        if any("\x00" in k or "\x00" in v for k, v in pairs):
            raise BadRequest()
        return Form.of(pairs)

    # --- pages -----------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        *,
        auth: Auth | None = None,
        status: int = 200,
        form: Form | None = None,
        values: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        texts = auth.texts if auth else Texts(self.locale_for(request))
        new_nonce = ""
        if auth is not None:
            csrf = auth.session.csrf_token
        else:
            nonce, is_new = self.anonymous_nonce(request)
            csrf = self.anonymous_token(nonce)
            new_nonce = nonce if is_new else ""
        shown = dict(values or {})
        codes: dict[str, str] = {}
        params: dict[str, dict[str, str]] = {}
        carried = self.take_flash(request)
        if carried is not None:
            shown.update(carried.values)
            codes, params = dict(carried.errors), dict(carried.params)
            context = {**carried.extra, **context}
            if codes:
                status = 400
            if carried.status:
                status = carried.status
        if form is not None:
            shown.update(form.values)
            codes.update(form.errors)
            params.update(form.params)
        errors = {
            name: texts(f"error.{code}", **params.get(name, {})) for name, code in codes.items()
        }
        html = self.env.get_template(template).render(
            t=texts,
            locale=texts.locale,
            csrf=csrf,
            auth=auth,
            business=auth.business if auth else None,
            values=shown,
            errors=errors,
            path=request.url.path,
            # "?saved=1" after a save: base.html says "Salvo." where the page does not itself.
            saved_by_redirect=request.query_params.get("saved") == "1",
            money=lambda minor: i18n.format_money(
                minor, auth.business.currency if auth else "BRL", texts.locale
            ),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        # Only our own files run or load; nobody may frame the panel (clickjacking).
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if new_nonce:
            self.set_cookie(response, self.options.csrf_cookie, new_nonce, max_age=None)
        if carried is not None:
            response.delete_cookie(flash.FLASH_COOKIE, path="/")
        return response

    # --- Post/Redirect/Get ------------------------------------------------------------------

    def take_flash(self, request: Request) -> flash.Flash | None:
        """The refused form carried to this page by :meth:`back_to`, if it names this page."""
        cookie = request.cookies.get(flash.FLASH_COOKIE, "")
        if request.method != "GET" or not cookie:
            return None
        carried = flash.load(self.options.secret_key, cookie)
        if carried is None or carried.path != request.url.path:
            return None
        return carried

    def back_to(
        self,
        to: str,
        *,
        form: Form | None = None,
        values: dict[str, str] | None = None,
        status: int = 0,
        **extra: object,
    ) -> Response:
        """Redirect (303) to the page ``to``, which shows the form again with what was typed,
        the messages and ``extra`` (e.g. a link just made): Back/refresh never re-post it.
        ``status`` is the shown page's status when it is not the usual 200/400 (429: wait)."""
        carried = flash.Flash(
            path=to.split("?")[0].split("#")[0],
            values=dict(values or (form.values if form else {})),
            errors=dict(form.errors if form else {}),
            params=dict(form.params if form else {}),
            extra=extra,
            status=status,
        )
        carried.values.pop("csrf_token", None)
        for secret in PASSWORD_FIELDS:  # a password never travels in a cookie
            carried.values.pop(secret, None)
        carried.values.pop("once", None)  # a fresh one-time token comes with the page
        cookie = flash.dump(self.options.secret_key, carried)
        while not flash.fits(cookie) and carried.values:
            # Too much to carry (very long notes): drop the longest value, keep the messages.
            longest = max(carried.values, key=lambda k: len(carried.values[k]))
            del carried.values[longest]
            cookie = flash.dump(self.options.secret_key, carried)
        response = RedirectResponse(to, status_code=303)
        self.set_cookie(response, flash.FLASH_COOKIE, cookie, max_age=600)
        return response

    def set_cookie(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.options.secure_cookies,
        )
