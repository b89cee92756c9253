"""Interval maths on half-open ``[start, end)`` datetime ranges.

Kept apart from slot generation (as Cal.com keeps ``date-ranges.ts`` apart from ``slots.ts``) so
each piece is small and tested on its own. Every function takes and returns lists sorted by start;
results never contain empty ranges. Works for aware or naive datetimes, as long as one call does
not mix them. Inputs may be :class:`Range` or plain ``(start, end)`` tuples (the slot engine
passes tuples on its hot path); outputs are :class:`Range`.

Half-open means ``[09:00, 12:00)`` and ``[12:00, 13:00)`` touch without overlapping: a service
may end at 12:00 exactly when the next one starts at 12:00.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

Span = tuple[datetime, datetime]
"""Anything indexable as ``(start, end)``; :class:`Range` is one."""


class Range(NamedTuple):
    start: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    def overlaps(self, other: Range) -> bool:
        """True when the two share at least one instant (touching is not overlapping)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Range) -> bool:
        return self.start <= other.start and other.end <= self.end


def merge(ranges: Iterable[Span]) -> list[Range]:
    """Sort and join overlapping or touching ranges; drop empty ones.

    ::

        in:   [09---11)    [10---12)  [12--13)      [15--16)
        out:  [09-----------------13)               [15--16)
    """
    out: list[Range] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = Range(out[-1][0], end)
        else:
            out.append(Range(start, end))
    return out


def subtract(a: Sequence[Span], b: Sequence[Span]) -> list[Range]:
    """Instants of ``a`` not in ``b``; both sorted by start.

    ::

        a:    [09--------------------18)
        b:         [10-11)    [13-14)     [17-----20)
        out:  [09-10)    [11-13)     [14-17)

    ``a`` may contain overlapping ranges (each is cut on its own), and ``b`` need not be merged:
    overlapping ranges of ``b`` are absorbed as the sweep goes (this saves the slot engine a
    pass). Linear in ``len(a) + len(b)`` when ``a`` is merged and ``b`` holds no range spanning
    many ranges of ``a``, since the pointer into ``b`` then only moves forward.
    """
    out: list[Range] = []
    j = 0
    for r_start, r_end in a:
        # Ranges of b that end before r starts meet neither r nor any later range of a, which
        # starts no earlier (a is sorted by start). The inner scan uses its own index k, so j
        # never skips a range of b that a later, overlapping range of a still needs.
        while j < len(b) and b[j][1] <= r_start:
            j += 1
        cursor = r_start
        k = j
        while k < len(b) and b[k][0] < r_end:
            b_start, b_end = b[k]
            if b_start > cursor:
                out.append(Range(cursor, b_start))
            if b_end > cursor:
                cursor = b_end
            k += 1
        if cursor < r_end:
            out.append(Range(cursor, r_end))
    return out


def total(ranges: Iterable[Span]) -> float:
    """Seconds covered by ``ranges`` (after merging); handy in tests and reports."""
    return sum((r.end - r.start).total_seconds() for r in merge(ranges))
