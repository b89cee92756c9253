"""Days off: a professional's time off and the business's closures (holidays, or days with
special opening hours). The hours rule itself lives in :mod:`domain.hours`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from .errors import InvalidInput, NotFound
from .instants import as_utc
from .model import DateException, TimeOff
from .ports import PanelUnitOfWork, UnitOfWork
from .validation import check_day_spans, claim_once, owned_business, owned_staff, text


async def add_time_off(
    uow: UnitOfWork,
    *,
    business_id: int,
    staff_id: int | None,
    start: datetime,
    end: datetime,
    reason: str = "",
) -> TimeOff:
    reason = text("reason", reason, max_len=200)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise InvalidInput("end", "invalid")
    async with uow:
        if staff_id is not None:
            await owned_staff(uow, business_id, staff_id)
        added = await uow.schedule.add_time_off(
            business_id, TimeOff(start=start, end=end, staff_id=staff_id, reason=reason)
        )
        await uow.commit()
    return added


async def remove_time_off(
    uow: PanelUnitOfWork, *, business_id: int, time_off_id: int, staff_id: int | None = None
) -> None:
    async with uow:
        owner = await uow.panel.time_off_owner(time_off_id)
        if owner != (business_id, staff_id):
            raise NotFound("time_off", time_off_id)
        await uow.schedule.remove_time_off(business_id, time_off_id)
        await uow.commit()


# --- business-wide closures -------------------------------------------------------------------


async def add_closures(
    uow: PanelUnitOfWork,
    *,
    business_id: int,
    days: Sequence[date],
    intervals: Sequence[tuple[time, time]] = (),
    note: str = "",
    once: str | None = None,
) -> list[DateException]:
    """Holidays (no intervals) or days with special opening hours for the whole business, all
    in one transaction."""
    note = text("note", note, max_len=200)
    spans = check_day_spans("intervals", intervals)
    async with uow:
        await owned_business(uow, business_id)
        await claim_once(uow, business_id, once)
        added = [
            await uow.schedule.add_exception(
                business_id, DateException(day=day, intervals=spans, note=note)
            )
            for day in days
        ]
        await uow.commit()
    return added


async def remove_closure(uow: PanelUnitOfWork, *, business_id: int, exception_id: int) -> None:
    async with uow:
        if await uow.panel.exception_business(exception_id) != business_id:
            raise NotFound("date_exception", exception_id)
        await uow.schedule.remove_exception(business_id, exception_id)
        await uow.commit()
