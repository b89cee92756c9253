"""Group commit for outbox marks: the marks lanes make at the same moment share one transaction.

Each lane still awaits its own mark before it goes on (a message is recorded as sent before the
lane sends anything else), and a mark is written at once when nothing else is being written:
nobody waits on purpose. Marks that arrive while a transaction is in flight go together in the
next one, so with many lanes the database sees a few commits per batch instead of one per
message. A crash loses at most the marks in flight, which are one per lane, as before.

"Sent" marks (the common case) of one group are a single fenced ``UPDATE``
(:meth:`~domain.ports.ClaimableOutbox.mark_sent_many`); other marks run one statement each. If a
shared transaction fails, its marks are written again one by one, so one bad row cannot take
the others' marks with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from domain.ports import OutboxItem, SchedulerUnitOfWork
from domain.ports import SchedulerUowFactory as UowFactory

log = logging.getLogger("agendei.scheduler")

Write = Callable[[SchedulerUnitOfWork], Awaitable[bool]]


@dataclass(frozen=True)
class SentMark:
    item: OutboxItem
    recipient: str
    done: bool
    now: datetime


_Entry = tuple[Write | SentMark, "asyncio.Future[bool]"]


class MarkWriter:
    def __init__(self, uow_factory: UowFactory, *, max_group: int = 256) -> None:
        self._uow_factory = uow_factory
        self._max_group = max_group
        self._queue: list[_Entry] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, write: Write) -> bool:
        """Run ``write`` in a committed transaction (maybe shared); its result once committed."""
        return await self._enqueue(write)

    async def sent(self, item: OutboxItem, recipient: str, *, done: bool, now: datetime) -> bool:
        """Record ``recipient`` as told (and finish the action if ``done``); False if fenced."""
        return await self._enqueue(SentMark(item, recipient, done, now))

    async def _enqueue(self, work: Write | SentMark) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
            try:
                await self._commit(group)
            except asyncio.CancelledError:
                self._fail(group + self._queue, RuntimeError("mark writer cancelled"))
                self._queue.clear()
                raise
            except Exception as error:
                if len(group) == 1:
                    self._fail(group, error)
                    continue
                log.warning("outbox marks: shared write failed (%s); one by one", error)
                for one in group:
                    try:
                        await self._commit([one])
                    except Exception as single:
                        self._fail([one], single)

    async def _commit(self, group: list[_Entry]) -> None:
        sent: list[tuple[SentMark, asyncio.Future[bool]]] = []
        other: list[tuple[Write, asyncio.Future[bool]]] = []
        for work, future in group:
            if isinstance(work, SentMark):
                sent.append((work, future))
            else:
                other.append((work, future))
        results: list[tuple[asyncio.Future[bool], bool]] = []
        async with self._uow_factory() as uow:
            for write, future in other:
                results.append((future, await write(uow)))
            if sent:
                marks = [(m.item, m.recipient, m.done) for m, _ in sent]
                accepted = await uow.outbox.mark_sent_many(marks, max(m.now for m, _ in sent))
                results += [(future, m.item.id in accepted) for m, future in sent]
            await uow.commit()
        for future, result in results:
            if not future.done():
                future.set_result(result)

    @staticmethod
    def _fail(group: list[_Entry], error: BaseException) -> None:
        for _, future in group:
            if not future.done():
                future.set_exception(error)
