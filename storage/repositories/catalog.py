"""Staff members (with their services and weekly hours) and services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.model import Service, StaffMember, WeeklyInterval

from ..tables import ServiceRow, StaffRow, StaffServiceRow, WeeklyHoursRow

_s = ServiceRow.__table__.c  # type: ignore[attr-defined]
_st = StaffRow.__table__.c  # type: ignore[attr-defined]


def _service_to_domain(row: ServiceRow) -> Service:
    return Service(
        id=row.id,
        business_id=row.business_id,
        name=row.name,
        description=row.description,
        duration_minutes=row.duration_minutes,
        price_minor=row.price_minor,
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes,
        capacity=row.capacity,
        active=row.active,
        position=row.position,
        needs_approval=row.needs_approval,
    )


_SERVICE_FIELDS = (
    "business_id",
    "name",
    "description",
    "duration_minutes",
    "price_minor",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "capacity",
    "active",
    "position",
    "needs_approval",
)


class SqlServiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, service: Service) -> Service:
        row = ServiceRow(**{f: getattr(service, f) for f in _SERVICE_FIELDS})
        self._session.add(row)
        await self._session.flush()
        service.id = row.id
        return service

    async def get(self, service_id: int) -> Service | None:
        row = await self._session.get(ServiceRow, service_id)
        return _service_to_domain(row) if row else None

    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[Service]:
        # Plain columns (a Core select), not ORM rows: every update of a chat reads the catalog.
        query = select(*_s).where(_s.business_id == business_id)
        if not include_inactive:
            query = query.where(_s.active.is_(True))
        rows = await self._session.execute(query.order_by(_s.position, _s.id))
        return [_service_to_domain(r) for r in rows]  # type: ignore[arg-type]

    async def update(self, service: Service) -> None:
        row = await self._session.get(ServiceRow, service.id)
        if row is None:
            raise LookupError(f"service {service.id} does not exist")
        for f in _SERVICE_FIELDS:
            setattr(row, f, getattr(service, f))
        await self._session.flush()


class SqlStaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, staff: StaffMember) -> StaffMember:
        row = StaffRow(business_id=staff.business_id, name=staff.name)
        self._copy_into(row, staff)
        self._session.add(row)
        await self._session.flush()
        staff.id = row.id
        await self._replace_children(staff)
        return staff

    async def get(self, staff_id: int) -> StaffMember | None:
        row = await self._session.get(StaffRow, staff_id)
        if row is None:
            return None
        return (await self._hydrate([row]))[0]

    async def names(self, staff_ids: Sequence[int]) -> dict[int, str]:
        wanted = sorted(set(staff_ids))
        if not wanted:
            return {}
        rows = await self._session.execute(
            select(col(StaffRow.id), col(StaffRow.name)).where(col(StaffRow.id).in_(wanted))
        )
        return {ident: name for ident, name in rows.all() if ident is not None}

    async def list_for_business(
        self, business_id: int, *, include_inactive: bool = False
    ) -> list[StaffMember]:
        query = select(*_st).where(_st.business_id == business_id)
        if not include_inactive:
            query = query.where(_st.active.is_(True))
        rows = (await self._session.execute(query.order_by(_st.position, _st.id))).all()
        return await self._hydrate(rows)  # type: ignore[arg-type]

    async def update(self, staff: StaffMember) -> None:
        row = await self._session.get(StaffRow, staff.id)
        if row is None:
            raise LookupError(f"staff member {staff.id} does not exist")
        self._copy_into(row, staff)
        await self._replace_children(staff)

    @staticmethod
    def _copy_into(row: StaffRow, staff: StaffMember) -> None:
        row.name = staff.name
        row.max_daily_bookings = staff.max_daily_bookings
        row.active = staff.active
        row.position = staff.position
        row.telegram_user_id = staff.telegram_user_id

    async def _replace_children(self, staff: StaffMember) -> None:
        assert staff.id is not None
        await self._session.execute(
            delete(StaffServiceRow).where(col(StaffServiceRow.staff_id) == staff.id)
        )
        await self._session.execute(
            delete(WeeklyHoursRow).where(col(WeeklyHoursRow.staff_id) == staff.id)
        )
        self._session.add_all(
            StaffServiceRow(staff_id=staff.id, service_id=s) for s in sorted(staff.service_ids)
        )
        self._session.add_all(
            WeeklyHoursRow(staff_id=staff.id, weekday=w.weekday, start_time=w.start, end_time=w.end)
            for w in staff.weekly_hours
        )
        await self._session.flush()

    async def _hydrate(self, rows: list[StaffRow]) -> list[StaffMember]:
        """Load services and hours of all rows in two queries, not two per staff member."""
        ids = [r.id for r in rows]
        services: dict[int, set[int]] = defaultdict(set)
        hours: dict[int, list[WeeklyInterval]] = defaultdict(list)
        if ids:
            # Plain columns, not ORM rows: every update of a chat reads the catalog, and
            # building (and identity-mapping) one ORM object per link and per interval cost
            # more than the queries.
            for staff_id, service_id in await self._session.execute(
                select(col(StaffServiceRow.staff_id), col(StaffServiceRow.service_id)).where(
                    col(StaffServiceRow.staff_id).in_(ids)
                )
            ):
                services[staff_id].add(service_id)
            for staff_id, weekday, start, end in await self._session.execute(
                select(
                    col(WeeklyHoursRow.staff_id),
                    col(WeeklyHoursRow.weekday),
                    col(WeeklyHoursRow.start_time),
                    col(WeeklyHoursRow.end_time),
                )
                .where(col(WeeklyHoursRow.staff_id).in_(ids))
                .order_by(col(WeeklyHoursRow.weekday), col(WeeklyHoursRow.start_time))
            ):
                hours[staff_id].append(WeeklyInterval(weekday, start, end))
        return [
            StaffMember(
                id=r.id,
                business_id=r.business_id,
                name=r.name,
                service_ids=services[r.id] if r.id is not None else set(),
                weekly_hours=hours[r.id] if r.id is not None else [],
                max_daily_bookings=r.max_daily_bookings,
                active=r.active,
                position=r.position,
                telegram_user_id=r.telegram_user_id,
            )
            for r in rows
        ]
