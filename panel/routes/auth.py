"""Landing page, sign-up, log-in, log-out and change of password."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.accounts import (
    SESSION_TTL,
    change_password,
    create_provider,
    end_session,
    start_session,
    user_with_email,
)
from domain.errors import InvalidInput
from i18n import LOCALES

from ..context import LANG_COOKIE, Auth, PanelContext, Posted
from ..forms import Form
from ..passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password

MAX_PASSWORD_LENGTH = 256


def _safe_next(target: str) -> str:
    # Only our own pages: never an open redirect to another site.
    if target == "/" or (target.startswith("/panel") and not target.startswith("//")):
        return target
    return "/panel"


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()
    dummy_hash: list[
        str
    ] = []  # made on first use, so a wrong e-mail costs as much as a wrong password

    async def login_response(user_id: int, target: str) -> Response:
        token = secrets.token_urlsafe(32)
        await start_session(
            ctx.uow_factory(),
            now=ctx.clock(),
            user_id=user_id,
            token=token,
            csrf_token=secrets.token_urlsafe(32),
        )
        response = RedirectResponse(target, status_code=303)
        ctx.set_cookie(
            response,
            ctx.options.session_cookie,
            token,
            max_age=int(SESSION_TTL.total_seconds()),
        )
        return response

    @router.get("/")
    async def landing(request: Request) -> Response:
        return ctx.render(request, "landing.html")

    @router.get("/panel/lang/{locale}")
    async def choose_language(locale: str, request: Request) -> Response:
        response = RedirectResponse(_safe_next(request.query_params.get("next", "/")), 303)
        if locale in LOCALES:
            ctx.set_cookie(response, LANG_COOKIE, locale, max_age=365 * 86400)
        return response

    @router.get("/panel/signup")
    async def signup_page(request: Request) -> Response:
        return ctx.render(request, "signup.html")

    @router.post("/panel/signup")
    async def signup(
        request: Request, form: Annotated[Form, Depends(ctx.anonymous_form)]
    ) -> Response:
        address = request.client.host if request.client else "unknown"
        wait = await ctx.throttle.signup_wait_seconds(address)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            return ctx.back_to("/panel/signup", form=form, status=429, throttled_minutes=minutes)
        email = form.text("email", required=True, max_len=254)
        password = form.values.get("password", "")
        business_name = form.text("business_name", required=True, max_len=120)
        if len(password) < MIN_PASSWORD_LENGTH:
            form.error("password", "password_short")
        elif len(password) > MAX_PASSWORD_LENGTH:
            form.error("password", "too_long")
        form.values.pop("password", None)  # never echo a password back
        if form.ok:
            try:
                created = await create_provider(
                    ctx.uow_factory(),
                    email=email,
                    password_hash=await hash_password(password),
                    business_name=business_name,
                    locale=ctx.locale_for(request),
                )
            except InvalidInput as error:
                # Not "this e-mail has an account": a neutral answer (and sign-ups are
                # throttled per address) so the form cannot be used to probe for customers.
                code = "signup_failed" if error.message == "taken" else "email"
                form.error(error.field, code if error.field == "email" else "invalid")
            else:
                assert created.user.id is not None
                return await login_response(created.user.id, "/panel/setup")
        return ctx.back_to("/panel/signup", form=form)

    @router.get("/panel/login")
    async def login_page(request: Request) -> Response:
        return ctx.render(
            request, "login.html", values={"next": request.query_params.get("next", "")}
        )

    @router.post("/panel/login")
    async def login(
        request: Request, form: Annotated[Form, Depends(ctx.anonymous_form)]
    ) -> Response:
        email = form.text("email", required=True, max_len=254).lower()
        password = form.values.pop("password", "")
        address = request.client.host if request.client else "unknown"
        wait = await ctx.throttle.wait_seconds(email, address)
        if wait:
            minutes = max(1, (wait + 59) // 60)
            return ctx.back_to("/panel/login", form=form, status=429, throttled_minutes=minutes)
        async with ctx.uow_factory(read_only=True) as uow:
            user = await user_with_email(uow, email)
        if not dummy_hash:
            dummy_hash.append(await hash_password(secrets.token_urlsafe(16)))
        stored = user.password_hash if user else dummy_hash[0]
        if user is not None and password and await verify_password(stored, password):
            await ctx.throttle.succeeded(email, address)
            assert user.id is not None
            return await login_response(user.id, _safe_next(form.values.get("next", "")))
        if user is None:
            await verify_password(stored, password or "x")
        await ctx.throttle.failed(email, address)
        form.error("password", "login_failed")
        # Redirected like every refused form: refreshing the page does not try the password
        # again (nor count another failure). The password itself is never carried back.
        return ctx.back_to("/panel/login", form=form)

    @router.post("/panel/logout")
    async def logout(posted: Annotated[Posted, Depends(ctx.posted)], request: Request) -> Response:
        token = request.cookies.get(ctx.options.session_cookie, "")
        await end_session(ctx.uow_factory(), token=token)
        response = RedirectResponse("/panel/login", status_code=303)
        response.delete_cookie(
            ctx.options.session_cookie, path="/", secure=ctx.options.secure_cookies, httponly=True
        )
        return response

    @router.get("/panel/account")
    async def account_page(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        saved = request.query_params.get("saved") == "1"
        return ctx.render(request, "account.html", auth=auth, saved=saved)

    @router.post("/panel/account/password")
    async def password(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        form, auth = posted.form, posted.auth
        current = form.values.pop("current_password", "")
        new = form.values.pop("new_password", "")
        if not await verify_password(auth.user.password_hash, current):
            form.error("current_password", "password_wrong")
        if len(new) < MIN_PASSWORD_LENGTH:
            form.error("new_password", "password_short")
        elif len(new) > MAX_PASSWORD_LENGTH:
            form.error("new_password", "too_long")
        if not form.ok:  # the passwords were popped above: they never travel in the cookie
            return ctx.back_to("/panel/account", form=form)
        await change_password(
            ctx.uow_factory(),
            user_id=auth.user_id,
            password_hash=await hash_password(new),
            keep_session_id=auth.session.id,
        )
        return RedirectResponse("/panel/account?saved=1", 303)

    return router
