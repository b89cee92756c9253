"""Unit of work: one database transaction per use case, committed once."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.search import AvailabilityCache

from .engine import READ_ONLY
from .repositories.bookings import SqlBookingRepository
from .repositories.businesses import SqlBusinessRepository
from .repositories.catalog import SqlServiceRepository, SqlStaffRepository
from .repositories.clients import SqlClientRepository
from .repositories.daily import SqlDailyRepository
from .repositories.links import SqlLinkRepository
from .repositories.outbox import SqlOutboxRepository
from .repositories.panel import SqlPanelQueryRepository, SqlPanelSessionRepository
from .repositories.schedule import SqlScheduleRepository
from .repositories.updates import SqlProcessedUpdateRepository
from .repositories.users import SqlUserRepository


class SqlUnitOfWork:
    """Implements ``domain.ports.UnitOfWork``. Leaving without ``commit()`` rolls back."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        read_only: bool = False,
        availability_cache: AvailabilityCache | None = None,
    ):
        self._session_factory = session_factory
        self._read_only = read_only
        # Shared by every unit of work of one factory (one process, one database): slot
        # searches reuse answers while the business's data version stays the same.
        self.availability_cache = availability_cache
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        session = self._session_factory()
        if self._read_only:
            await session.connection(execution_options={READ_ONLY: True})
        self._session = session
        self.users = SqlUserRepository(session)
        self.businesses = SqlBusinessRepository(session)
        self.staff = SqlStaffRepository(session)
        self.services = SqlServiceRepository(session)
        self.schedule = SqlScheduleRepository(session)
        self.clients = SqlClientRepository(session)
        self.bookings = SqlBookingRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.daily = SqlDailyRepository(session)
        self.updates = SqlProcessedUpdateRepository(session)
        self.links = SqlLinkRepository(session)
        self.sessions = SqlPanelSessionRepository(session)
        self.panel = SqlPanelQueryRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()  # a no-op after commit()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


UnitOfWorkFactory = Callable[..., SqlUnitOfWork]


def make_uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    """The callable entry points receive: ``uow_factory()`` or ``uow_factory(read_only=True)``."""
    session_factory = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    cache = AvailabilityCache()

    def factory(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory, read_only=read_only, availability_cache=cache)

    return factory
