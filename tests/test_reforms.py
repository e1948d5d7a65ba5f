"""Reform plans (issue 12): the machines, the report cycle, its refusals, warnings and the
statistics as of a date on a hand-built history."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.core import clock
from qitong.core.errors import Conflict, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ, WorkCalendar
from qitong.ledger.models import Event
from qitong.reforms.models import ProgressDelta, Report, UnitTask
from qitong.reforms.selectors import unit_tasks_visible_to
from qitong.reforms.services import report_act, unit_task_act
from qitong.reforms.states import ReportState, TaskState
from qitong.reforms.stats import plan_grid, plan_stats, plan_trend
from qitong.reforms.tasks import missed_reports, warnings_sweep
from qitong.reforms.transitions import PLAN, REPORT, UNIT_TASK
from qitong.reforms.warnings import Thresholds, judge
from tests.factories import World
from tests.reform_factories import Reforms, accepted, filed, reforms
from tests.workflow_harness import check_refusals, check_table

T = TaskState


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    with clock.frozen(dt.datetime.combine(day, dt.time(hour), LOCAL_TZ)):
        yield


# --- the tables agree with their checks, without a database --------------------------------


@dataclass
class FakeItem:
    state: str
    unit_prefix: str = "1502"
    unit_department_id: int | None = None
    lead_department_id: int | None = 7


@dataclass
class FakeReport:
    state: str
    for_measure: bool = False
    unit_prefix: str = "1502"
    unit_department_id: int | None = None


ACTORS = {
    "office": Actor(role="supervisor", user_id=1, region_prefix="15"),
    "office_global": Actor(role="supervisor", user_id=2, region_prefix=None),
    "coordinator": Actor(role="supervisor", user_id=3, region_prefix="1502"),
    "other_city": Actor(role="supervisor", user_id=4, region_prefix="1501"),
    "county": Actor(role="supervisor", user_id=5, region_prefix="150203"),
    "dept_leader": Actor(role="dept_leader", user_id=6, department_id=7),
    "unit_dept": Actor(role="dept_leader", user_id=7, department_id=9),
    "handler": Actor(role="handler", user_id=8, department_id=9),
    "operator": Actor(role="operator", user_id=9, desk_id=1, region_prefix="1502"),
    "admin": Actor(role="admin", user_id=10),
    "auditor": Actor(role="auditor", user_id=11),
    "enterprise": Actor(role="enterprise", user_id=12, enterprise_id=1),
    "system": SYSTEM,
}


def test_the_unit_task_table_agrees_with_its_checks_for_every_case() -> None:
    doubles = [
        FakeItem(state, unit_department_id=dept)
        for state, dept in itertools.product(list(TaskState), [None, 9])
    ]
    cases = check_table(UNIT_TASK, doubles, ACTORS)
    assert cases == len(doubles) * len(ACTORS) * len(UNIT_TASK.names)


def test_the_report_and_plan_tables_agree_with_their_checks_for_every_case() -> None:
    doubles = [
        FakeReport(state, for_measure=measure, unit_department_id=dept)
        for state, measure, dept in itertools.product(list(ReportState), [False, True], [None, 9])
    ]
    check_table(REPORT, doubles, ACTORS)
    check_table(PLAN, [FakeReport(s) for s in ("draft", "in_force", "closed")], ACTORS)


def test_who_may_do_what_reads_as_the_issue_says() -> None:
    item = FakeItem(T.IN_PROGRESS)
    assert UNIT_TASK.allowed(item, ACTORS["coordinator"]) == ["assign", "report"]
    assert UNIT_TASK.allowed(item, ACTORS["office"]) == ["assign", "mark_na", "defer"]
    assert UNIT_TASK.allowed(item, ACTORS["other_city"]) == []
    assert UNIT_TASK.allowed(item, ACTORS["county"]) == []  # a county is not the unit
    assert UNIT_TASK.allowed(item, ACTORS["dept_leader"]) == []  # leads: reads, never files
    dept_unit = FakeItem(T.IN_PROGRESS, unit_department_id=9)
    assert UNIT_TASK.allowed(dept_unit, ACTORS["unit_dept"]) == ["assign", "report"]
    task_report = FakeReport(ReportState.SUBMITTED)
    assert REPORT.allowed(task_report, ACTORS["office"]) == ["accept", "return"]
    assert REPORT.allowed(task_report, ACTORS["coordinator"]) == []  # never its own
    measure_report = FakeReport(ReportState.SUBMITTED, for_measure=True)
    assert REPORT.allowed(measure_report, ACTORS["coordinator"]) == ["accept", "return"]
    assert REPORT.allowed(measure_report, ACTORS["office"]) == []
    returned = FakeReport(ReportState.RETURNED)
    assert REPORT.allowed(returned, ACTORS["coordinator"]) == ["resubmit"]


# --- the cycle, through the services ----------------------------------------------------------


@pytest.fixture
def r(world: World) -> Reforms:
    with on(dt.date(2022, 2, 20)):
        return reforms(world)


@pytest.mark.django_db
def test_a_report_accepted_moves_progress_and_a_claim_of_completion_is_verified(
    r: Reforms,
) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        first = filed(r, item, r.coordinator, progress=40, work_done="已出台实施细则")
    item.refresh_from_db()
    assert (item.state, item.progress, first.state) == (T.IN_PROGRESS, 0, "submitted")
    with on(dt.date(2022, 3, 30)):
        accepted(r, first)
    item.refresh_from_db()
    assert item.progress == 40 and item.state == T.IN_PROGRESS
    with on(dt.date(2022, 4, 25)):
        claim = filed(r, item, r.coordinator, progress=100, done=True, work_done="全部完成")
    item.refresh_from_db()
    assert item.state == T.CLAIMED_DONE and item.progress == 40
    with on(dt.date(2022, 4, 27)):
        accepted(r, claim)
    item.refresh_from_db()
    assert (item.state, item.progress, item.done_on, item.late_days) == (
        T.DONE,
        100,
        dt.date(2022, 4, 27),
        0,
    )
    actions = list(
        Event.objects.filter(subject_type=UNIT_TASK.name, subject_id=str(item.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "report", "apply", "report", "apply"]
    report_chain = Event.objects.filter(subject_type=REPORT.name, subject_id=str(claim.pk))
    assert list(report_chain.order_by("seq").values_list("action", flat=True)) == [
        "submit",
        "accept",
    ]


@pytest.mark.django_db
def test_a_returned_claim_is_corrected_and_resubmitted(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        claim = filed(r, item, r.coordinator, progress=100, done=True)
        report_act(pk=claim.pk, action="return", user=r.office, data={"comment": "缺少佐证"})
    item.refresh_from_db()
    claim.refresh_from_db()
    assert (item.state, claim.state, claim.returned_count) == (T.RETURNED, "returned", 1)
    with on(dt.date(2022, 3, 29)):
        report_act(
            pk=claim.pk,
            action="resubmit",
            user=r.coordinator,
            data={"progress": 100, "done": True, "work_done": "补充了文件"},
        )
    item.refresh_from_db()
    assert item.state == T.CLAIMED_DONE
    with on(dt.date(2022, 3, 30)):
        accepted(r, claim)
    item.refresh_from_db()
    assert item.state == T.DONE


@pytest.mark.django_db
def test_bad_reports_are_refused_naming_the_field_and_change_nothing(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        accepted(r, filed(r, item, r.coordinator, progress=50))
    before = (Report.objects.count(), Event.objects.count())
    cases = [
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"progress": "很多"}, "progress"),
        ({}, "progress"),
        ({"progress": 30}, "regress_reason"),  # below the last accepted, no reason
        ({"progress": 60, "period": "2021-12"}, "period"),  # before the plan
        ({"progress": 60, "period": "2024-01"}, "period"),  # after the plan
        ({"progress": 60, "period": "2022-13"}, "period"),
        ({"progress": 60, "period": "2022-05"}, "period"),  # not begun yet
        ({"progress": 90, "done": True}, "progress"),
    ]
    with on(dt.date(2022, 4, 10)):
        for data, name in cases:
            with pytest.raises(ValidationFailed) as exc:
                filed(r, item, r.coordinator, **data)
            assert name in exc.value.fields, (data, exc.value.fields)
        filed(r, item, r.coordinator, progress=60)
        with pytest.raises(ValidationFailed) as exc:  # a second open report for April
            filed(r, item, r.coordinator, progress=70)
        assert "period" in exc.value.fields
        # a lower figure with its reason is accepted
        filed(r, item, r.coordinator, progress=45, period="2022-03", regress_reason="口径调整")
    assert Report.objects.count() == before[0] + 2


@pytest.mark.django_db
def test_a_task_ruled_not_applicable_takes_no_report(r: Reforms) -> None:
    item = r.item(1, r.baotou)
    with on(dt.date(2022, 3, 10)):
        unit_task_act(pk=item.pk, action="mark_na", user=r.office, data={"reason": "无此业务"})
        with pytest.raises(ValidationFailed) as exc:
            filed(r, item, r.baotou_coordinator, progress=10)
    assert "unit_task" in exc.value.fields


@pytest.mark.django_db
def test_out_of_scope_is_not_found_and_another_unit_is_never_reported_for(r: Reforms) -> None:
    baotou_item = r.item(0, r.baotou)
    with on(dt.date(2022, 3, 28)), pytest.raises(NotFound):
        filed(r, baotou_item, r.coordinator, progress=10)  # Hohhot's coordinator
    visible = unit_tasks_visible_to(actor_of(r.coordinator))
    assert set(visible.values_list("unit_id", flat=True)) == {r.hohhot.pk}
    assert unit_tasks_visible_to(actor_of(r.office)).count() == 6


@pytest.mark.django_db
def test_every_action_not_allowed_now_is_refused_and_writes_nothing(
    r: Reforms, world: World
) -> None:
    item = r.item(0, r.hohhot)
    people = {
        name: (actor_of(u), u)
        for name, u in {
            "office": r.office,
            "coordinator": r.coordinator,
            "baotou": r.baotou_coordinator,
            "handler": world.users["handler"],
            "operator": world.users["operator"],
            "auditor": world.users["auditor"],
        }.items()
    }

    def step(*, pk: int, action: str, user: object) -> None:
        with on(dt.date(2022, 3, 28)):
            unit_task_act(pk=pk, action=action, user=user, data={})  # type: ignore[arg-type]

    assert check_refusals(UNIT_TASK, item, people, step) > 0


@pytest.mark.django_db
def test_defer_keeps_the_original_deadline_and_lateness_stays_on_record(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2023, 12, 1)):
        with pytest.raises(ValidationFailed) as exc:
            unit_task_act(
                pk=item.pk,
                action="defer",
                user=r.office,
                data={"deadline": "2023-06-30", "reason": "资金未到位"},
            )
        assert "deadline" in exc.value.fields
        unit_task_act(
            pk=item.pk,
            action="defer",
            user=r.office,
            data={"deadline": "2024-03-31", "reason": "资金未到位"},
        )
    item.refresh_from_db()
    assert item.state == T.DEFERRED and item.original_deadline == dt.date(2023, 12, 31)
    with on(dt.date(2024, 1, 20)):
        claim = filed(r, item, r.coordinator, progress=100, period="2023-12")
        accepted(r, claim)
    item.refresh_from_db()
    assert item.state == T.DONE and item.late_days == 20


# --- warnings ------------------------------------------------------------------------------------

WEEKDAYS = WorkCalendar()


def _judge(day: dt.date, progress: int, missed: int = 0) -> tuple[str, tuple[str, ...]]:
    verdict = judge(
        start=dt.date(2022, 3, 1),
        deadline=dt.date(2022, 12, 30),  # a Friday
        progress=progress,
        done=False,
        missed=missed,
        day=day,
        thresholds=Thresholds(),
        calendar=WEEKDAYS,
    )
    return verdict.level, verdict.reasons


def test_warnings_at_each_threshold() -> None:
    mid = dt.date(2022, 7, 31)  # 152 of 304 days: expected 50 %
    assert _judge(mid, 36) == ("", ())
    assert _judge(mid, 35)[0] == "yellow"  # 15 points behind
    assert _judge(mid, 21)[0] == "yellow"
    assert _judge(mid, 20)[0] == "red"  # 30 points behind
    assert _judge(mid, 50, missed=1)[0] == "yellow"
    assert _judge(mid, 50, missed=2)[0] == "red"
    # ten working days before the deadline (Dec 16 → Dec 19..30 = 10 working days)
    assert _judge(dt.date(2022, 12, 16), 99)[0] == "yellow"
    assert _judge(dt.date(2022, 12, 15), 99)[0] == ""  # 11 working days left
    assert _judge(dt.date(2022, 12, 31), 99)[0] == "red"  # past the deadline


@pytest.mark.django_db
def test_the_sweep_raises_a_warning_once_and_records_it(r: Reforms) -> None:
    with on(dt.date(2022, 6, 10)):
        outcome = warnings_sweep()
        again = warnings_sweep()
    assert outcome["raised"] == 6 and again == {"raised": 0, "cleared": 0}
    item = r.item(0, r.hohhot)
    assert item.warning == "red"  # three months' reports missing
    assert "缺报 3 期" in item.warning_reasons
    assert Event.objects.filter(subject_type=UNIT_TASK.name, action="warn").count() == 6
    plan = r.plan
    assert missed_reports(item, {"2022-03", "2022-04", "2022-05"}, dt.date(2022, 6, 10)) == 0
    assert plan.report_due_days == 5


# --- statistics as of a date --------------------------------------------------------------------


@pytest.mark.django_db
def test_statistics_as_of_a_date_on_a_hand_built_history(r: Reforms) -> None:
    h0, h1, h2 = (r.item(n, r.hohhot) for n in range(3))
    b0, b1, b2 = (r.item(n, r.baotou) for n in range(3))
    with on(dt.date(2022, 3, 28)):
        for item, who, progress in [
            (h0, r.coordinator, 100),
            (b0, r.baotou_coordinator, 100),
            (h1, r.coordinator, 60),
            (b1, r.baotou_coordinator, 40),
            (h2, r.coordinator, 20),
        ]:
            accepted(r, filed(r, item, who, progress=progress))
    with on(dt.date(2022, 4, 20)):
        accepted(r, filed(r, b2, r.baotou_coordinator, progress=100))
        accepted(r, filed(r, h1, r.coordinator, progress=80))

    march = plan_stats(r.plan, dt.date(2022, 3, 31))
    assert (march.tasks, march.units, march.done_everywhere) == (3, 2, 1)
    assert march.over_half_by_units == 1  # task 1 (2 of 2)
    assert march.over_half_by_progress == 1  # task 1 (100); task 2 averages 50, not over
    assert [u.unit.code for u in march.ranking] == ["150100", "150200"]  # equal done; progress
    hohhot = march.ranking[0]
    assert (hohhot.done, hohhot.applicable, hohhot.mean_progress) == (1, 3, 60.0)

    april = plan_stats(r.plan, dt.date(2022, 4, 30))
    assert april.done_everywhere == 1 and april.over_half_by_progress == 3
    assert [u.unit.code for u in april.ranking] == ["150200", "150100"]  # Baotou 2 done
    assert april.ranking[0].completion_rate == round(2 / 3, 4)
    before = plan_stats(r.plan, dt.date(2022, 3, 27))
    assert before.done_everywhere == 0 and before.over_half_by_progress == 0
    assert before.ranking[0].rank == before.ranking[1].rank == 1  # equal: the same rank

    trend = plan_trend(r.plan, dt.date(2022, 4, 30))
    assert [p.done_everywhere for p in trend] == [1, 1]
    assert trend[-1].mean_progress == round((100 + 100 + 80 + 40 + 20 + 100) / 6, 1)

    # the rollup equals a recount from the unit tasks
    for task in r.tasks:
        total = sum(
            ProgressDelta.objects.filter(kind="t", key=task.pk).values_list("delta", flat=True)
        )
        assert total == sum(UnitTask.objects.filter(task=task).values_list("progress", flat=True))


@pytest.mark.django_db
def test_the_grid_today_and_as_of_a_past_day(r: Reforms) -> None:
    h1 = r.item(1, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        accepted(r, filed(r, h1, r.coordinator, progress=60))
    with on(dt.date(2022, 4, 20)):
        accepted(r, filed(r, h1, r.coordinator, progress=80))
    scoped = unit_tasks_visible_to(actor_of(r.office))
    now = plan_grid(r.plan, scoped, as_of=dt.date(2022, 5, 1), today=dt.date(2022, 5, 1))
    assert [u.code for u in now.units] == ["150200", "150100"]
    assert now.rows[1].cells[r.hohhot.pk].progress == 80
    then = plan_grid(r.plan, scoped, as_of=dt.date(2022, 4, 1), today=dt.date(2022, 5, 1))
    assert then.rows[1].cells[r.hohhot.pk].progress == 60
    assert then.rows[1].cells[r.hohhot.pk].state == T.IN_PROGRESS
    mine = plan_grid(
        r.plan,
        unit_tasks_visible_to(actor_of(r.coordinator)),
        as_of=dt.date(2022, 5, 1),
        today=dt.date(2022, 5, 1),
    )
    assert [u.code for u in mine.units] == ["150100"]


@pytest.mark.django_db
def test_a_stale_version_is_refused(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)), pytest.raises(Conflict):
        unit_task_act(
            pk=item.pk,
            action="assign",
            user=r.coordinator,
            data={"responsible_body": "市政务服务局", "leader": "张副市长"},
            expected_version=item.revision + 5,
        )


def test_the_periods_of_a_plan_not_begun_are_none() -> None:
    from qitong.reforms import periods

    assert list(periods.periods(dt.date(2027, 1, 1), dt.date(2026, 12, 3), "month")) == []
    assert list(periods.periods(dt.date(2026, 11, 20), dt.date(2027, 1, 2), "quarter")) == [
        "2026-Q4",
        "2027-Q1",
    ]


@pytest.mark.django_db
def test_a_closed_plans_trend_ends_when_it_was_closed(r: Reforms) -> None:
    from qitong.reforms.services import plan_act

    with on(dt.date(2022, 6, 15)):
        plan_act(pk=r.plan.pk, action="close", user=r.office)
    r.plan.refresh_from_db()
    trend = plan_trend(r.plan, dt.date(2023, 3, 1))
    assert trend[-1].day == dt.date(2022, 6, 15) and len(trend) == 4  # March … June
