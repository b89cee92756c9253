"""The "try your bot" page: the provider chats with their own bot as a test client, and sees
beside it what their own Telegram account receives.

Both chats are emulated Telegram users (ids from :func:`domain.sandbox.sandbox_users`, derived
from the business of the logged-in provider, so nobody can drive another business's chats).
The page reaches the Bot API emulator only through :class:`SandboxChats`, which ``app/`` hands
over; the panel never imports the bot. The browser polls ``/panel/sandbox/state``; every action
is a CSRF-checked POST that answers with the new state.
"""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from domain import sandbox as use_cases
from domain.model import Actor

from ..context import Auth, PanelContext, Posted

JSON = dict[str, Any]
PANES = ("client", "provider")
MAX_TEXT = 4096
# A fixed, obviously fake number: the test client's "shared contact".
TEST_PHONE = "+5511900000000"


class SandboxRefused(Exception):
    """The emulated user cannot do that (no such button any more, say)."""


class SandboxChats(Protocol):
    """What the page needs from the emulator; ``app/`` implements it."""

    def bot_username(self) -> str: ...
    def transcript(self, user_id: int) -> JSON | None:
        """The chat as the emulator's control routes show it, or None before the first message."""
        ...

    async def send_text(self, user_id: int, text: str, profile: JSON) -> None: ...
    async def press(self, user_id: int, message_id: int, data: str) -> None: ...
    async def reply_button(self, user_id: int, text: str, profile: JSON) -> None: ...
    async def reset(self, user_id: int) -> None: ...


def _buttons(markup: JSON | None, kind: str) -> list[list[JSON]]:
    rows = (markup or {}).get(kind) or []
    out = []
    for row in rows:
        shown = []
        for button in row:
            item: JSON = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                item["data"] = button["callback_data"]
            if button.get("url"):
                item["url"] = button["url"]
            if button.get("request_contact"):
                item["contact"] = True
            shown.append(item)
        out.append(shown)
    return out


def view(transcript: JSON | None) -> JSON:
    """The compact chat the page draws (its own contract, not the emulator's)."""
    if not transcript:
        return {"messages": [], "keyboard": [], "toast": ""}
    messages = []
    for m in transcript.get("messages", []):
        contact = m.get("contact")
        messages.append(
            {
                "id": m["message_id"],
                "from": "bot" if m.get("sender") == "bot" else "user",
                "text": m.get("text") or m.get("caption") or "",
                "entities": m.get("entities") or [],
                "contact": (contact or {}).get("phone_number", ""),
                "buttons": _buttons(m.get("reply_markup"), "inline_keyboard"),
                "edited": bool(m.get("edited")),
                "date": m.get("date", 0),
            }
        )
    answers = [a for a in transcript.get("callback_answers", []) if a.get("text")]
    return {
        "messages": messages,
        "keyboard": _buttons(transcript.get("reply_keyboard"), "keyboard"),
        "toast": answers[-1]["text"] if answers else "",
    }


