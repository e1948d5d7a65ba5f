"""Reporting periods: `2022-03` (a month) or `2022-Q1` (a quarter), by the plan's setting.
Pure functions of dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from qitong.reforms.states import PeriodKind

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def period_of(day: dt.date, kind: str) -> str:
    if kind == PeriodKind.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def bounds(code: str, kind: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a period, or None if `code` is not one of `kind`."""
    if kind == PeriodKind.QUARTER:
        found = QUARTER_RE.match(code)
        if not found:
            return None
        year, quarter = int(found[1]), int(found[2])
        first = dt.date(year, 3 * quarter - 2, 1)
        months = 3
    else:
        found = MONTH_RE.match(code)
        if not found:
            return None
        first = dt.date(int(found[1]), int(found[2]), 1)
        months = 1
    year, month = divmod(first.month - 1 + months, 12)
    return first, dt.date(first.year + year, month + 1, 1) - dt.timedelta(days=1)


def label(code: str) -> str:
    """`2022-03` → 2022年3月, `2022-Q1` → 2022年第1季度."""
    if found := QUARTER_RE.match(code):
        return f"{found[1]}年第{found[2]}季度"
    if found := MONTH_RE.match(code):
        return f"{found[1]}年{int(found[2])}月"
    return code


def periods(first: dt.date, last: dt.date, kind: str) -> Iterator[str]:
    """Every period from the one holding `first` to the one holding `last` (none when `last`
    is before `first`: a plan that has not begun)."""
    if last < first:
        return
    code = period_of(first, kind)
    end = period_of(last, kind)
    while True:
        yield code
        if code == end:
            return
        span = bounds(code, kind)
        assert span is not None
        code = period_of(span[1] + dt.timedelta(days=1), kind)


def due(code: str, kind: str, due_days: int) -> dt.date:
    """The last day a period's report is on time."""
    span = bounds(code, kind)
    assert span is not None
    return span[1] + dt.timedelta(days=due_days)
