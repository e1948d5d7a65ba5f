"""Assisting departments (协办) give their opinion to the lead; a department may require its
leader's sign-off (审签) before a reply goes to the desk. Through the services, on the ledger."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.core.errors import Conflict, Forbidden, ValidationFailed
from qitong.ledger.services import events_for, ledger_verify
from qitong.notifications.models import Notification
from qitong.tickets import queues
from qitong.tickets.models import Assignment, Attachment, PendingDecision, Ticket
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.services import ticket_act
from qitong.tickets.states import TicketState as S
from tests import factories
from tests.factories import World
from tests.ticket_factories import act, submit_online

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def tax(world: World) -> dict[str, object]:
    """A second Hohhot department (税务) with a handler and a leader."""
    dept = factories.department("呼和浩特市税务局", world.hohhot)
    return {
        "dept": dept,
        "handler": factories.user("tax_handler", Role.HANDLER, department=dept),
        "leader": factories.user("tax_leader", Role.DEPT_LEADER, department=dept),
    }


def dispatched_with_assisting(world: World, tax: dict[str, object]) -> Ticket:
    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    return act(
        world,
        ticket,
        "dispatch",
        "operator",
        department=world.dept.pk,
        assisting=[tax["dept"].pk],  # type: ignore[attr-defined]
    )


def test_assisting_department_sees_the_ticket_and_gives_its_opinion_once(
    world: World, tax: dict[str, object]
) -> None:
    ticket = dispatched_with_assisting(world, tax)
    assert ticket.assist_pending == [tax["dept"].pk]  # type: ignore[attr-defined]
    helper = tax["handler"]
    assert tickets_visible_to(actor_of(helper)).filter(pk=ticket.pk).exists()  # type: ignore[arg-type]
    assert Notification.objects.filter(kind="ticket_dispatched", user=helper).exists()
    tab = queues.department_tab(actor=actor_of(helper), key="assisting", limit=10)  # type: ignore[arg-type]
    assert [r.ticket.pk for r in tab.rows] == [ticket.pk]
    assert queues.department_tab_counts(actor=actor_of(helper))["assisting"] == 1  # type: ignore[arg-type]
    # The assisting department cannot act as the lead.
    with pytest.raises(Forbidden):
        ticket_act(ticket_id=ticket.pk, action="sign", user=helper)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as empty:
        ticket_act(ticket_id=ticket.pk, action="assist", user=helper, data={})  # type: ignore[arg-type]
    assert set(empty.value.fields) == {"opinion"}

    ticket = ticket_act(
        ticket_id=ticket.pk,
        action="assist",
        user=helper,  # type: ignore[arg-type]
        data={"opinion": "经查该企业纳税信用为 A 级，可享受相关优惠。"},
    )
    assert ticket.state == S.DISPATCHED and ticket.assist_pending == []
    part = Assignment.objects.get(ticket=ticket, department=tax["dept"])
    assert part.replied_at is not None and "纳税信用" in part.reply_text
    last = list(events_for("tickets.ticket", ticket.pk))[-1]
    assert last.action == "assist" and last.payload["department"] == tax["dept"].pk  # type: ignore[attr-defined]
    assert Notification.objects.filter(kind="ticket_assisted", user=world.users["handler"]).exists()
    assert queues.department_tab(actor=actor_of(helper), key="assisting", limit=10).rows == []  # type: ignore[arg-type]
    with pytest.raises(Forbidden):  # once only
        ticket_act(ticket_id=ticket.pk, action="assist", user=helper, data={"opinion": "再补充"})  # type: ignore[arg-type]
    # Still readable by the assisting department (it took part), not listed as its lead work.
    assert tickets_visible_to(actor_of(helper)).filter(pk=ticket.pk).exists()  # type: ignore[arg-type]
    assert queues.department_tab_counts(actor=actor_of(helper))["dispatched"] == 0  # type: ignore[arg-type]
    assert ledger_verify().broken is None


def test_reassign_keeps_the_assisting_department_unless_it_becomes_the_lead(
    world: World, tax: dict[str, object]
) -> None:
    ticket = dispatched_with_assisting(world, tax)
    third = factories.department("呼和浩特市人力资源和社会保障局", world.hohhot)
    ticket = act(world, ticket, "reassign", "desk_lead", department=third.pk)
    assert ticket.lead_department == third and ticket.assist_pending == [tax["dept"].pk]  # type: ignore[attr-defined]
    active = dict(
        Assignment.objects.filter(ticket=ticket, active=True).values_list("department", "role")
    )
    assert active == {third.pk: "lead", tax["dept"].pk: "assisting"}  # type: ignore[attr-defined]
    ticket = act(world, ticket, "reassign", "desk_lead", department=tax["dept"].pk)  # type: ignore[attr-defined]
    assert ticket.assist_pending == []
    active = dict(
        Assignment.objects.filter(ticket=ticket, active=True).values_list("department", "role")
    )
    assert active == {tax["dept"].pk: "lead"}  # type: ignore[attr-defined]


def test_withdrawal_ends_the_assisting_part(world: World, tax: dict[str, object]) -> None:
    ticket = dispatched_with_assisting(world, tax)
    ticket = act(world, ticket, "withdraw", "enterprise", reason="问题已自行解决")
    assert ticket.assist_pending == []
    assert Notification.objects.filter(kind="ticket_withdrawn", user=tax["handler"]).exists()
    helper = actor_of(tax["handler"])  # type: ignore[arg-type]
    assert queues.department_tab_counts(actor=helper)["assisting"] == 0


def signoff_department(world: World) -> None:
    world.dept.reply_needs_signoff = True
    world.dept.save(update_fields=["reply_needs_signoff"])


def in_progress(world: World) -> Ticket:
    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    return act(world, ticket, "sign", "handler")


def test_a_handlers_reply_waits_for_the_leaders_signoff(world: World) -> None:
    signoff_department(world)
    ticket = in_progress(world)
    due = ticket.due_at
    ticket = ticket_act(
        ticket_id=ticket.pk,
        action="reply",
        user=world.users["handler"],
        data={"result": "resolved", "explanation": "已现场核查并责令整改。"},
        files=[ContentFile(PDF, name="整改通知书.pdf")],
    )
    assert ticket.state == S.IN_PROGRESS and ticket.pending_request == "signoff"
    assert ticket.reply_text == "" and ticket.due_at == due  # not a reply yet; clock runs on
    draft = PendingDecision.objects.get(ticket=ticket, kind="signoff")
    assert draft.reply_text == "已现场核查并责令整改。" and len(draft.attachment_ids) == 1
    assert Attachment.objects.get(pk=draft.attachment_ids[0]).internal  # hidden until signed
    assert Notification.objects.filter(
        kind="signoff_requested", user=world.users["dept_leader"]
    ).exists()
    leader = actor_of(world.users["dept_leader"])
    assert queues.department_tab_counts(actor=leader)["signoff"] == 1
    desk_requests = queues.queue_page(
        actor=actor_of(world.users["desk_lead"]), queue=queues.DESK_LEAD_QUEUES[0], limit=10
    )
    assert desk_requests.total == 0  # the desk lead does not decide sign-offs
    with pytest.raises(Conflict):
        act(world, ticket, "reply", "handler", result="resolved", explanation="再交一稿")
    with pytest.raises(Forbidden):
        act(world, ticket, "approve_reply", "handler")
    with pytest.raises(ValidationFailed) as no_note:
        act(world, ticket, "refuse_reply", "dept_leader")
    assert set(no_note.value.fields) == {"note"}

    ticket = act(world, ticket, "refuse_reply", "dept_leader", note="请补充整改期限")
    assert ticket.pending_request == "" and ticket.state == S.IN_PROGRESS
    draft.refresh_from_db()
    assert draft.approved is False and draft.decision_note == "请补充整改期限"
    assert Attachment.objects.get(pk=draft.attachment_ids[0]).internal

    act(world, ticket, "reply", "handler", result="resolved", explanation="责令 15 日内整改。")
    ticket = act(
        world,
        ticket,
        "approve_reply",
        "dept_leader",
        explanation="责令 15 日内整改完毕，逾期依法处理。",
        note="同意",
    )
    assert ticket.state == S.REPLIED and ticket.pending_request == ""
    assert ticket.reply_text == "责令 15 日内整改完毕，逾期依法处理。"
    assert ticket.reply_result == "resolved" and ticket.due_at is None
    last = list(events_for("tickets.ticket", ticket.pk))[-1]
    assert last.action == "approve_reply" and last.payload["amended"] is True
    assert Notification.objects.filter(
        kind="ticket_replied", user=world.users["desk_lead"]
    ).exists()
    assert ledger_verify().broken is None


def test_signoff_publishes_the_drafts_files(world: World) -> None:
    signoff_department(world)
    ticket = in_progress(world)
    ticket_act(
        ticket_id=ticket.pk,
        action="reply",
        user=world.users["handler"],
        data={"result": "explained", "explanation": "依法说明。"},
        files=[ContentFile(PDF, name="说明.pdf")],
    )
    ticket = act(world, ticket, "approve_reply", "dept_leader")
    assert ticket.reply_text == "依法说明。"
    assert not Attachment.objects.get(ticket=ticket).internal


def test_a_leaders_own_reply_needs_no_signoff(world: World) -> None:
    signoff_department(world)
    ticket = in_progress(world)
    ticket = act(world, ticket, "reply", "dept_leader", result="resolved", explanation="已办结。")
    assert ticket.state == S.REPLIED


def test_without_the_setting_a_handler_replies_directly(world: World) -> None:
    ticket = in_progress(world)
    ticket = act(world, ticket, "reply", "handler", result="resolved", explanation="已办结。")
    assert ticket.state == S.REPLIED
    assert not PendingDecision.objects.filter(ticket=ticket).exists()


def test_after_reassign_the_old_department_no_longer_reads_the_ticket(
    world: World, tax: dict[str, object]
) -> None:
    """Scope follows the current assignment (docs/guide.md 数据范围): after 改派 the old lead
    department reads neither the ticket nor the new department's reply — selector, API list,
    API detail and page alike."""
    from tests.matrix import client_for

    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    ticket = act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    old = world.users["handler"]
    assert tickets_visible_to(actor_of(old)).filter(pk=ticket.pk).exists()
    ticket = act(world, ticket, "reassign", "desk_lead", department=tax["dept"].pk)  # type: ignore[attr-defined]
    ticket_act(ticket_id=ticket.pk, action="sign", user=tax["handler"])  # type: ignore[arg-type]

    assert not tickets_visible_to(actor_of(old)).filter(pk=ticket.pk).exists()
    client = client_for(world, "handler")
    assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
    listed = client.get("/api/v1/tickets").json()["items"]
    assert ticket.pk not in [t["id"] for t in listed]
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    # The new lead reads it; the old department's steps stay on the ledger for the desk.
    assert tickets_visible_to(actor_of(tax["handler"])).filter(pk=ticket.pk).exists()  # type: ignore[arg-type]
    assert {"dispatch", "reassign"} <= {e.action for e in events_for("tickets.ticket", ticket.pk)}


def test_a_department_never_reads_a_ticket_assigned_elsewhere(
    world: World, tax: dict[str, object]
) -> None:
    """Department scope at every door: selector, API list (also filtered by the other
    department), API detail and action."""
    from tests.matrix import client_for

    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    ticket = act(world, ticket, "dispatch", "operator", department=tax["dept"].pk)  # type: ignore[attr-defined]
    for role in ("handler", "dept_leader"):
        actor = actor_of(world.users[role])
        assert not tickets_visible_to(actor).filter(pk=ticket.pk).exists()
        client = client_for(world, role)
        assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
        for query in ("", f"?department={tax['dept'].pk}"):  # type: ignore[attr-defined]
            items = client.get(f"/api/v1/tickets{query}").json()["items"]
            assert ticket.pk not in [t["id"] for t in items]
        sign = client.post(
            f"/api/v1/tickets/{ticket.pk}/actions/sign", {}, content_type="application/json"
        )
        assert sign.status_code == 404
