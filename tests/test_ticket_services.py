"""The closed loop through the services: states, deadlines, ledger, notifications, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.models import Event
from qitong.ledger.services import events_for, ledger_verify
from qitong.notifications.models import Notification
from qitong.tickets.models import Assignment, Ticket
from qitong.tickets.services import TicketInput, ticket_act, ticket_create
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.ticket_factories import act, file_by_phone, submit_online, ticket_in_state

pytestmark = pytest.mark.django_db

THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)


def test_full_loop_online_to_closed(world: World) -> None:
    with clock.frozen(THURSDAY_10):
        ticket = submit_online(world)
        assert ticket.state == S.SUBMITTED
        assert ticket.number.startswith("QT20261126")
        assert ticket.desk == world.desk  # the Hohhot desk covers 新城区
        assert ticket.milestone == "register"
        ticket = act(world, ticket, "register", "operator")
        assert ticket.due_dispatch_at == THURSDAY_10 + dt.timedelta(hours=24)
        ticket = act(world, ticket, "dispatch", "operator", department=world.dept.pk)
        assert ticket.state == S.DISPATCHED
        # Complaint: reply within 13 working days counted from the next day.
        assert ticket.due_reply_at == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=LOCAL_TZ)
        assert ticket.due_sign_at == dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=LOCAL_TZ)
        ticket = act(world, ticket, "sign", "handler")
        assert (ticket.milestone, ticket.due_at) == ("reply", ticket.due_reply_at)
        ticket = act(
            world, ticket, "reply", "handler", result="resolved", explanation="已规范检查频次"
        )
        assert ticket.state == S.REPLIED and ticket.due_at is None
        ticket = act(world, ticket, "accept_reply", "desk_lead")
        assert ticket.state == S.AWAITING_CALLBACK
        assert ticket.due_callback_at == dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=LOCAL_TZ)
        ticket = act(world, ticket, "callback", "operator", satisfaction=4, resolved=True)
    assert ticket.state == S.CLOSED and ticket.closed_at == THURSDAY_10
    actions = list(
        events_for("tickets.ticket", ticket.pk).values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("create", "", "submitted"),
        ("register", "submitted", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("sign", "dispatched", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("accept_reply", "replied", "awaiting_callback"),
        ("callback", "awaiting_callback", "closed"),
    ]
    assert ledger_verify().broken is None
    assert ticket.version == 7
    kinds = set(
        Notification.objects.filter(subject_id=str(ticket.pk)).values_list("kind", flat=True)
    )
    assert {"ticket_registered", "ticket_dispatched", "ticket_answered", "ticket_closed"} <= kinds


def test_staff_filed_ticket_starts_registered_with_dispatch_deadline(world: World) -> None:
    with clock.frozen(THURSDAY_10):
        ticket = file_by_phone(world, urgency="urgent")
    assert ticket.state == S.REGISTERED
    assert ticket.due_dispatch_at == THURSDAY_10 + dt.timedelta(hours=1)
    assert ticket.created_by == world.users["operator"]


def test_return_requires_legal_basis_and_goes_back_to_registered(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as missing:
        act(world, ticket, "request_return", "handler", reason="不属于本单位职责")
    assert missing.value.fields == {"legal_basis": "请填写退单依据（法律法规或职责文件）"}
    ticket.refresh_from_db()
    assert ticket.pending_request == ""  # nothing was written
    ticket = act(
        world,
        ticket,
        "request_return",
        "handler",
        reason="不属于本单位职责",
        legal_basis="《内蒙古自治区市场监督管理局职能配置》第三条",
    )
    assert ticket.pending_request == "return"
    with pytest.raises(Conflict):
        act(world, ticket, "reply", "handler", result="resolved", explanation="x")
    ticket = act(world, ticket, "approve_return", "desk_lead")
    assert ticket.state == S.REGISTERED and ticket.lead_department is None
    assert not Assignment.objects.filter(ticket=ticket, active=True).exists()
    ticket = act(world, ticket, "dispatch", "operator", department=world.baotou_dept.pk)
    assert ticket.lead_department == world.baotou_dept


def test_extension_moves_the_reply_deadline_by_working_days(world: World) -> None:
    with clock.frozen(THURSDAY_10):
        ticket = ticket_in_state(world, S.IN_PROGRESS)
        before = ticket.due_reply_at
        with pytest.raises(ValidationFailed) as bad:
            act(world, ticket, "request_extension", "handler", days=40, reason="需现场核查")
        assert bad.value.fields == {"days": "延期工作日数应在 1 到 30 之间"}
        ticket = act(world, ticket, "request_extension", "handler", days=5, reason="需现场核查")
        ticket = act(world, ticket, "approve_extension", "desk_lead")
    assert before == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert ticket.due_reply_at == dt.datetime(2026, 12, 22, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert ticket.due_at == ticket.due_reply_at and ticket.extension_days == 5
    assert Notification.objects.filter(kind="ticket_extended").exists()


def test_refused_extension_leaves_the_deadline(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    due = ticket.due_reply_at
    ticket = act(world, ticket, "request_extension", "handler", days=3, reason="材料较多")
    with pytest.raises(ValidationFailed) as no_note:
        act(world, ticket, "refuse_extension", "desk_lead")
    assert "note" in no_note.value.fields
    ticket = act(world, ticket, "refuse_extension", "desk_lead", note="时限内可以办结")
    assert ticket.due_reply_at == due and ticket.pending_request == ""


def test_suspension_pauses_the_clock(world: World) -> None:
    with clock.frozen(THURSDAY_10):
        ticket = ticket_in_state(world, S.SUSPENDED)
        due = ticket.due_reply_at
    with clock.frozen(THURSDAY_10 + dt.timedelta(days=2, hours=3)):
        ticket = act(world, ticket, "resume", "handler")
    assert ticket.due_reply_at == due + dt.timedelta(days=2, hours=3)
    assert ticket.state == S.IN_PROGRESS and ticket.suspended_at is None


def test_dissatisfied_callback_then_redo_counts_a_round(world: World) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    ticket = act(world, ticket, "callback", "operator", satisfaction=2, resolved=False)
    assert ticket.state == S.AWAITING_CALLBACK and ticket.callback_dissatisfied
    ticket = act(world, ticket, "redo", "operator", note="企业反映检查仍未减少")
    assert ticket.state == S.IN_PROGRESS and ticket.redo_count == 1
    assert not ticket.callback_dissatisfied and ticket.milestone == "reply"


@pytest.mark.parametrize(
    ("satisfaction", "closes"), [(5, True), (4, True), (3, True), (2, False), (1, False)]
)
def test_callback_closes_from_fairly_satisfied_up(
    world: World, satisfaction: int, closes: bool
) -> None:
    """基本满意 (3) and above closes the ticket; 2 and below keeps it for a redo or a
    documented close: the threshold cannot shift by one unnoticed."""
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    ticket = act(world, ticket, "callback", "operator", satisfaction=satisfaction, resolved=closes)
    assert (ticket.state == S.CLOSED) is closes
    assert ticket.callback_dissatisfied is (not closes)
    assert ticket.satisfaction == satisfaction


def test_close_after_dissatisfaction_needs_a_reason(world: World) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    ticket = act(world, ticket, "callback", "operator", satisfaction=1, resolved=False)
    with pytest.raises(ValidationFailed) as missing:
        act(world, ticket, "close", "desk_lead")
    assert missing.value.fields == {"reason": "请填写不满意仍办结的理由"}
    ticket = act(world, ticket, "close", "desk_lead", reason="诉求超出法定职责，已充分解释")
    assert ticket.state == S.CLOSED


def test_merge_records_on_both_tickets(world: World) -> None:
    ticket = ticket_in_state(world, S.MERGED)
    master = ticket.merged_into
    assert master is not None
    assert events_for("tickets.ticket", master.pk).filter(action="merged_in").count() == 1


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"satisfaction": 9, "resolved": True}, {"satisfaction"}),
        ({"satisfaction": True, "resolved": True}, {"satisfaction"}),  # JSON true is not 1
        ({"satisfaction": "4.5", "resolved": True}, {"satisfaction"}),
        ({"satisfaction": 4}, {"resolved"}),
    ],
)
def test_callback_validates_fields(world: World, data: dict[str, object], fields: set[str]) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    events = Event.objects.count()
    with pytest.raises(ValidationFailed) as info:
        act(world, ticket, "callback", "operator", **data)
    assert set(info.value.fields) == fields
    assert Event.objects.count() == events


def test_out_of_scope_ticket_is_not_found(world: World) -> None:
    ticket = ticket_in_state(world, S.DISPATCHED)
    from tests.factories import user

    other = user("baotou_handler", "handler", department=world.baotou_dept)
    with pytest.raises(NotFound):
        ticket_act(ticket_id=ticket.pk, action="sign", user=other)
    with pytest.raises(Forbidden):
        act(world, ticket, "sign", "enterprise")


def test_stale_version_is_a_conflict(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    with pytest.raises(Conflict) as stale:
        ticket_act(
            ticket_id=ticket.pk,
            action="dispatch",
            user=world.users["operator"],
            data={"department": world.dept.pk},
            expected_version=ticket.version - 1,
        )
    assert stale.value.code == "stale_version"


def test_intake_validation_names_every_field(world: World) -> None:
    data = TicketInput(
        type="rumour",
        category="nope",
        urgency="now",
        channel="fax",
        content=" ",
        contact_phone="123",
        credit_code="",
    )
    with pytest.raises(ValidationFailed) as info:
        ticket_create(data=data, user=world.users["operator"])
    assert set(info.value.fields) == {
        "type",
        "category",
        "urgency",
        "channel",
        "content",
        "contact_phone",
        "credit_code",
    }
    assert Ticket.objects.count() == 0


def test_problem_report_is_confidential_by_default_and_needs_a_category(world: World) -> None:
    with pytest.raises(ValidationFailed) as info:
        submit_online(world, type="problem_report")
    assert "problem_category" in info.value.fields
    ticket = submit_online(world, type="problem_report", problem_category="arrears")
    assert ticket.confidential


def test_enterprise_cannot_file_for_another_enterprise(world: World) -> None:
    with pytest.raises(ValidationFailed) as info:
        submit_online(world, credit_code=world.baotou_ent.credit_code)
    assert info.value.fields == {"credit_code": "企业用户只能为本企业提交诉求"}


def test_same_idempotency_key_gives_one_ticket(world: World) -> None:
    data = TicketInput(
        type="help",
        category="finance.loan",
        urgency="normal",
        channel="app",
        content="申请创业担保贷款需要哪些材料？",
        contact_phone="13800000001",
    )
    first, created = ticket_create(data=data, user=world.users["enterprise"], idempotency_key="k-1")
    again, created_again = ticket_create(
        data=data, user=world.users["enterprise"], idempotency_key="k-1"
    )
    assert created and not created_again and first.pk == again.pk
    assert Ticket.objects.count() == 1
    assert Event.objects.filter(subject_type="tickets.ticket", action="create").count() == 1


def test_ticket_numbers_count_per_day(world: World) -> None:
    with clock.frozen(THURSDAY_10):
        numbers = [file_by_phone(world).number for _ in range(3)]
    assert numbers == ["QT20261126000001", "QT20261126000002", "QT20261126000003"]
