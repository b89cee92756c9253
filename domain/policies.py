"""A business's policies (notice, horizon, reminders, no-shows...), language and currency, and its
profile (name, kind, time zone, address, phone).
"""

from __future__ import annotations

import re

from .accounts import check_timezone
from .errors import InvalidInput
from .model import Business, ConfirmationMode, Policies
from .ports import UnitOfWork
from .validation import number, owned_business, text

LOCALES = ("pt_BR", "en")
SLOT_STEPS = (5, 10, 15, 20, 30, 60)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
WEEK = 10080  # minutes


def check_policies(p: Policies) -> Policies:
    number("min_notice_minutes", p.min_notice_minutes, 0, WEEK)
    number("horizon_days", p.horizon_days, 1, 365)
    if p.slot_step_minutes not in SLOT_STEPS:
        raise InvalidInput("slot_step_minutes", "invalid")
    number("cancellation_window_minutes", p.cancellation_window_minutes, 0, WEEK)
    number("request_expiry_minutes", p.request_expiry_minutes, 15, WEEK)
    number("attendance_request_minutes", p.attendance_request_minutes, 0, WEEK)
    number("no_show_limit", p.no_show_limit, 0, 20)
    number("no_show_window_days", p.no_show_window_days, 1, 365)
    if len(p.reminder_offsets_minutes) > 3:
        raise InvalidInput("reminder_offsets_minutes", "range")
    for offset in p.reminder_offsets_minutes:
        number("reminder_offsets_minutes", offset, 1, WEEK)
    if not isinstance(p.confirmation_mode, ConfirmationMode):
        raise InvalidInput("confirmation_mode", "invalid")
    return p


async def update_settings(
    uow: UnitOfWork,
    *,
    business_id: int,
    policies: Policies,
    locale: str,
    currency: str,
    user_id: int | None = None,
) -> Business:
    """Policies, language and currency of the business (the owner's panel language follows)."""
    check_policies(policies)
    if locale not in LOCALES:
        raise InvalidInput("locale", "invalid")
    if not _CURRENCY.match(currency):
        raise InvalidInput("currency", "invalid")
    async with uow:
        business = await owned_business(uow, business_id)
        business.policies = policies
        business.locale = locale
        business.currency = currency
        await uow.businesses.update(business)
        if user_id is not None:
            user = await uow.users.get(user_id)
            if user is not None:
                user.locale = locale
                await uow.users.update(user)
        await uow.commit()
    return business


async def save_profile(
    uow: UnitOfWork,
    *,
    business_id: int,
    name: str,
    kind: str,
    timezone: str,
    address: str,
    phone: str,
) -> Business:
    name = text("name", name, max_len=120, required=True)
    kind = text("kind", kind, max_len=60)
    address = text("address", address, max_len=300)
    phone = text("phone", phone, max_len=40)
    try:
        check_timezone(timezone)
    except InvalidInput:
        raise InvalidInput("timezone", "invalid") from None
    async with uow:
        business = await owned_business(uow, business_id)
        business.name, business.kind, business.timezone = name, kind, timezone
        business.address, business.phone = address, phone
        await uow.businesses.update(business)
        await uow.commit()
    return business
