"""The bot's real search path: ``clients.free_days``/``free_slots`` over a chat's catalog,
through the one loader and the availability cache of ``domain.search``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from domain import clients
from domain.availability import find_slots
from domain.errors import InvalidInput, NotFound
from domain.model import Booking, BookingItem, BookingStatus, DateException
from domain.search import AvailabilityCache

from .builders import business, d, hhmm, member, query, service, snapshot, wall
from .fakes import FakeUnitOfWork, Store

SP = "America/Sao_Paulo"
NOW = wall(SP, "2026-03-09 08:00")  # Monday morning
CUT, BEARD = 10, 11
RUI, ZE = 1, 2


def make_store() -> Store:
    store = Store()
    store.businesses[1] = business(SP, min_notice_minutes=0, horizon_days=30)
    store.services[CUT] = service(CUT, 60)
    store.services[BEARD] = service(BEARD, 30)
    store.staff[RUI] = member(RUI, ["09:00-12:00"], services=(CUT, BEARD), position=0)
    store.staff[ZE] = member(ZE, ["09:00-11:00"], services=(CUT,), position=1)
    store.next_id = 1000
    return store


def catalog_of(store: Store) -> clients.Catalog:
    return clients.Catalog(
        business=store.businesses[1],
        services=list(store.services.values()),
        staff=list(store.staff.values()),
    )


def book(store: Store, staff_id: int, local: str, minutes: int = 60) -> None:
    ident = store.new_id()
    store.bookings[ident] = Booking(
        business_id=1,
        staff_id=staff_id,
        client_id=1,
        items=[BookingItem(CUT, "Corte", minutes, 5000)],
        start=wall(SP, local),
        status=BookingStatus.CONFIRMED,
        id=ident,
    )


class CachingUnitOfWork(FakeUnitOfWork):
    """The fake with the process cache storage hands out; counts its transactions."""

    def __init__(self, store: Store, cache: AvailabilityCache) -> None:
        super().__init__(store)
        self.availability_cache = cache
        self.opened = 0

    async def __aenter__(self) -> CachingUnitOfWork:
        self.opened += 1
        await super().__aenter__()
        return self


async def slots(uow: FakeUnitOfWork, store: Store, day: str, **kw: object) -> list[str]:
    found = await clients.free_slots(
        uow,
        catalog_of(store),
        now=kw.pop("now", NOW),  # type: ignore[arg-type]
        service_ids=kw.pop("services", [CUT]),  # type: ignore[arg-type]
        staff_id=kw.pop("staff_id", None),  # type: ignore[arg-type]
        first_day=d(day),
        last_day=d(day),
    )
    return hhmm(found)


async def days(uow: FakeUnitOfWork, store: Store, first: str, last: str, **kw: object) -> set[date]:
    return await clients.free_days(
        uow,
        catalog_of(store),
        now=kw.pop("now", NOW),  # type: ignore[arg-type]
        service_ids=[CUT],
        staff_id=kw.pop("staff_id", None),  # type: ignore[arg-type]
        first_day=d(first),
        last_day=d(last),
    )


# --- what the bot shows --------------------------------------------------------------------


async def test_free_times_are_the_engines_answer_over_the_catalog() -> None:
    store = make_store()
    book(store, RUI, "2026-03-10 09:00")
    shown = await slots(FakeUnitOfWork(store), store, "2026-03-10")
    engine = find_slots(
        snapshot(
            store.businesses[1],
            list(store.staff.values()),
            list(store.services.values()),
            bookings=list(store.bookings.values()),
        ),
        query([CUT], "2026-03-10", now=NOW),
    )
    assert shown == hhmm(engine)
    # Rui is busy at 09:00, Zé is not: 09:00 stays (with Zé); 11:00 only Rui can do.
    assert shown == ["09:00", "09:30", "10:00", "10:30", "11:00"]


async def test_a_chosen_professional_limits_the_times() -> None:
    store = make_store()
    assert await slots(FakeUnitOfWork(store), store, "2026-03-10", staff_id=ZE) == [
        "09:00",
        "09:30",
        "10:00",
    ]


async def test_days_leave_out_full_and_closed_dates() -> None:
    store = make_store()
    for local in ("2026-03-11 09:00", "2026-03-11 10:00", "2026-03-11 11:00"):
        book(store, RUI, local)
    for local in ("2026-03-11 09:00", "2026-03-11 10:00"):
        book(store, ZE, local)
    store.exceptions[500] = (1, DateException(day=d("2026-03-12"), id=500))
    found = await days(FakeUnitOfWork(store), store, "2026-03-10", "2026-03-13")
    assert found == {d("2026-03-10"), d("2026-03-13")}


async def test_dates_beyond_the_horizon_offer_nothing() -> None:
    store = make_store()
    assert await days(FakeUnitOfWork(store), store, "2026-05-01", "2026-05-31") == set()


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"services": [99]}, InvalidInput),
        ({"services": []}, InvalidInput),
        ({"staff_id": 77}, NotFound),
        ({"services": [BEARD], "staff_id": ZE}, InvalidInput),
    ],
)
async def test_bad_choices_are_refused(kw: dict[str, object], error: type[Exception]) -> None:
    store = make_store()
    with pytest.raises(error):
        await slots(FakeUnitOfWork(store), store, "2026-03-10", **kw)


# --- the cache -----------------------------------------------------------------------------


async def test_a_repeated_search_reads_nothing_while_the_version_stays() -> None:
    store, cache = make_store(), AvailabilityCache()
    uow = CachingUnitOfWork(store, cache)
    first = await slots(uow, store, "2026-03-10")
    book(store, RUI, "2026-03-10 09:00")  # stored without a version change: invisible
    assert await slots(uow, store, "2026-03-10") == first
    assert uow.opened == 1 and cache.hits == 1


async def test_a_new_version_is_read_again() -> None:
    store, cache = make_store(), AvailabilityCache()
    uow = CachingUnitOfWork(store, cache)
    await slots(uow, store, "2026-03-10", staff_id=RUI)
    book(store, RUI, "2026-03-10 09:00")
    store.businesses[1] = replace(store.businesses[1], data_version=1)
    assert await slots(uow, store, "2026-03-10", staff_id=RUI) == ["10:00", "10:30", "11:00"]


async def test_cached_times_follow_the_minimum_notice_as_time_passes() -> None:
    store, cache = make_store(), AvailabilityCache()
    uow = CachingUnitOfWork(store, cache)
    assert await slots(uow, store, "2026-03-09") == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    later = wall(SP, "2026-03-09 10:15")
    assert await slots(uow, store, "2026-03-09", now=later) == ["10:30", "11:00"]
    assert uow.opened == 1
    earlier: datetime = NOW - timedelta(hours=1)  # a clock that went back: computed again
    await slots(uow, store, "2026-03-09", now=earlier)
    assert uow.opened == 2


async def test_a_cached_calendar_is_recomputed_once_today_first_time_passes() -> None:
    store, cache = make_store(), AvailabilityCache()
    uow = CachingUnitOfWork(store, cache)
    assert d("2026-03-09") in await days(uow, store, "2026-03-09", "2026-03-10")
    # Still before today's first time (09:00): the cached calendar holds.
    await days(uow, store, "2026-03-09", "2026-03-10", now=wall(SP, "2026-03-09 08:59"))
    assert uow.opened == 1
    # After the last start of the day, today has gone.
    evening = wall(SP, "2026-03-09 11:30")
    assert await days(uow, store, "2026-03-09", "2026-03-10", now=evening) == {d("2026-03-10")}
    assert uow.opened == 2


async def test_the_cache_is_bounded() -> None:
    store, cache = make_store(), AvailabilityCache(max_entries=3)
    uow = CachingUnitOfWork(store, cache)
    for day in ("2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-14"):
        await slots(uow, store, day)
    assert len(cache) == 3