def build(ctx: PanelContext, chats: SandboxChats) -> APIRouter:
    router = APIRouter()

    def profile(auth: Auth, pane: str) -> JSON:
        t = auth.texts
        return {
            "first_name": t("sandbox.client_name" if pane == "client" else "sandbox.you"),
            "language_code": "pt-br" if t.locale == "pt_BR" else "en",
            "phone_number": TEST_PHONE,
        }

    async def prepare(auth: Auth) -> use_cases.SandboxUsers:
        users = use_cases.sandbox_users(auth.business_id)
        locale = auth.texts.locale
        await use_cases.prepare_test_client(
            ctx.uow_factory(),
            business_id=auth.business_id,
            telegram_user_id=users.client,
            locale=locale,
        )
        await use_cases.link_sandbox_provider(
            ctx.uow_factory(),
            now=ctx.clock(),
            business_id=auth.business_id,
            telegram_user_id=users.provider,
            locale=locale,
        )
        return users

    def state(auth: Auth, error: str = "", status: int = 200) -> JSONResponse:
        users = use_cases.sandbox_users(auth.business_id)
        body = {
            "client": view(chats.transcript(users.client)),
            "provider": view(chats.transcript(users.provider)),
            "error": error,
        }
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    def pane_user(auth: Auth, pane: str) -> int | None:
        users = use_cases.sandbox_users(auth.business_id)
        return {"client": users.client, "provider": users.provider}.get(pane)

    async def act(posted: Posted, pane: str, action: str) -> JSONResponse:
        auth, form = posted.auth, posted.form
        user_id = pane_user(auth, pane)
        if user_id is None:
            return state(auth, auth.texts("sandbox.error_refused"), 404)
        await prepare(auth)
        try:
            if action == "text":
                text = (form.values.get("text") or "").strip()
                if not text or len(text) > MAX_TEXT:
                    return state(auth, auth.texts("sandbox.error_text"), 422)
                await chats.send_text(user_id, text, profile(auth, pane))
            elif action == "start":
                slug = auth.business.slug
                await chats.send_text(user_id, f"/start {slug}", profile(auth, pane))
            elif action == "press":
                raw_id = form.values.get("message_id", "")
                data = form.values.get("data", "")
                if not raw_id.isdigit() or not data:
                    return state(auth, auth.texts("sandbox.error_refused"), 422)
                await chats.press(user_id, int(raw_id), data)
            elif action == "reply":
                text = form.values.get("text", "")
                if not text:
                    return state(auth, auth.texts("sandbox.error_refused"), 422)
                await chats.reply_button(user_id, text, profile(auth, pane))
        except SandboxRefused:
            return state(auth, auth.texts("sandbox.error_refused"), 409)
        return state(auth)

    @router.get("/panel/sandbox")
    async def page(request: Request, auth: Annotated[Auth, Depends(ctx.ready)]) -> Response:
        await prepare(auth)
        done = request.query_params.get("done", "")
        cleared = request.query_params.get("cleared", "")
        flash = ""
        if done == "cleared" and cleared.isdigit():
            flash = auth.texts("sandbox.cleared", count=int(cleared))
        elif done == "reset":
            flash = auth.texts("sandbox.reset_done")
        return ctx.render(
            request,
            "sandbox.html",
            auth=auth,
            bot_username=chats.bot_username(),
            flash=flash,
        )

    @router.get("/panel/sandbox/agenda")
    async def to_agenda(auth: Annotated[Auth, Depends(ctx.ready)]) -> Response:
        """ "See the agenda" under the chats: the day of the booking just made, not today."""
        users = use_cases.sandbox_users(auth.business_id)
        booking = await use_cases.newest_test_booking(
            ctx.uow_factory(read_only=True),
            business_id=auth.business_id,
            telegram_user_id=users.client,
        )
        if booking is None:
            return RedirectResponse("/panel/agenda", 303)
        day = booking.start.astimezone(auth.zone).date().isoformat()
        return RedirectResponse(f"/panel/agenda?day={day}#booking-{booking.id}", 303)

    @router.get("/panel/sandbox/state")
    async def current(auth: Annotated[Auth, Depends(ctx.ready)]) -> Response:
        return state(auth)

    @router.post("/panel/sandbox/{pane}/{action}")
    async def action(
        pane: str, action: str, posted: Annotated[Posted, Depends(ctx.posted)]
    ) -> Response:
        if action not in ("text", "start", "press", "reply"):
            return state(posted.auth, posted.auth.texts("sandbox.error_refused"), 404)
        return await act(posted, pane, action)

    @router.post("/panel/sandbox/reset")
    async def reset(request: Request, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth = posted.auth
        users = use_cases.sandbox_users(auth.business_id)
        await chats.reset(users.client)
        await use_cases.forget_test_client(
            ctx.uow_factory(), business_id=auth.business_id, telegram_user_id=users.client
        )
        await prepare(auth)
        if request.headers.get("accept", "").startswith("application/json"):
            return state(auth)
        return RedirectResponse("/panel/sandbox?done=reset", 303)

    @router.post("/panel/sandbox/clear")
    async def clear(posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth = posted.auth
        count = await use_cases.clear_test_bookings(
            ctx.uow_factory(),
            now=ctx.clock(),
            business_id=auth.business_id,
            actor=Actor.provider(auth.user_id),
        )
        return RedirectResponse(f"/panel/sandbox?done=cleared&cleared={count}", 303)

    return router
