"""Callback data of the buttons notifications carry (at most 64 bytes: short prefixes, ids).

* ``pv:<action>:<booking id>:<version>:<arg>``: a provider's decision (routers in
  ``bot/provider``); the handler checks that the presser is linked to the booking's business,
  so forged data from anyone else changes nothing;
* ``at:<action>:<booking id>:<version>``: the client's answer to an attendance request.

``version`` is the booking's version the button was drawn for: the use case refuses the press
if the booking changed since (``domain.errors.BookingChanged``) and the presser sees it as it
is now. Buttons drawn before versions existed no longer match these filters and get the
"expired button" answer (bot/commands.py).
* ``bk:<business id>``: "book again" after a request expired, was declined or cancelled.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ProviderAction(CallbackData, prefix="pv"):
    # cf confirm, dc decline (asks a reason), dr decline with preset reason ``arg``,
    # cx cancel, dn completed, ns no-show
    action: str
    booking_id: int
    version: int
    arg: int = 0


class AttendanceAnswer(CallbackData, prefix="at"):
    # ok: I'll be there, rs: reschedule, cx: cancel
    action: str
    booking_id: int
    version: int


class BookAgain(CallbackData, prefix="bk"):
    business_id: int
