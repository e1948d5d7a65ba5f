"""Deadline arithmetic pinned to real 2026 calendar cases (National Day, Spring Festival 调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from qitong.core.models import HolidayOverride
from qitong.core.workdays import (
    LOCAL_TZ,
    LimitUnit,
    WorkCalendar,
    WorkingHours,
    add_working_days,
    deadline,
    load_calendar,
)

CAL = WorkCalendar()


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def test_five_working_days_across_national_day_with_make_up_saturday() -> None:
    # From Wed 2026-09-30: 10-01..07 off; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat 调休 (3),
    # 10-11 Sun off, 10-12 Mon (4), 10-13 Tue (5).
    due = add_working_days(local(2026, 9, 30, 15, 0), 5, CAL)
    assert due == local(2026, 10, 13, 23, 59, 59)


def test_spring_festival_2026_make_up_days_count() -> None:
    # Fri 2026-02-13 + 1 working day: Sat 02-14 is a make-up workday.
    assert add_working_days(local(2026, 2, 13, 10), 1, CAL) == local(2026, 2, 14, 23, 59, 59)
    # From Sat 02-14: 02-15..02-23 holiday; 02-24 Tue (1), 02-25 (2), 02-26 (3), 02-27 (4),
    # 02-28 Sat 调休 (5).
    assert add_working_days(local(2026, 2, 14, 10), 5, CAL) == local(2026, 2, 28, 23, 59, 59)


def test_counting_starts_the_next_day_even_late_at_night() -> None:
    # Friday 23:30 local; next working day is Monday.
    assert add_working_days(local(2026, 11, 27, 23, 30), 1, CAL) == local(2026, 11, 30, 23, 59, 59)
    # Same instant expressed in UTC gives the same answer.
    utc = local(2026, 11, 27, 23, 30).astimezone(dt.UTC)
    assert add_working_days(utc, 1, CAL) == local(2026, 11, 30, 23, 59, 59)


def test_thirteen_working_days_for_a_complaint() -> None:
    due = deadline(local(2026, 11, 26, 9), 13, LimitUnit.WORKING_DAYS, CAL)
    assert due == local(2026, 12, 15, 23, 59, 59)


def test_working_hours_skip_lunch_nights_and_weekends() -> None:
    # Fri 16:30 + 2 working hours → 1 h Friday, 1 h Monday from 09:00.
    due = deadline(local(2026, 11, 27, 16, 30), 2, LimitUnit.WORKING_HOURS, CAL)
    assert due == local(2026, 11, 30, 10, 0)
    # 11:30 + 1 h → 30 min before lunch, 30 min after 13:30.
    assert deadline(local(2026, 11, 26, 11, 30), 1, LimitUnit.WORKING_HOURS, CAL) == local(
        2026, 11, 26, 14, 0
    )
    # Started during lunch → counts from 13:30.
    assert deadline(local(2026, 11, 26, 12, 10), 2, LimitUnit.WORKING_HOURS, CAL) == local(
        2026, 11, 26, 15, 30
    )


def test_working_hours_are_configurable() -> None:
    desk = WorkingHours(((dt.time(8, 0), dt.time(20, 0)),))
    due = deadline(local(2026, 11, 26, 19, 0), 2, LimitUnit.WORKING_HOURS, CAL, desk)
    assert due == local(2026, 11, 27, 9, 0)
    with pytest.raises(ValueError, match="不重叠"):
        WorkingHours(((dt.time(9, 0), dt.time(12, 0)), (dt.time(11, 0), dt.time(13, 0))))


def test_calendar_hours_ignore_holidays() -> None:
    start = local(2026, 10, 1, 10, 0)
    assert deadline(start, 24, LimitUnit.CALENDAR_HOURS, CAL) == local(2026, 10, 2, 10, 0)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        deadline(dt.datetime(2026, 11, 26, 9), 1, LimitUnit.CALENDAR_HOURS, CAL)


@pytest.mark.django_db
def test_override_table_takes_precedence_and_covers_later_years() -> None:
    # 2027 is beyond chinese-calendar's data: plain weekdays unless the table says otherwise.
    assert not CAL.covered_by_package(2027)
    HolidayOverride.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    HolidayOverride.objects.create(date=dt.date(2026, 10, 8), is_workday=False, name="地方假日")
    calendar = load_calendar()
    assert not calendar.is_workday(dt.date(2027, 1, 1))  # a Friday, made a holiday
    assert calendar.is_workday(dt.date(2027, 1, 4))  # Monday, no data → weekday
    # From 2026-12-31 (Thu): 2027-01-01 off by the table → Mon 2027-01-04.
    assert add_working_days(local(2026, 12, 31, 9), 1, calendar) == local(2027, 1, 4, 23, 59, 59)
    # The local override moves the National Day case by one working day.
    assert add_working_days(local(2026, 9, 30, 15), 5, calendar) == local(2026, 10, 14, 23, 59, 59)


def test_working_hours_from_a_desk_configuration() -> None:
    hours = WorkingHours.from_config([["08:30", "12:00"], ["14:00", "18:00"]])
    assert hours.periods[1] == (dt.time(14, 0), dt.time(18, 0))
    assert WorkingHours.from_config([]) == WorkingHours()
    with pytest.raises(ValueError, match="无法识别的工作时段"):
        WorkingHours.from_config([["9点", "12:00"]])


@pytest.mark.django_db
def test_desk_working_hours_drive_working_hour_deadlines(world) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from qitong.core import clock
    from qitong.tickets.models import SlaPolicy
    from tests.ticket_factories import file_by_phone

    SlaPolicy.objects.filter(
        ticket_type="consultation", urgency="normal", milestone="dispatch"
    ).update(amount=Decimal(2), unit="working_hours")
    world.desk.working_hours = [["08:00", "20:00"]]
    world.desk.save()
    with clock.frozen(local(2026, 11, 26, 19, 0)):
        ticket = file_by_phone(world)
    assert ticket.due_dispatch_at == local(2026, 11, 27, 9, 0)
