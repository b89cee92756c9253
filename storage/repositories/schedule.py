"""Date exceptions and time off."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import DateException, TimeOff

from ..tables import DateExceptionRow, TimeOffRow


def _intervals_to_text(intervals: tuple[tuple[time, time], ...]) -> str:
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals)


def _intervals_from_text(text: str) -> tuple[tuple[time, time], ...]:
    result = []
    for part in filter(None, text.split(",")):
        a, b = part.split("-")
        result.append((time.fromisoformat(a), time.fromisoformat(b)))
    return tuple(result)


class SqlScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_exception(self, business_id: int, exception: DateException) -> DateException:
        row = DateExceptionRow(
            business_id=business_id,
            staff_id=exception.staff_id,
            day=exception.day,
            intervals=_intervals_to_text(exception.intervals),
            note=exception.note,
        )
        self._session.add(row)
        await self._session.flush()
        return DateException(
            id=row.id,
            day=exception.day,
            staff_id=exception.staff_id,
            intervals=exception.intervals,
            note=exception.note,
        )

    async def exceptions_between(
        self, business_id: int, first: date, last: date
    ) -> list[DateException]:
        rows = await self._session.execute(
            select(DateExceptionRow)
            .where(
                col(DateExceptionRow.business_id) == business_id,
                col(DateExceptionRow.day) >= first,
                col(DateExceptionRow.day) <= last,
            )
            .order_by(col(DateExceptionRow.day), col(DateExceptionRow.id))
        )
        return [
            DateException(
                id=r.id,
                day=r.day,
                staff_id=r.staff_id,
                intervals=_intervals_from_text(r.intervals),
                note=r.note,
            )
            for r in rows.scalars()
        ]

    async def remove_exception(self, business_id: int, exception_id: int) -> None:
        await self._session.execute(
            delete(DateExceptionRow).where(
                col(DateExceptionRow.id) == exception_id,
                col(DateExceptionRow.business_id) == business_id,
            )
        )

    async def add_time_off(self, business_id: int, time_off: TimeOff) -> TimeOff:
        row = TimeOffRow(
            business_id=business_id,
            staff_id=time_off.staff_id,
            start_at=time_off.start,
            end_at=time_off.end,
            reason=time_off.reason,
        )
        self._session.add(row)
        await self._session.flush()
        return TimeOff(
            id=row.id,
            start=time_off.start,
            end=time_off.end,
            staff_id=time_off.staff_id,
            reason=time_off.reason,
        )

    async def time_off_between(
        self, business_id: int, start: datetime, end: datetime
    ) -> list[TimeOff]:
        rows = await self._session.execute(
            select(TimeOffRow)
            .where(
                col(TimeOffRow.business_id) == business_id,
                col(TimeOffRow.start_at) < end,
                col(TimeOffRow.end_at) > start,
            )
            .order_by(col(TimeOffRow.start_at))
        )
        return [
            TimeOff(id=r.id, start=r.start_at, end=r.end_at, staff_id=r.staff_id, reason=r.reason)
            for r in rows.scalars()
        ]

    async def remove_time_off(self, business_id: int, time_off_id: int) -> None:
        await self._session.execute(
            delete(TimeOffRow).where(
                col(TimeOffRow.id) == time_off_id,
                col(TimeOffRow.business_id) == business_id,
            )
        )
