"""Working-day and working-hour arithmetic for deadlines (STYLE habit 6: pure functions of
start, limit and calendar; the calendar is loaded once and passed in).

Rules (DESIGN "Clocks"): a limit is counted in calendar hours, working hours, or working days
"自次日起算" — counted from the day after the start, the deadline being the end of the Nth
working day. Working days come from the administrator's HolidayOverride table first, then
chinese-calendar (statutory holidays and 调休 make-up days), then plain Monday–Friday for years
neither covers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import models

from qitong.core import clock
from qitong.core.refcache import ReferenceCache

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
MAX_SCAN_DAYS = 366 * 2  # a limit that needs more than two years of scanning is a data error


class LimitUnit(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", "自然小时"
    WORKING_HOURS = "working_hours", "工作小时"
    WORKING_DAYS = "working_days", "工作日（自次日起算）"


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    # Years whose State Council notice an administrator loaded (core.models.CalendarYear).
    loaded_years: frozenset[int] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _package_workday(day)

    def covered_by_package(self, year: int) -> bool:
        return _package_covers(year)

    def covers(self, year: int) -> bool:
        """Are the year's holidays known (the package's data, or a loaded notice)?"""
        return year in self.loaded_years or _package_covers(year)

    def is_provisional(self, day: dt.date) -> bool:
        """A deadline on `day` counted plain weekends: its year's holidays are not known yet."""
        return not self.covers(day.year)

    def uncovered(self, today: dt.date) -> list[int]:
        """The years that need their notice loaded now: this year, and from 1 October the
        next (the State Council publishes it in the autumn)."""
        years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
        return [year for year in years if not self.covers(year)]


def local_today() -> dt.date:
    """Today in local (Beijing) time: what "today" means for every date a user sees."""
    return clock.now().astimezone(LOCAL_TZ).date()


def deadline_provisional(at: dt.datetime | None) -> bool:
    """Is a deadline counted on plain weekends (its year's holidays unknown)? Reads the
    database only for a year the package does not cover."""
    if at is None:
        return False
    year = at.astimezone(LOCAL_TZ).year
    return not _package_covers(year) and not load_calendar().covers(year)


@functools.lru_cache(maxsize=8192)
def _package_workday(day: dt.date) -> bool:
    """The package's answer (memoized: it validates the date against its whole table on every
    call, 60 µs — a grid judging thousands of cells asked it tens of thousands of times)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no data for
        return day.weekday() < 5


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _read_calendar() -> WorkCalendar:
    # Imported here, not at the top: model modules import this one while apps load.
    from qitong.core.models import CalendarYear, HolidayOverride

    return WorkCalendar(
        dict(HolidayOverride.objects.values_list("date", "is_workday")),
        frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


# Jobs (dotted paths, called with the year) to queue when a year's holidays are loaded: the
# apps whose deadlines count working days register theirs in AppConfig.ready.
CALENDAR_LOADED_JOBS: list[str] = []

# Invalidated by HolidayOverride and CalendarYear saves (core.apps).
CALENDAR_CACHE = ReferenceCache(_read_calendar)


def load_calendar() -> WorkCalendar:
    """The calendar with the administrator's overrides (a few dozen rows a year), cached per
    process (core.refcache)."""
    return CALENDAR_CACHE.get()


@dataclass(frozen=True)
class WorkingHours:
    """Daily working periods in local time, e.g. 09:00–12:00 and 13:30–17:30."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9, 0), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(17, 30)),
    )

    @classmethod
    def from_config(cls, periods: object) -> WorkingHours:
        """From [["09:00", "12:00"], ...] as stored on a desk; empty means the default."""
        if not periods:
            return cls()
        if not isinstance(periods, list):
            raise ValueError('工作时段应为列表，如 [["09:00", "12:00"]]')
        parsed = []
        for item in periods:
            try:
                start, end = item
                parsed.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
            except (TypeError, ValueError):
                raise ValueError(f'无法识别的工作时段：{item}（应为 ["HH:MM", "HH:MM"]）') from None
        return cls(tuple(parsed))

    def __post_init__(self) -> None:
        previous = dt.time(0, 0)
        for start, end in self.periods:
            if not (previous <= start < end):
                raise ValueError("工作时段应按时间先后排列且互不重叠")
            previous = end

    def covers(self, moment: dt.datetime, calendar: WorkCalendar) -> bool:
        """Whether `moment` falls on a working day inside one of the periods (local time)."""
        local = moment.astimezone(LOCAL_TZ)
        if not calendar.is_workday(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.periods)


DEFAULT_HOURS = WorkingHours()


def add_working_days(start: dt.datetime, days: int, calendar: WorkCalendar) -> dt.datetime:
    """End of the `days`-th working day counted from the day after `start` (local time)."""
    if days < 1:
        raise ValueError("工作日时限至少为 1 天")
    day = start.astimezone(LOCAL_TZ).date()
    counted = 0
    for _ in range(MAX_SCAN_DAYS):
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
            if counted == days:
                return dt.datetime.combine(day, END_OF_DAY, LOCAL_TZ)
    raise ValueError("找不到足够的工作日，请检查节假日设置")


def add_working_hours(
    start: dt.datetime, hours: float, calendar: WorkCalendar, working: WorkingHours = DEFAULT_HOURS
) -> dt.datetime:
    """The moment `hours` of working time after `start` have passed."""
    if hours <= 0:
        raise ValueError("工作小时时限必须大于 0")
    remaining = dt.timedelta(hours=hours)
    local = start.astimezone(LOCAL_TZ)
    day = local.date()
    for _ in range(MAX_SCAN_DAYS):
        if calendar.is_workday(day):
            for period_start, period_end in working.periods:
                begin = dt.datetime.combine(day, period_start, LOCAL_TZ)
                end = dt.datetime.combine(day, period_end, LOCAL_TZ)
                begin = max(begin, local)
                if begin >= end:
                    continue
                if end - begin >= remaining:
                    return begin + remaining
                remaining -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("找不到足够的工作时间，请检查节假日设置")


def deadline(
    start: dt.datetime,
    amount: float,
    unit: str,
    calendar: WorkCalendar,
    working: WorkingHours = DEFAULT_HOURS,
) -> dt.datetime:
    """Due time for a limit of `amount` `unit`s starting at `start` (aware datetimes only)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if unit == LimitUnit.CALENDAR_HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == LimitUnit.WORKING_HOURS:
        return add_working_hours(start, amount, calendar, working)
    if unit == LimitUnit.WORKING_DAYS:
        if amount != int(amount):
            raise ValueError("工作日时限应为整数")
        return add_working_days(start, int(amount), calendar)
    raise ValueError(f"unknown limit unit: {unit}")


def working_minutes(
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    working: WorkingHours = DEFAULT_HOURS,
) -> int:
    """Whole minutes of working time between `start` and `end` (0 if `end` is not later): the
    hotline's 办理用时 in working hours counts only the desk's working periods on working days."""
    if end <= start:
        return 0
    total = dt.timedelta()
    first, last = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    day = first.date()
    for _ in range(MAX_SCAN_DAYS):
        if day > last.date():
            break
        if calendar.is_workday(day):
            for period_start, period_end in working.periods:
                begin = max(dt.datetime.combine(day, period_start, LOCAL_TZ), first)
                finish = min(dt.datetime.combine(day, period_end, LOCAL_TZ), last)
                if finish > begin:
                    total += finish - begin
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)
