"""Entry (which business?), the main menu, About the business and Language."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Group, Row, Select, Start, SwitchTo
from aiogram_dialog.widgets.text import Format

from domain import clients
from i18n import LOCALES

from .context import ChatContext, ctx_of
from .states import BookSG, MainSG, MyBookingsSG, StartSG
from .widgets import T, buttons_only, to_main

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def remember_business(ctx: ChatContext, state: FSMContext, business_id: int) -> None:
    """Remember the business this chat is at. Which businesses the user knows is not kept
    here: it is read from the clients table (it survives a lost FSM and a new device)."""
    await state.update_data({"business_id": business_id})


# --- entry -------------------------------------------------------------------------------------


async def start_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    known = await clients.businesses_of(ctx.uow_factory(read_only=True), ctx.telegram_user_id)
    return {"businesses": [(b.id, b.name) for b in known], "has_known": bool(known)}


async def on_pick_business(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    state: FSMContext = manager.middleware_data["state"]
    try:
        business_id = int(item_id)
    except ValueError:
        business_id = 0
    known = await clients.businesses_of(ctx.uow_factory(read_only=True), ctx.telegram_user_id)
    # Only a business this user is a client of: no guessing other ids.
    business = next((b for b in known if b.id == business_id), None)
    if business is None:
        await callback.answer(ctx.t("error.not_found"))
        return
    await remember_business(ctx, state, business_id)
    ctx.business = business
    ctx.client = await clients.resolve_client(
        ctx.uow_factory(),
        business_id=business_id,
        telegram_user_id=ctx.telegram_user_id,
        locale=ctx.locale,
    )
    await to_main(manager)


def start_dialog() -> Dialog:
    return Dialog(
        Window(
            T("start.need_link"),
            T("start.known", when="has_known"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="biz",
                    item_id_getter=lambda item: item[0],
                    items="businesses",
                    on_click=on_pick_business,
                ),
                width=1,
            ),
            buttons_only(),
            state=StartSG.choose,
            getter=start_getter,
        ),
    )


# --- main menu ---------------------------------------------------------------------------------


async def menu_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    name = ctx.business.name if ctx.business else ""
    return {"business": name}


async def about_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    business = ctx.business
    assert business is not None
    hours = await clients.opening_hours(ctx.uow_factory(read_only=True), ctx.business_id)
    lines = [
        ctx.t("about.hours_line", day=ctx.t(f"weekday.{WEEKDAY_KEYS[d]}"), start=s, end=e)
        for d, (s, e) in hours.items()
    ]
    return {
        "business": business.name,
        "address": business.address or ctx.t("about.none"),
        "phone": business.phone or ctx.t("about.none"),
        "hours": "\n".join(lines) or ctx.t("about.none"),
    }


async def on_language(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    if item_id not in LOCALES:
        return
    state: FSMContext = manager.middleware_data["state"]
    await state.update_data(locale=item_id)
    ctx.locale = item_id
    if ctx.client is not None and ctx.client.id is not None:
        await clients.set_locale(ctx.uow_factory(), client_id=ctx.client.id, locale=item_id)
    await manager.switch_to(MainSG.menu)


async def language_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    return {"languages": [(code, ctx.t(f"language.{code}")) for code in LOCALES]}


def main_dialog() -> Dialog:
    return Dialog(
        Window(
            T("menu.title"),
            Start(T("menu.book"), id="book", state=BookSG.service),
            Start(T("menu.my_bookings"), id="mine", state=MyBookingsSG.upcoming),
            Row(
                SwitchTo(T("menu.about"), id="about", state=MainSG.about),
                SwitchTo(T("menu.language"), id="lang", state=MainSG.language),
            ),
            buttons_only(),
            state=MainSG.menu,
            getter=menu_getter,
        ),
        Window(
            T("about.text"),
            SwitchTo(T("nav.back"), id="back", state=MainSG.menu),
            buttons_only(),
            state=MainSG.about,
            getter=about_getter,
        ),
        Window(
            T("language.choose"),
            Select(
                Format("{item[1]}"),
                id="lng",
                item_id_getter=lambda item: item[0],
                items="languages",
                on_click=on_language,
            ),
            SwitchTo(T("nav.back"), id="back", state=MainSG.menu),
            buttons_only(),
            state=MainSG.language,
            getter=language_getter,
        ),
    )
