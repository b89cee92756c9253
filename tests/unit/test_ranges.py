"""Range maths on half-open [start, end) ranges. Drawings: one column per hour of 2026-03-10."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ranges import Range, merge, subtract, total

from .builders import at


def r(start: str, end: str) -> Range:
    return Range(at(f"2026-03-10 {start}"), at(f"2026-03-10 {end}"))


def rs(*spans: str) -> list[Range]:
    return [r(*s.split("-")) for s in spans]


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        # [09--11)  [10--12)  ->  [09-----12)
        (rs("09:00-11:00", "10:00-12:00"), rs("09:00-12:00")),
        # [09-10)[10-11)  touching ranges join  ->  [09----11)
        (rs("09:00-10:00", "10:00-11:00"), rs("09:00-11:00")),
        # [09-10)   [11-12)  a gap stays
        (rs("11:00-12:00", "09:00-10:00"), rs("09:00-10:00", "11:00-12:00")),
        # [09----------13) swallows [10-11)
        (rs("09:00-13:00", "10:00-11:00"), rs("09:00-13:00")),
        # empty ranges vanish
        (rs("09:00-09:00", "10:00-09:30"), []),
        ([], []),
    ],
)
def test_merge(given_: list[Range], expected: list[Range]) -> None:
    assert merge(given_) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # a:  [09--------------------18)
        # b:       [10-11)    [13-14)     [17-----20)
        # =   [09-10)    [11-13)     [14-17)
        (
            rs("09:00-18:00"),
            rs("10:00-11:00", "13:00-14:00", "17:00-20:00"),
            rs("09:00-10:00", "11:00-13:00", "14:00-17:00"),
        ),
        # a:  [09-12)  [13-18)
        # b:  [08--------------19)   everything goes
        (rs("09:00-12:00", "13:00-18:00"), rs("08:00-19:00"), []),
        # a:  [09-12)
        # b:        [12-13)   touching: nothing removed
        (rs("09:00-12:00"), rs("12:00-13:00"), rs("09:00-12:00")),
        # a:  [09----12)  [11-----14)   (overlapping a is cut range by range)
        # b:       [10----------13)
        (
            rs("09:00-12:00", "11:00-14:00"),
            rs("10:00-13:00"),
            rs("09:00-10:00", "13:00-14:00"),
        ),
        (rs("09:00-10:00"), [], rs("09:00-10:00")),
    ],
)
def test_subtract(a: list[Range], b: list[Range], expected: list[Range]) -> None:
    assert subtract(a, b) == expected


def test_overlaps_is_half_open() -> None:
    assert r("09:00", "10:00").overlaps(r("09:59", "11:00"))
    assert not r("09:00", "10:00").overlaps(r("10:00", "11:00"))
    assert r("09:00", "12:00").contains(r("09:00", "12:00"))
    assert total(rs("09:00-10:00", "09:30-11:00")) == 2 * 3600


# Property tests against a minute-by-minute model of the same sets.

BASE = at("2026-03-10 00:00")
spans = st.lists(
    st.tuples(st.integers(0, 120), st.integers(0, 40)).map(
        lambda p: Range(BASE + timedelta(minutes=p[0]), BASE + timedelta(minutes=p[0] + p[1]))
    ),
    max_size=8,
)


def minutes(ranges: list[Range]) -> set[int]:
    out: set[int] = set()
    for x in ranges:
        a = int((x.start - BASE).total_seconds() // 60)
        b = int((x.end - BASE).total_seconds() // 60)
        out.update(range(a, b))
    return out


def well_formed(ranges: list[Range]) -> bool:
    return all(x.start < x.end for x in ranges) and all(
        x.end < y.start for x, y in pairwise(ranges)
    )


@settings(max_examples=100, deadline=None)
@given(spans, spans)
def test_ranges_match_set_model(a: list[Range], b: list[Range]) -> None:
    ma, mb = merge(a), merge(b)
    assert well_formed(ma)
    assert minutes(ma) == minutes(a)
    diff = subtract(ma, mb)
    assert minutes(diff) == minutes(a) - minutes(b)
    assert well_formed(merge(diff)) and all(x.start < x.end for x in diff)
    # subtract also accepts an unmerged, sorted ``a`` or ``b``, and plain tuples.
    assert minutes(subtract(sorted(a), mb)) == minutes(a) - minutes(b)
    assert minutes(subtract(ma, sorted(b))) == minutes(a) - minutes(b)
    plain = [(x.start, x.end) for x in sorted(b)]
    assert subtract(ma, plain) == subtract(ma, sorted(b))
