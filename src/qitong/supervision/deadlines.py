"""Rectification deadlines (issue 13; STYLE habit 6: pure functions of start, limit and
calendar). A class's limit counts working days from the day after assignment (自次日起算,
the deadline being the end of the Nth working day, as the tickets' clocks do) or calendar
months (the same day of the month after, the month's last day when it has none).

The warning opens before the deadline: one working day before for a limit of up to five
working days, three before a longer one, five before a limit in months.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from dataclasses import dataclass

from qitong.core.workdays import END_OF_DAY, LOCAL_TZ, WorkCalendar, add_working_days
from qitong.supervision.states import LimitUnit


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # LimitUnit

    @property
    def label(self) -> str:
        return f"{self.amount}{LimitUnit(self.unit).label}"


# Issue 13's defaults (the ClassLimit rows start as these and are editable).
DEFAULT_LIMITS = {
    "A": Limit(1, LimitUnit.MONTHS),
    "B": Limit(15, LimitUnit.WORKING_DAYS),
    "C": Limit(5, LimitUnit.WORKING_DAYS),
}


def add_months(day: dt.date, count: int) -> dt.date:
    month = day.month - 1 + count
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, months.monthrange(year, month)[1]))


def rectification_deadline(start: dt.datetime, limit: Limit, cal: WorkCalendar) -> dt.datetime:
    """The end of the limit's last day, counted from `start` (the assignment)."""
    if limit.unit == LimitUnit.MONTHS:
        day = add_months(start.astimezone(LOCAL_TZ).date(), limit.amount)
        return dt.datetime.combine(day, END_OF_DAY, LOCAL_TZ)
    return add_working_days(start, limit.amount, cal)


def warning_days(limit: Limit | None) -> int:
    if limit is None or limit.unit == LimitUnit.MONTHS:
        return 5
    return 1 if limit.amount <= 5 else 3


def warn_at(deadline: dt.datetime, limit: Limit | None, cal: WorkCalendar) -> dt.datetime:
    """The start of the working day `warning_days` before the deadline's day (the deadline's
    own day counting as the first)."""
    day = deadline.astimezone(LOCAL_TZ).date()
    left = warning_days(limit) - 1
    while left > 0:
        day -= dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return dt.datetime.combine(day, dt.time(0, 0), LOCAL_TZ)


def end_of(day: dt.date) -> dt.datetime:
    """A deadline given as a date: the end of that day (local time)."""
    return dt.datetime.combine(day, END_OF_DAY, LOCAL_TZ)


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Calendar days from one moment to another, by local date."""
    return (end.astimezone(LOCAL_TZ).date() - start.astimezone(LOCAL_TZ).date()).days
