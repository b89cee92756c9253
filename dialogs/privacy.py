"""/forget: erase the client's personal data after a confirmation step (LGPD)."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.kbd import Button, Row

from domain import booking

from .context import ctx_of, wake_scheduler
from .states import ForgetSG
from .widgets import T, buttons_only, go_main, to_main


async def on_forget(callback: CallbackQuery, _w: Button, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    if ctx.client is not None and ctx.client.id is not None:
        # Upcoming bookings are cancelled (the provider hears of it), then the data goes.
        await booking.erase_client(ctx.uow_factory(), now=ctx.clock(), client_id=ctx.client.id)
        ctx.client = None
        wake_scheduler(manager)
    if callback.message is not None:
        await callback.message.answer(ctx.t("forget.done"))
    await to_main(manager, send=True)
    manager.show_mode = ShowMode.SEND


def forget_dialog() -> Dialog:
    return Dialog(
        Window(
            T("forget.confirm"),
            Row(
                Button(T("forget.yes"), id="yes", on_click=on_forget),
                Button(T("forget.no"), id="no", on_click=go_main),
            ),
            buttons_only(),
            state=ForgetSG.confirm,
        ),
    )


__all__ = ["forget_dialog"]
