"""Years the holiday package does not cover (issue 10: chinese-calendar 1.11 ends with 2026).
Until the State Council's notice for a year is loaded, `qitong check`, /healthz and the admin
home say so and its deadlines show as provisional; loading the notice (command or admin form,
each day on the ledger) makes them count the holidays, and running clocks are counted again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from qitong.core import clock
from qitong.core.checks import calendar_coverage
from qitong.core.errors import ValidationFailed
from qitong.core.health import health_status
from qitong.core.models import CalendarYear, HolidayOverride
from qitong.core.workdays import LOCAL_TZ, WorkCalendar, add_working_days, load_calendar
from qitong.directory.holidays import holidays_load, holidays_parse
from qitong.jobs.worker import drain
from qitong.ledger.models import Event
from qitong.tickets.states import Milestone
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.ticket_factories import ticket_in_state

# A sample in the notice's shape (made up for the tests, not the State Council's text).
NOTICE_2027 = """# 测试样例
日期,安排,说明
2027-01-01~2027-01-03,休,元旦
2027-02-06~2027-02-13,休,春节
2027-02-14,班,春节调休补班
2027-02-20，班，春节调休补班
"""


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def test_2027_without_the_notice_counts_weekends_and_says_so() -> None:
    bare = WorkCalendar()
    assert not bare.covers(2027) and bare.covers(2026)
    assert bare.is_provisional(dt.date(2027, 1, 4)) and not bare.is_provisional(
        dt.date(2026, 12, 31)
    )
    # 元旦 counted as a working day, as the package's fallback does.
    assert add_working_days(local(2026, 12, 30, 10), 3, bare).date() == dt.date(2027, 1, 4)
    assert add_working_days(local(2027, 2, 5, 10), 2, bare).date() == dt.date(2027, 2, 9)


@pytest.mark.django_db
def test_2027_with_the_notice_loaded_counts_its_holidays_and_make_up_days() -> None:
    loaded = holidays_load(year=2027, text=NOTICE_2027, notice="样例通知", actor=None)
    assert (loaded.created, loaded.updated, loaded.unchanged) == (13, 0, 0)
    calendar = load_calendar()
    assert calendar.covers(2027) and not calendar.is_provisional(dt.date(2027, 1, 4))
    assert add_working_days(local(2026, 12, 30, 10), 3, calendar).date() == dt.date(2027, 1, 5)
    # The make-up Sunday counts; the Spring Festival week does not.
    assert add_working_days(local(2027, 2, 5, 10), 2, calendar).date() == dt.date(2027, 2, 15)
    # Every day is on the ledger, and the load itself.
    assert Event.objects.filter(subject_type="core.holidayoverride", action="create").count() == 13
    load = Event.objects.get(subject_type="core.calendaryear", subject_id="2027")
    assert load.payload["work"] == ["2027-02-14", "2027-02-20"]
    # Loading again changes nothing but the record of the load.
    again = holidays_load(year=2027, text=NOTICE_2027, actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 13)


@pytest.mark.django_db
def test_check_health_and_admin_home_warn_about_the_missing_year(
    client: Client, world: World
) -> None:
    with clock.frozen(local(2026, 9, 30, 12)):
        assert calendar_coverage() == []  # before October the next year is not due yet
    with clock.frozen(local(2026, 12, 2, 12)):
        [warning] = calendar_coverage()
        assert warning.id == "qitong.W001" and "2027 年" in warning.msg
        _, report = health_status()
        assert report["calendar"] == {
            "ok": False,
            "uncovered_years": [2027],
            "detail": warning.msg,
        }
        client.force_login(world.users["admin"])
        home = client.get(reverse("admin:index")).content.decode()
        assert "2027 年的法定节假日与调休安排尚未载入" in home
        assert reverse("admin:core_holidayoverride_load") in home
        holidays_load(year=2027, text=NOTICE_2027, actor=None)
        assert calendar_coverage() == []
        assert health_status()[1]["calendar"] == {"ok": True, "uncovered_years": []}
        assert "尚未载入" not in client.get(reverse("admin:index")).content.decode()
    with clock.frozen(local(2028, 3, 1, 12)):  # the current year itself missing
        assert "2028 年" in calendar_coverage()[0].msg


def test_every_bad_line_is_named_and_nothing_is_read_half() -> None:
    with pytest.raises(ValidationFailed) as caught:
        holidays_parse(
            "2027-01-01~2027-01-03,休,元旦\n2027-13-01,休\n2027-02-14,上课\n2026-12-31,休\n"
            "2027-03-01~2027-02-01,休\n2027-01-02,班\n只有一列",
            2027,
        )
    message = caught.value.fields["text"]
    for expected in (
        "第 2 行：无法识别的日期“2027-13-01”",
        "第 3 行：安排应为“休”或“班”",
        "第 4 行：2026-12-31 不在 2027 年",
        "第 5 行：日期范围",
        "第 6 行：2027-01-02 与前面的行矛盾",
        "第 7 行：应为“日期,安排,说明”三列",
    ):
        assert expected in message
    with pytest.raises(ValidationFailed):
        holidays_parse("2027-02-14,班", 2027)  # a notice without any day off


@pytest.mark.django_db
def test_the_admin_form_loads_the_notice_and_refuses_bad_lines(
    client: Client, world: World
) -> None:
    client.force_login(world.users["admin"])
    url = reverse("admin:core_holidayoverride_load")
    assert "载入年度节假日安排" in client.get(url).content.decode()
    bad = client.post(url, {"year": 2027, "text": "2027-01-01,放假了,元旦"})
    assert bad.status_code == 200 and "第 1 行：安排应为“休”或“班”" in bad.content.decode()
    assert not HolidayOverride.objects.exists() and not CalendarYear.objects.exists()
    ok = client.post(url, {"year": 2027, "notice": "样例", "text": NOTICE_2027})
    assert ok.status_code == 302
    assert HolidayOverride.objects.filter(date__year=2027).count() == 13
    marker = CalendarYear.objects.get(year=2027)
    assert (marker.notice, marker.loaded_by) == ("样例", "admin")


@pytest.mark.django_db
def test_the_command_loads_a_file(tmp_path: Path) -> None:
    notice = tmp_path / "2027.csv"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    call_command("holidays", "load", str(notice), "--year", "2027", "--notice", "样例")
    assert CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(CommandError, match="第 1 行"):
        notice.write_text("2027-01-01,休假日", encoding="utf-8")
        call_command("holidays", "load", str(notice), "--year", "2027")


@pytest.mark.django_db
def test_running_clocks_are_counted_again_when_the_year_is_loaded(world: World) -> None:
    with clock.frozen(local(2026, 12, 28, 10)):
        ticket = ticket_in_state(world, S.IN_PROGRESS)
    assert ticket.milestone == Milestone.REPLY and ticket.due_at is not None
    before = ticket.due_at
    assert before.astimezone(LOCAL_TZ).year == 2027
    assert load_calendar().is_provisional(before.astimezone(LOCAL_TZ).date())
    holidays_load(year=2027, text=NOTICE_2027, actor=None)
    drain()  # the recompute job queued with the load
    ticket.refresh_from_db()
    assert ticket.due_at == ticket.due_reply_at
    assert ticket.due_at is not None and ticket.due_at > before  # 元旦 is no longer a working day
    event = Event.objects.filter(subject_id=str(ticket.pk), action="recompute_deadline").get()
    assert event.payload["before"] == before.isoformat()
    assert dt.datetime.fromisoformat(event.payload["due"]) == ticket.due_at
    assert event.actor_role == "system"
