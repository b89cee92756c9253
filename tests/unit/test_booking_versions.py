"""Every verb that changes a booking acts only on the version it was drawn for.

A button or form carries the booking's version; the use case compares it with the stored one
before anything else and, on a mismatch, raises BookingChanged with the booking as it is now and
commits nothing. The fakes bump the version on every save, as storage does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from domain import booking as uc
from domain.errors import BookingChanged
from domain.model import Actor, BookingStatus

from .fakes import FakeUnitOfWork
from .test_booking import ANA, PROVIDER, make_store, put, stored, tue

S = BookingStatus
Verb = Callable[..., Awaitable[Any]]
NOW = tue("06:00")  # before the client's deadline (08:00) for the 10:00 booking
AFTER = tue("10:30")

CASES: dict[str, tuple[Verb, BookingStatus, dict[str, Any]]] = {
    "confirm": (uc.confirm, S.PENDING, {"business_id": 1, "actor": PROVIDER, "now": NOW}),
    "decline": (uc.decline, S.PENDING, {"business_id": 1, "actor": PROVIDER, "now": NOW}),
    "cancel_by_provider": (
        uc.cancel_by_provider,
        S.CONFIRMED,
        {"business_id": 1, "actor": PROVIDER, "now": NOW},
    ),
    "complete": (uc.complete, S.CONFIRMED, {"business_id": 1, "actor": PROVIDER, "now": AFTER}),
    "mark_no_show": (
        uc.mark_no_show,
        S.CONFIRMED,
        {"business_id": 1, "actor": PROVIDER, "now": AFTER},
    ),
    "cancel_by_client": (uc.cancel_by_client, S.CONFIRMED, {"client_id": ANA, "now": NOW}),
    "confirm_attendance": (uc.confirm_attendance, S.CONFIRMED, {"client_id": ANA, "now": NOW}),
    "reschedule_by_provider": (
        uc.reschedule,
        S.CONFIRMED,
        {"business_id": 1, "actor": PROVIDER, "now": NOW, "new_start": tue("14:00")},
    ),
    "reschedule_by_client": (
        uc.reschedule,
        S.CONFIRMED,
        {
            "business_id": 1,
            "actor": Actor.client(ANA),
            "now": NOW,
            "new_start": tue("14:00"),
            "by_client": True,
            "client_id": ANA,
        },
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_a_stale_version_changes_nothing(name: str) -> None:
    verb, status, kwargs = CASES[name]
    uow = FakeUnitOfWork(make_store())
    ident = put(uow, status)
    booking = stored(uow, ident)
    booking.version = 4  # someone changed it three times since the button showed version 1
    before = (booking.status, booking.start, booking.version, len(booking.events))

    with pytest.raises(BookingChanged) as refused:
        await verb(uow, booking_id=ident, expected_version=1, **kwargs)

    assert refused.value.current is not None and refused.value.current.version == 4
    after = stored(uow, ident)
    assert (after.status, after.start, after.version, len(after.events)) == before
    assert uow.trace.commits == 0 and uow.store.live_outbox(ident) == []


@pytest.mark.parametrize("name", list(CASES))
async def test_the_current_version_acts_and_moves_the_version_on(name: str) -> None:
    verb, status, kwargs = CASES[name]
    uow = FakeUnitOfWork(make_store())
    ident = put(uow, status)

    await verb(uow, booking_id=ident, expected_version=1, **kwargs)

    assert stored(uow, ident).version == 2  # a button drawn before this press is now stale
    assert uow.trace.commits == 1
