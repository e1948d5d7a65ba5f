"""Supervision problems (issue 13): the machine for every state x action x role, the deadline
maths per class in working days, warnings and escalation once per deadline, objections and
extensions, the refusals that name their field, promotion from a ticket with its
confidentiality, the public accountability list and the statistics on hand-built data."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ, WorkCalendar
from qitong.ledger.models import Event
from qitong.notifications.models import Notification
from qitong.supervision import accountability, deadlines
from qitong.supervision.deadlines import Limit, rectification_deadline, warn_at
from qitong.supervision.inputs import quarter_of
from qitong.supervision.models import ClassLimit, Problem
from qitong.supervision.presenters import present_detail
from qitong.supervision.selectors import problems_visible_to
from qitong.supervision.services import problem_act, problem_create, problems_sweep
from qitong.supervision.states import Escalation, LimitUnit, ProblemState
from qitong.supervision.stats import problem_stats, rectification_board
from qitong.supervision.transitions import PROBLEM
from qitong.tickets.presenters import timeline as ticket_timeline
from qitong.tickets.services import ticket_act
from tests.factories import World, department
from tests.supervision_factories import Desk, desk, evidence
from tests.ticket_factories import submit_online
from tests.workflow_harness import check_refusals, check_table

P = ProblemState


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    with clock.frozen(dt.datetime.combine(day, dt.time(hour), LOCAL_TZ)):
        yield


# --- the table, without a database -----------------------------------------------------------


@dataclass
class FakeProblem:
    state: str
    owner_code: str = "150000"
    region_code: str = "150102"
    unit_department_id: int = 9
    accepted_at: object | None = None
    plan: str = ""
    extension_requested: dt.date | None = None
    escalation: int = 0


ACTORS = {
    "office": Actor(role="supervisor", user_id=1, region_prefix="15"),
    "office_global": Actor(role="supervisor", user_id=2, region_prefix=None),
    "coordinator": Actor(role="supervisor", user_id=3, region_prefix="1501"),
    "other_city": Actor(role="supervisor", user_id=4, region_prefix="1502"),
    "county": Actor(role="supervisor", user_id=5, region_prefix="150102"),
    "unit_handler": Actor(role="handler", user_id=6, department_id=9),
    "unit_leader": Actor(role="dept_leader", user_id=7, department_id=9),
    "other_dept": Actor(role="handler", user_id=8, department_id=10),
    "desk_lead": Actor(role="desk_lead", user_id=9, desk_id=1, region_prefix="1501"),
    "operator": Actor(role="operator", user_id=10, desk_id=1, region_prefix="1501"),
    "admin": Actor(role="admin", user_id=11),
    "auditor": Actor(role="auditor", user_id=12),
    "enterprise": Actor(role="enterprise", user_id=13, enterprise_id=1),
    "system": SYSTEM,
}


def test_the_problem_table_agrees_with_its_checks_for_every_case() -> None:
    doubles = [
        FakeProblem(state, accepted_at=acc, plan=plan, extension_requested=ext, escalation=esc)
        for state, acc, plan, ext, esc in itertools.product(
            list(ProblemState),
            [None, "yes"],
            ["", "措施"],
            [None, dt.date(2026, 12, 31)],
            [0, 4],
        )
    ]
    cases = check_table(PROBLEM, doubles, ACTORS)
    assert cases == len(doubles) * len(ACTORS) * len(PROBLEM.names)


# What each actor may do in each state of a problem the region's office registered for a
# Hohhot department (accepted, with a plan, no extension request, not escalated).
UNIT_STEPS_RECTIFYING = ["plan", "progress", "claim_done", "object", "request_extension"]
OFFICE = {
    P.REGISTERED: ["assign", "dismiss"],
    P.ASSIGNED: ["extend", "escalate", "reassign"],
    P.RECTIFYING: ["extend", "long_term", "escalate", "reassign"],
    P.LONG_TERM: ["extend", "escalate"],
    P.PENDING_ACCEPTANCE: ["accept_done", "return"],
    P.OBJECTED: ["decide_objection"],
    P.CLOSED: [],
    P.DISMISSED: [],
}
UNIT = {
    P.REGISTERED: [],
    P.ASSIGNED: ["plan", "object", "request_extension"],  # accepted already: no second 签收
    P.RECTIFYING: UNIT_STEPS_RECTIFYING,
    P.LONG_TERM: ["plan", "progress", "claim_done"],
    P.PENDING_ACCEPTANCE: [],
    P.OBJECTED: [],
    P.CLOSED: [],
    P.DISMISSED: [],
}
SYSTEM_STEPS = {
    P.ASSIGNED: ["escalate", "warn"],
    P.RECTIFYING: ["escalate", "warn"],
    P.LONG_TERM: ["escalate", "warn"],
    P.OBJECTED: ["warn"],
}


@pytest.mark.parametrize("state", list(ProblemState))
def test_who_may_do_what_in_each_state(state: str) -> None:
    problem = FakeProblem(state, accepted_at="yes", plan="措施")
    for name in ("office", "office_global"):
        assert PROBLEM.allowed(problem, ACTORS[name]) == OFFICE[state], name
    for name in ("unit_handler", "unit_leader", "coordinator"):
        assert PROBLEM.allowed(problem, ACTORS[name]) == UNIT[state], name
    assert PROBLEM.allowed(problem, ACTORS["system"]) == SYSTEM_STEPS.get(state, [])
    for name in (
        "other_city",
        "county",
        "other_dept",
        "desk_lead",
        "operator",
        "admin",
        "auditor",
        "enterprise",
    ):
        assert PROBLEM.allowed(problem, ACTORS[name]) == [], name


def test_guards_read_the_problem() -> None:
    fresh = FakeProblem(P.ASSIGNED)
    assert PROBLEM.allowed(fresh, ACTORS["unit_handler"]) == [
        "accept",
        "object",
        "request_extension",
    ]
    asked = FakeProblem(
        P.RECTIFYING, accepted_at="yes", plan="措施", extension_requested=dt.date(2027, 1, 1)
    )
    assert "request_extension" not in PROBLEM.allowed(asked, ACTORS["unit_handler"])
    assert "refuse_extension" in PROBLEM.allowed(asked, ACTORS["office"])
    no_plan = FakeProblem(P.RECTIFYING, accepted_at="yes")
    assert "claim_done" not in PROBLEM.allowed(no_plan, ACTORS["unit_handler"])
    top = FakeProblem(P.RECTIFYING, accepted_at="yes", plan="x", escalation=Escalation.REFERRAL)
    assert "escalate" not in PROBLEM.allowed(top, ACTORS["office"])


def test_an_office_supervises_what_it_registered_and_a_city_coordinates_what_is_from_above() -> (
    None
):
    own = FakeProblem(P.PENDING_ACCEPTANCE, owner_code="150100")  # Hohhot's own office
    assert PROBLEM.allowed(own, ACTORS["coordinator"]) == ["accept_done", "return"]
    assert PROBLEM.allowed(own, ACTORS["office"]) == ["accept_done", "return"]
    assigned = FakeProblem(P.ASSIGNED, owner_code="150100")
    assert PROBLEM.allowed(assigned, ACTORS["coordinator"]) == ["extend", "escalate", "reassign"]


# --- deadline maths per class ----------------------------------------------------------------

# 2031 is beyond chinese-calendar's data: plain Monday–Friday, plus the overrides given here.
PLAIN = WorkCalendar()


def at(day: str, hour: int = 15) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), LOCAL_TZ)


@pytest.mark.parametrize(
    ("start", "limit", "calendar", "expected"),
    [
        # C: 5 working days counted from the next day — Friday → the Friday after.
        ("2031-01-03", Limit(5, LimitUnit.WORKING_DAYS), PLAIN, "2031-01-10"),
        # assigned on a Sunday: Monday is the first of the five
        ("2031-01-05", Limit(5, LimitUnit.WORKING_DAYS), PLAIN, "2031-01-10"),
        # a holiday on Wednesday pushes the deadline by one working day
        (
            "2031-01-03",
            Limit(5, LimitUnit.WORKING_DAYS),
            WorkCalendar(overrides={dt.date(2031, 1, 8): False}),
            "2031-01-13",
        ),
        # a make-up Saturday (调休) counts
        (
            "2031-01-03",
            Limit(5, LimitUnit.WORKING_DAYS),
            WorkCalendar(overrides={dt.date(2031, 1, 4): True}),
            "2031-01-09",
        ),
        # B: 15 working days = three plain weeks
        ("2031-01-03", Limit(15, LimitUnit.WORKING_DAYS), PLAIN, "2031-01-24"),
        # A: one month, the same day of the next month
        ("2031-01-15", Limit(1, LimitUnit.MONTHS), PLAIN, "2031-02-15"),
        # … or the month's last day when it has none
        ("2031-01-31", Limit(1, LimitUnit.MONTHS), PLAIN, "2031-02-28"),
        ("2031-12-20", Limit(1, LimitUnit.MONTHS), PLAIN, "2032-01-20"),
    ],
)
def test_rectification_deadline_per_class(
    start: str, limit: Limit, calendar: WorkCalendar, expected: str
) -> None:
    deadline = rectification_deadline(at(start), limit, calendar)
    assert deadline.astimezone(LOCAL_TZ).date().isoformat() == expected
    assert deadline.astimezone(LOCAL_TZ).time() == dt.time(23, 59, 59)


def test_the_warning_opens_before_the_deadline_by_the_limit() -> None:
    deadline = at("2031-01-10", 23)  # a Friday
    assert warn_at(deadline, Limit(5, LimitUnit.WORKING_DAYS), PLAIN).date() == dt.date(2031, 1, 10)
    assert warn_at(deadline, Limit(15, LimitUnit.WORKING_DAYS), PLAIN).date() == dt.date(2031, 1, 8)
    # five working days back over a weekend
    assert warn_at(deadline, Limit(1, LimitUnit.MONTHS), PLAIN).date() == dt.date(2031, 1, 6)
    monday = at("2031-01-13", 23)
    assert warn_at(monday, Limit(15, LimitUnit.WORKING_DAYS), PLAIN).date() == dt.date(2031, 1, 9)


def test_defaults_are_the_issue_s() -> None:
    assert deadlines.DEFAULT_LIMITS["C"] == Limit(5, LimitUnit.WORKING_DAYS)
    assert deadlines.DEFAULT_LIMITS["B"] == Limit(15, LimitUnit.WORKING_DAYS)
    assert deadlines.DEFAULT_LIMITS["A"] == Limit(1, LimitUnit.MONTHS)


# --- with a database -------------------------------------------------------------------------


@pytest.fixture
def d(world: World) -> Desk:
    return desk(world)


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return set(exc.value.fields)


@pytest.mark.django_db
def test_assignment_takes_the_class_limit_and_an_edited_limit_applies(d: Desk) -> None:
    with on(dt.date(2031, 1, 3)):
        c = d.act(d.create(problem_class="C"), "assign")
        b = d.act(d.create(problem_class="B"), "assign")
        ClassLimit.objects.filter(problem_class="A").update(amount=2)
        a = d.act(d.create(problem_class="A"), "assign")
    assert c.deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 1, 10)
    assert b.deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 1, 24)
    assert a.deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 3, 3)
    assert c.first_deadline == c.deadline and c.assigned_at is not None
    event = Event.objects.filter(
        subject_type=PROBLEM.name, subject_id=str(c.pk), action="assign"
    ).get()
    assert event.payload["deadline"] == "2031-01-10" and event.payload["limit"] == "5个工作日"


@pytest.mark.django_db
def test_a_deadline_before_the_registration_or_today_is_refused_naming_it(d: Desk) -> None:
    with on(dt.date(2031, 1, 3)):
        p = d.create()
    with on(dt.date(2031, 1, 6)):
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "assign", deadline="2031-01-02")
        assert fields_of(exc) == {"deadline"} and "登记日期" in exc.value.fields["deadline"]
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "assign", deadline="2031-01-05")
        assert fields_of(exc) == {"deadline"}
        p = d.act(p, "assign", deadline="2031-02-01", leader="王副区长")
    assert p.deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 2, 1) and p.leader == "王副区长"


@pytest.mark.django_db
def test_bad_input_on_registration_names_every_field_and_writes_nothing(
    d: Desk, world: World
) -> None:
    before = (Problem.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        problem_create(
            user=d.office,
            data={
                "unit_department": 999999,
                "category": "arrears",
                "problem_class": "D",
                "title": "",
                "description": "x",
            },
        )
    assert {"problem_class", "title"} <= fields_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        d.create(unit_department=999999)
    assert fields_of(exc) == {"unit_department"}
    with pytest.raises(ValidationFailed) as exc:
        d.create(category="no_such")
    assert fields_of(exc) == {"category"}
    with pytest.raises(ValidationFailed) as exc:
        d.create(amount="-5")
    assert fields_of(exc) == {"amount"}
    with pytest.raises(ValidationFailed) as exc:
        d.create(activity=424242, recurrence_of=424242, enterprises=[424242])
    assert fields_of(exc) == {"activity", "recurrence_of", "enterprises"}
    assert (Problem.objects.count(), Event.objects.count()) == before


@pytest.mark.django_db
def test_only_supervisors_register_and_a_unit_outside_the_office_is_refused(
    d: Desk, world: World
) -> None:
    with pytest.raises(Forbidden):
        problem_create(user=world.users["handler"], data={})
    hohhot_office = world.users["supervisor"]  # scoped to Hohhot
    with pytest.raises(ValidationFailed) as exc:
        problem_create(
            user=hohhot_office,
            data={
                "unit_department": world.baotou_dept.pk,
                "category": "other",
                "problem_class": "C",
                "title": "t",
                "description": "d",
            },
        )
    assert "督查范围" in exc.value.fields["unit_department"]


@pytest.mark.django_db
def test_registration_is_ledgered_and_a_retry_under_the_same_key_is_not_a_second_problem(
    d: Desk,
) -> None:
    body = {
        "unit_department": d.world.dept.pk,
        "category": "arrears",
        "problem_class": "B",
        "title": "拖欠工程款",
        "description": "242 万元",
        "amount": "2420000",
    }
    first, created = problem_create(user=d.office, data=body, idempotency_key="k-1")
    again, created_again = problem_create(user=d.office, data=body, idempotency_key="k-1")
    assert created and not created_again and first.pk == again.pk
    assert first.amount == Decimal("2420000.00") and first.state == P.REGISTERED
    events = Event.objects.filter(subject_type=PROBLEM.name, subject_id=str(first.pk))
    assert [e.action for e in events] == ["create"]
    with pytest.raises(ValidationFailed) as exc:
        problem_create(user=d.office, data={**body, "title": "另一个"}, idempotency_key="k-1")
    assert exc.value.code == "idempotency_mismatch"


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(ProblemState))
def test_every_action_not_allowed_now_is_refused_and_writes_nothing(
    d: Desk, world: World, state: str
) -> None:
    problem = d.reach(state)
    coordinator = world.users["supervisor"]  # Hohhot's: the coordinator for the office's problems
    people = {
        name: (actor_of(u), u)
        for name, u in {
            "office": d.office,
            "coordinator": coordinator,
            "handler": world.users["handler"],
            "dept_leader": world.users["dept_leader"],
            "operator": world.users["operator"],
            "desk_lead": world.users["desk_lead"],
            "auditor": world.users["auditor"],
            "admin": world.users["admin"],
        }.items()
    }

    def step(*, pk: int, action: str, user: Any) -> None:
        problem_act(pk=pk, action=action, user=user, data={})

    assert check_refusals(PROBLEM, problem, people, step) > 0


@pytest.mark.django_db
def test_out_of_scope_is_not_found(d: Desk, world: World) -> None:
    other = department("包头市住房和城乡建设局", world.baotou)
    p = d.create(unit_department=other.pk)
    with pytest.raises(NotFound):
        problem_act(pk=p.pk, action="accept", user=world.users["handler"], data={})
    assert not problems_visible_to(actor_of(world.users["supervisor"])).filter(pk=p.pk).exists()
    assert problems_visible_to(actor_of(d.office)).filter(pk=p.pk).exists()


@pytest.mark.django_db
def test_the_whole_cycle_with_a_return_then_acceptance(d: Desk, world: World) -> None:
    handler = world.users["handler"]
    with on(dt.date(2031, 1, 3)):
        p = d.act(d.create(problem_class="B"), "assign")
        assert Notification.objects.filter(user=handler, kind="problem_assigned").exists()
        p = d.act(p, "accept", handler)
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "plan", handler, plan="付款", milestones="2031-03-01 全部付清")
        assert fields_of(exc) == {"milestones"}  # later than the deadline
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "plan", handler, plan="付款", milestones="下周 付清")
        assert fields_of(exc) == {"milestones"}
        p = d.act(
            p,
            "plan",
            handler,
            plan="筹措资金后付款",
            milestones="2031-01-10 筹措资金\n2031-01-20 付清",
        )
        assert p.state == P.RECTIFYING
        steps = list(p.milestones.order_by("position"))
        p = d.act(p, "progress", handler, note="资金已到位", done_milestones=[steps[0].pk])
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "claim_done", handler, summary="已付清")
        assert fields_of(exc) == {"attachments"}
        p = d.act(p, "claim_done", handler, summary="已付清", files=[evidence()])
        assert p.state == P.PENDING_ACCEPTANCE
        p = d.act(p, "return", reason="缺少银行回单")
        assert p.state == P.RECTIFYING and p.returned_count == 1
    with on(dt.date(2031, 1, 28)):  # after the deadline of 2031-01-24
        p = d.act(p, "claim_done", handler, summary="补充回单", files=[evidence("回单.pdf")])
        p = d.act(p, "accept_done", comment="已核实")
    assert p.state == P.CLOSED and p.on_time is False and p.days_to_close == 25
    actions = [
        e.action
        for e in Event.objects.filter(subject_type=PROBLEM.name, subject_id=str(p.pk)).order_by(
            "seq"
        )
    ]
    assert actions == [
        "create",
        "assign",
        "accept",
        "plan",
        "progress",
        "claim_done",
        "return",
        "claim_done",
        "accept_done",
    ]
    assert p.files.count() == 2
    detail = present_detail(p, actor_of(d.office))
    # the first step was reported done; 销号 completes the rest on the closing day
    assert [str(m["done_on"]) for m in detail["milestones"]] == ["2031-01-03", "2031-01-28"]
    assert detail["timeline"][6]["note"] == "缺少银行回单"


@pytest.mark.django_db
def test_an_objection_within_30_days_is_decided_and_after_30_days_is_refused(
    d: Desk, world: World
) -> None:
    handler = world.users["handler"]
    with on(dt.date(2031, 1, 3)):
        late = d.act(d.create(), "assign")
        upheld = d.act(d.create(), "assign")
        rejected = d.act(d.create(), "assign")
    with on(dt.date(2031, 2, 3)):
        with pytest.raises(ValidationFailed) as exc:
            d.act(late, "object", handler, reason="不属实")
        assert fields_of(exc) == {"reason"} and "30 日" in exc.value.fields["reason"]
    with on(dt.date(2031, 1, 10)):
        upheld = d.act(
            upheld, "object", handler, reason="不属于本单位职责", files=[evidence("说明.pdf")]
        )
        rejected = d.act(rejected, "object", handler, reason="已整改")
        assert upheld.state == P.OBJECTED and upheld.objection_due is not None
    with on(dt.date(2031, 1, 20)):
        upheld = d.act(upheld, "decide_objection", upheld=True, reason="经核实属实")
        before = rejected.deadline
        rejected = d.act(rejected, "decide_objection", upheld=False, reason="问题属实")
    assert upheld.state == P.DISMISSED and upheld.closed_at is not None
    assert rejected.state == P.ASSIGNED
    assert rejected.deadline - before == dt.timedelta(days=10)  # the objection's ten days


@pytest.mark.django_db
def test_extension_moves_the_deadline_keeps_the_first_and_reopens_the_warning(
    d: Desk, world: World
) -> None:
    handler = world.users["handler"]
    with on(dt.date(2031, 1, 3)):
        p = d.act(d.create(problem_class="C"), "assign")  # deadline 2031-01-10
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "request_extension", handler, deadline="2031-01-09", reason="资金")
        assert fields_of(exc) == {"deadline"}
        p = d.act(p, "request_extension", handler, deadline="2031-01-31", reason="资金未到位")
        assert "request_extension" not in PROBLEM.allowed(p, actor_of(handler))
    with on(dt.date(2031, 1, 10)):
        assert problems_sweep()["warned"] == 1
        assert problems_sweep()["warned"] == 0  # once per deadline
        p = d.act(p, "extend", deadline="2031-01-31", reason="同意延期")
    assert p.deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 1, 31)
    assert p.first_deadline.astimezone(LOCAL_TZ).date() == dt.date(2031, 1, 10)
    assert p.extension_requested is None
    with on(dt.date(2031, 1, 31)):
        assert problems_sweep()["warned"] == 1  # the new deadline warns again


@pytest.mark.django_db
def test_the_sweep_escalates_once_per_deadline(d: Desk) -> None:
    with on(dt.date(2031, 1, 3)):
        p = d.act(d.create(problem_class="C"), "assign")
    with on(dt.date(2031, 1, 11)):
        assert problems_sweep() == {"warned": 0, "escalated": 1}
        assert problems_sweep() == {"warned": 0, "escalated": 0}
        p.refresh_from_db()
        assert p.escalation == Escalation.SUPERVISE and p.is_overdue()
        p = d.act(
            p, "escalate", level=Escalation.INTERVIEW, document="督办〔2031〕1号", note="约谈区长"
        )
        with pytest.raises(ValidationFailed) as exc:
            d.act(p, "escalate", level=Escalation.SUPERVISE, note="再督办")
        assert fields_of(exc) == {"level"}
        p = d.act(p, "extend", deadline="2031-01-20", reason="给予最后期限")
    with on(dt.date(2031, 1, 21)):
        assert problems_sweep()["escalated"] == 1  # the new deadline passed too
    p.refresh_from_db()
    assert p.escalation == Escalation.INTERVIEW  # the sweep never lowers nor raises past 督办
    events = Event.objects.filter(
        subject_type=PROBLEM.name, subject_id=str(p.pk), action="escalate"
    )
    assert [e.payload.get("overdue", False) for e in events.order_by("seq")] == [True, False, True]


@pytest.mark.django_db
def test_a_long_term_case_runs_on_its_milestones_and_returns_there(d: Desk, world: World) -> None:
    p = d.reach(P.LONG_TERM)
    assert p.long_term and p.deadline.astimezone(LOCAL_TZ).date() == max(
        m.due_on for m in p.milestones.filter(superseded=False)
    )
    p = d.act(p, "claim_done", world.users["handler"], summary="全部付清", files=[evidence()])
    p = d.act(p, "return", reason="缺回单")
    assert p.state == P.LONG_TERM


@pytest.mark.django_db
def test_reassigning_hands_the_problem_to_another_unit_with_a_new_clock(
    d: Desk, world: World
) -> None:
    other = department("呼和浩特市财政局", world.hohhot)
    p = d.reach(P.RECTIFYING)
    with pytest.raises(ValidationFailed) as exc:
        d.act(p, "reassign", unit_department=p.unit_department_id, reason="x")
    assert fields_of(exc) == {"unit_department"}
    p = d.act(p, "reassign", unit_department=other.pk, reason="属财政职责")
    assert p.state == P.ASSIGNED and p.unit_department_id == other.pk and p.accepted_at is None
    with pytest.raises(NotFound):
        problem_act(pk=p.pk, action="accept", user=world.users["handler"], data={})


# --- from tickets ----------------------------------------------------------------------------


def _problem_report(world: World, *, confidential: bool) -> Any:
    ticket = submit_online(
        world,
        type="problem_report",
        category="enforcement.inspection",
        problem_category="arrears",
        content="某局拖欠我公司工程款 80 万元，多次催要未果。",
        confidential=confidential,
    )
    return ticket_act(ticket_id=ticket.pk, action="register", user=world.users["operator"], data={})


@pytest.mark.django_db
def test_a_desk_lead_promotes_a_ticket_ledgered_on_both(world: World) -> None:
    desk(world)
    ticket = _problem_report(world, confidential=False)
    lead = world.users["desk_lead"]
    ticket = ticket_act(
        ticket_id=ticket.pk,
        action="promote",
        user=lead,
        data={"unit_department": world.dept.pk, "problem_class": "B", "note": "典型问题"},
    )
    problem = Problem.objects.get(ticket=ticket)
    assert ticket.promoted_at is not None and problem.state == P.REGISTERED
    assert problem.category.code == "arrears" and problem.description.startswith("某局拖欠")
    assert list(problem.enterprises.all()) == [world.ent]
    assert problem.owner_code == "150100"
    ticket_event = Event.objects.get(
        subject_type="tickets.ticket", subject_id=str(ticket.pk), action="promote"
    )
    assert ticket_event.payload["problem"] == problem.pk
    problem_event = Event.objects.get(subject_type=PROBLEM.name, subject_id=str(problem.pk))
    assert problem_event.action == "promote" and problem_event.payload["ticket"] == ticket.pk
    with pytest.raises(Conflict) as exc:
        ticket_act(
            ticket_id=ticket.pk,
            action="promote",
            user=lead,
            data={"unit_department": world.dept.pk, "problem_class": "B"},
        )
    assert "已转为督查问题" in str(exc.value)


@pytest.mark.django_db
def test_promotion_names_a_bad_unit_or_class_and_writes_nothing(world: World) -> None:
    desk(world)
    ticket = _problem_report(world, confidential=False)
    events = Event.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        ticket_act(
            ticket_id=ticket.pk,
            action="promote",
            user=world.users["desk_lead"],
            data={"unit_department": 99999, "problem_class": "Z"},
        )
    assert fields_of(exc) == {"problem_class"}
    with pytest.raises(ValidationFailed) as exc:
        ticket_act(
            ticket_id=ticket.pk,
            action="promote",
            user=world.users["desk_lead"],
            data={"unit_department": 99999, "problem_class": "C"},
        )
    assert fields_of(exc) == {"unit_department"}
    assert Event.objects.count() == events and not Problem.objects.exists()


@pytest.mark.django_db
def test_a_confidential_report_stays_hidden_from_the_unit_and_the_enterprise_hears_the_result(
    world: World,
) -> None:
    d = desk(world)
    ticket = _problem_report(world, confidential=True)
    problem, _ = problem_create(
        user=d.office,
        data={
            "ticket": ticket.pk,
            "unit_department": world.dept.pk,
            "problem_class": "C",
            "category": "",
            "title": "",
            "description": "",
        },
    )
    assert problem.confidential and problem.source == "ticket"
    unit_view = present_detail(problem, actor_of(world.users["handler"]))
    assert unit_view["enterprise_hidden"] and unit_view["enterprises"] == []
    assert unit_view["ticket"]["enterprise"] == "（保密）"
    assert world.ent.name not in repr(unit_view)
    office_view = present_detail(problem, actor_of(d.office))
    assert office_view["ticket"]["enterprise"] == world.ent.name
    closed = d.closed(problem, comment="已解决")
    assert closed.state == P.CLOSED
    told = Notification.objects.filter(user=world.users["enterprise"], kind="problem_result")
    assert told.count() == 1 and "整改销号" in told.get().text
    public = ticket_timeline(ticket, actor_of(world.users["enterprise"]))
    assert [e.label for e in public][-1] == "督查问题已整改销号"
    assert "已解决" in public[-1].note


# --- accountability --------------------------------------------------------------------------

FULL_NAMES = ("张建国", "欧阳明", "李四")
SECRET_ENTERPRISE = "内蒙古广泰路桥有限公司"


@pytest.mark.django_db
def test_the_public_list_shows_no_full_name_and_no_unconsented_enterprise(
    d: Desk, world: World
) -> None:
    problem = d.reach(P.CLOSED, enterprise_names=SECRET_ENTERPRISE)
    quarter = quarter_of(accountability.today())
    entry = accountability.entry_create(
        user=d.office,
        data={
            "quarter": quarter,
            "region": "150100",
            "department": world.dept.pk,
            "summary": f"张建国、欧阳明在为{SECRET_ENTERPRISE}办理付款中推诿拖延，李四负有领导责任；某某建材公司同意公开。",
            "measure": "interview",
            "decided_on": accountability.today().isoformat(),
            "problems": [problem.pk],
            "persons": "张建国 科长\n欧阳明 副科长\n李四 副局长",
            "enterprises": f"{SECRET_ENTERPRISE}\n某某建材公司（同意公开）",
            "public": True,
        },
    )
    assert entry.persons[0] == {"name": "张建国", "position": "科长"}
    assert accountability.public_quarters() == []  # nothing before publication
    assert accountability.quarter_publish(user=d.office, quarter=quarter) == 1
    shown = accountability.public_quarters()
    text = repr(shown)
    for name in FULL_NAMES:
        assert name not in text
    assert SECRET_ENTERPRISE not in text
    assert "某某建材公司" in text and "张某" in text and "欧阳某" in text and "李某" in text
    with pytest.raises(Conflict) as frozen:  # a published entry has no action left
        accountability.entry_act(pk=entry.pk, action="edit", user=d.office, data={})
    assert frozen.value.code == "invalid_transition"
    fix = accountability.entry_create(
        user=d.office,
        data={
            **_entry_body(quarter, world),
            "corrects": entry.pk,
            "summary": "更正：问责方式应为通报批评。",
        },
    )
    accountability.quarter_publish(user=d.office, quarter=quarter)
    shown = accountability.public_quarters(quarter)[0]["entries"]
    assert {e["id"]: e["corrected_by"] for e in shown}[entry.pk] == [fix.pk]
    with pytest.raises(ValidationFailed) as exc:
        accountability.public_quarters("2026-3")
    assert fields_of(exc) == {"quarter"}


def _entry_body(quarter: str, world: World) -> dict[str, Any]:
    return {
        "quarter": quarter,
        "region": "150100",
        "unit_name": "某区住建局",
        "summary": "问题概要",
        "measure": "criticism",
        "decided_on": accountability.today().isoformat(),
        "public": True,
    }


@pytest.mark.django_db
def test_an_entry_names_its_bad_fields(d: Desk, world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        accountability.entry_create(
            user=d.office,
            data={
                **_entry_body("2026Q9", world),
                "region": "999999",
                "measure": "jail",
                "problems": [987654],
            },
        )
    assert {"quarter", "measure"} <= fields_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        accountability.entry_create(
            user=d.office,
            data={
                **_entry_body(quarter_of(accountability.today()), world),
                "region": "999999",
                "problems": [987654],
            },
        )
    assert {"region", "problems"} == fields_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        accountability.entry_create(
            user=d.office, data={**_entry_body("2031Q1", world), "decided_on": "2026-01-01"}
        )
    assert "decided_on" in fields_of(exc)
    with pytest.raises(Forbidden):
        accountability.entry_create(user=world.users["handler"], data=_entry_body("2026Q1", world))


def test_masked_names() -> None:
    assert accountability.masked_name("张建国") == "张某"
    assert accountability.masked_name("欧阳明") == "欧阳某"
    assert accountability.masked_name("王") == "某"


# --- statistics ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_statistics_on_a_hand_built_quarter(d: Desk, world: World) -> None:
    handler = world.users["handler"]
    with on(dt.date(2031, 1, 6)):
        on_time = d.reach(P.PENDING_ACCEPTANCE, problem_class="C")
        late = d.planned(d.create(problem_class="C", category="law_enforcement"))
        d.create(problem_class="A", recurrence_of=on_time.pk)
    with on(dt.date(2031, 1, 8)):
        d.act(on_time, "accept_done")
    with on(dt.date(2031, 1, 20)):  # past late's deadline of 2031-01-13
        d.act(d.act(late, "claim_done", handler, summary="s", files=[evidence()]), "accept_done")
        open_one = d.act(d.create(problem_class="B"), "assign")
        s = problem_stats(actor_of(d.office), dt.date(2031, 1, 1), dt.date(2031, 3, 31))
    assert (s.registered, s.closed, s.closed_on_time, s.on_time_rate) == (4, 2, 1, 50.0)
    assert s.median_days_to_close == 8.0  # 2 and 14 days
    assert s.recurrences == 1
    assert {r.key: r.count for r in s.by_class} == {"A": 1, "B": 1, "C": 2}
    assert {r.key: r.count for r in s.by_category}["law_enforcement"] == 1
    assert {r.key: r.count for r in s.by_source}["manual"] == 4
    assert s.by_unit[0].count == 4 and s.by_city[0].label == "呼和浩特市"
    assert s.reported_received == 4 and s.reported_done == 2
    # every figure drills down to the problems behind it
    from qitong.supervision.listing import problems_filtered

    actor = actor_of(d.office)
    with on(dt.date(2031, 1, 20)):
        assert problems_filtered(actor, s.filters["closed_on_time"]).count() == 1
        assert problems_filtered(actor, s.by_class[0].filter).count() == 1
        assert problems_filtered(actor, s.filters["recurrences"]).count() == 1
    with on(dt.date(2031, 2, 20)):
        board = rectification_board(actor)
        assert board[0].open == 2 and board[0].overdue == 1 and board[0].closed_this_quarter == 2
    assert open_one.state == P.ASSIGNED


@pytest.mark.django_db
def test_the_reported_problems_figure_counts_tickets_and_problems_once(world: World) -> None:
    d = desk(world)
    promoted = _problem_report(world, confidential=False)
    _problem_report(world, confidential=False)
    problem, _ = problem_create(
        user=d.office,
        data={
            "ticket": promoted.pk,
            "unit_department": world.dept.pk,
            "problem_class": "C",
            "category": "",
            "title": "",
            "description": "",
        },
    )
    d.create()
    today = accountability.today()
    s = problem_stats(actor_of(d.office), today.replace(day=1), today)
    assert (s.reported_received, s.reported_done) == (3, 0)
    d.reach(P.CLOSED)
    closed = d.closed(problem)
    s = problem_stats(actor_of(d.office), today.replace(day=1), today)
    assert (s.reported_received, s.reported_done) == (4, 2)
    assert closed.state == P.CLOSED


@pytest.mark.django_db
def test_a_draft_entry_is_edited_on_the_ledger_then_frozen(d: Desk, world: World) -> None:
    quarter = quarter_of(accountability.today())
    entry = accountability.entry_create(user=d.office, data=_entry_body(quarter, world))
    body = {**_entry_body(quarter, world), "persons": "孙立新 副局长", "summary": "孙立新推诿拖延"}
    edited = accountability.entry_act(pk=entry.pk, action="edit", user=d.office, data=body)
    assert edited.persons == [{"name": "孙立新", "position": "副局长"}]
    event = Event.objects.get(
        subject_type="supervision.accountability", subject_id=str(entry.pk), action="edit"
    )
    assert event.payload["persons"] == [{"name": "孙立新", "position": "副局长"}]
    accountability.entry_act(pk=entry.pk, action="publish", user=d.office)
    shown = accountability.public_quarters(quarter)[0]["entries"][0]
    assert shown["summary"] == "孙某推诿拖延" and shown["persons"][0]["name"] == "孙某"


# --- the statistics' tally -------------------------------------------------------------------


def _figures(s: Any) -> dict[str, Any]:
    rows = {
        name: [(r.key, r.count) for r in getattr(s, name)]
        for name in ("by_source", "by_category", "by_class", "by_state", "by_city")
    }
    units = sorted((r.key, r.count) for r in s.by_unit)
    plain = {
        k: getattr(s, k)
        for k in (
            "registered", "closed", "closed_on_time", "on_time_rate", "median_days_to_close",
            "recurrences", "reported_received", "reported_done",
        )
    }  # fmt: skip
    return {**rows, "units": units, **plain}


@pytest.mark.django_db
def test_the_tally_adds_up_to_the_problems_for_any_period(d: Desk, world: World) -> None:
    from qitong.supervision.stats import whole_months
    from qitong.supervision.tally import tally_rebuild

    other = department("呼和浩特市财政局", world.hohhot)
    handler = world.users["handler"]
    days = [dt.date(2031, 1, 6), dt.date(2031, 1, 28), dt.date(2031, 2, 10), dt.date(2031, 3, 3)]
    for i, day in enumerate(days):
        with on(day):
            closed = d.closed(d.create(problem_class="C"))
            d.planned(d.create(problem_class="B", category="law_enforcement"))
            d.create(recurrence_of=closed.pk, unit_department=other.pk)
            moved = d.act(d.create(), "assign")
            if i % 2:
                d.act(moved, "reassign", unit_department=other.pk, reason="职责调整")
    with on(dt.date(2031, 2, 20)):
        late = d.planned(d.create(problem_class="C"))
    with on(dt.date(2031, 3, 20)):
        d.act(d.act(late, "claim_done", handler, summary="s", files=[evidence()]), "accept_done")
    actor = actor_of(d.office)
    periods = [
        (dt.date(2031, 1, 1), dt.date(2031, 3, 31)),  # whole months
        (dt.date(2031, 1, 15), dt.date(2031, 3, 10)),  # partial edges
        (dt.date(2031, 2, 1), dt.date(2031, 2, 28)),  # one whole month
        (dt.date(2031, 2, 5), dt.date(2031, 2, 25)),  # within one month
        (dt.date(2030, 12, 1), dt.date(2031, 12, 31)),
    ]
    assert whole_months(*periods[0]) == (dt.date(2031, 1, 1), dt.date(2031, 3, 1))
    assert whole_months(*periods[1]) == (dt.date(2031, 2, 1), dt.date(2031, 2, 1))
    assert whole_months(*periods[3]) is None
    with on(dt.date(2031, 4, 1)):
        for start, end in periods:
            kept = _figures(problem_stats(actor, start, end))
            assert kept == _figures(problem_stats(actor, start, end, use_tally=False)), (start, end)
        before = _figures(problem_stats(actor, *periods[0]))
        tally_rebuild()  # what the actions kept equals a recount
        assert _figures(problem_stats(actor, *periods[0])) == before
    assert before["registered"] == 17 and before["closed"] == 5


@pytest.mark.django_db
def test_the_list_counts_from_the_tally_equal_the_filtered_counts(d: Desk, world: World) -> None:
    from qitong.supervision.listing import ProblemFilter, problems_filtered, state_counts
    from qitong.supervision.stats import list_counts

    for state in (P.CLOSED, P.PENDING_ACCEPTANCE, P.OBJECTED, P.REGISTERED, P.RECTIFYING):
        d.reach(state)
    for who in (
        d.office,
        world.users["supervisor"],
        world.users["auditor"],
        world.users["handler"],
    ):
        actor = actor_of(who)
        qs = problems_filtered(actor, ProblemFilter())
        assert list_counts(actor, ProblemFilter(), qs) == state_counts(qs), who.username
    assert (
        list_counts(
            actor_of(d.office),
            ProblemFilter(),
            problems_filtered(actor_of(d.office), ProblemFilter()),
        )["total"]
        == 5
    )
