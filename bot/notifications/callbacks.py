"""Callback data of the buttons notifications carry (at most 64 bytes: short prefixes, ids).

* ``pv:<action>:<booking id>``: a provider's decision (routers in ``bot/provider``); the
  handler checks that the presser is linked to the booking's business, so forged data from
  anyone else changes nothing;
* ``at:<action>:<booking id>``: the client's answer to an attendance request;
* ``bk:<business id>``: "book again" after a request expired, was declined or cancelled.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ProviderAction(CallbackData, prefix="pv"):
    # cf confirm, dc decline (asks a reason), dr decline with preset reason ``arg``,
    # cx cancel, dn completed, ns no-show
    action: str
    booking_id: int
    arg: int = 0


class AttendanceAnswer(CallbackData, prefix="at"):
    # ok: I'll be there, rs: reschedule, cx: cancel
    action: str
    booking_id: int


class BookAgain(CallbackData, prefix="bk"):
    business_id: int
