"""LGPD portability: everything a business holds, or one client's part of it, as plain data
(lists of JSON-ready dicts) that an entry point packs into files.

Reads only; the archive is as of the transaction that reads it.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, date, datetime, time
from typing import Any

from .errors import NotFound
from .model import Booking, Client
from .ports import PanelUnitOfWork, UnitOfWork

Rows = list[dict[str, Any]]
# Wide enough for any booking ever made or planned.
_EVER = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
MAX_CLIENTS = 100_000


def plain(value: Any) -> Any:
    """Dataclasses, enums, instants, sets -> JSON values (instants in ISO 8601 with offset)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return value


async def _with_history(uow: UnitOfWork, bookings: list[Booking]) -> list[Booking]:
    """Listings may leave the history out; an export wants it (one read per booking: rare)."""
    full = []
    for listed in bookings:
        found = await uow.bookings.get(listed.id) if listed.id is not None else None
        full.append(found or listed)
    return full


def _booking(booking: Booking) -> dict[str, Any]:
    row: dict[str, Any] = plain(booking)
    return row


async def business_archive(uow: PanelUnitOfWork, *, business_id: int) -> dict[str, Rows]:
    """business, services, staff (with their hours), clients, bookings (with history)."""
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            raise NotFound("business", business_id)
        services = await uow.services.list_for_business(business_id)
        staff = await uow.staff.list_for_business(business_id, include_inactive=True)
        clients = await uow.panel.search_clients(business_id, "", limit=MAX_CLIENTS)
        listed = await uow.bookings.for_business_between(business_id, *_EVER)
        bookings = await _with_history(uow, listed)
    return {
        "business": [plain(business)],
        "services": [plain(s) for s in services],
        "staff": [plain(m) for m in staff],
        "clients": [plain(c) for c in clients if not c.is_test],
        "bookings": [_booking(b) for b in bookings if not b.is_test],
    }


async def client_archive(uow: UnitOfWork, *, business_id: int, client_id: int) -> dict[str, Rows]:
    """One client's data at one business: the client and their bookings with history."""
    async with uow:
        client: Client | None = await uow.clients.get(client_id)
        if client is None or client.business_id != business_id:
            raise NotFound("client", client_id)
        bookings = await _with_history(
            uow, await uow.bookings.for_client(client_id, limit=MAX_CLIENTS)
        )
    return {"client": [plain(client)], "bookings": [_booking(b) for b in bookings]}
