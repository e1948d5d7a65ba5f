"""The 协办 and 审签 steps as the departments see them: the inbox tab, the forms on the ticket
page, the opinions and the draft shown to the lead; and the API detail fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qitong.accounts.roles import Role
from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState as S
from tests import factories
from tests.factories import World
from tests.test_ticket_pages import HX, html, posted_actions
from tests.ticket_factories import act, submit_online

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tax_handler(world: World) -> Any:
    dept = factories.department("呼和浩特市税务局", world.hohhot)
    return factories.user("tax_handler", Role.HANDLER, department=dept)


def dispatched(world: World, assisting: Any) -> Ticket:
    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    return act(
        world,
        ticket,
        "dispatch",
        "operator",
        department=world.dept.pk,
        assisting=[assisting.department_id],
    )


def test_assisting_department_answers_from_its_tab_and_the_lead_reads_it(
    world: World, tax_handler: Any
) -> None:
    ticket = dispatched(world, tax_handler)
    helper = login(tax_handler)
    inbox = html(helper.get("/department/?tab=assisting"))
    assert ticket.title in inbox and "协办" in inbox
    page = html(helper.get(f"/tickets/{ticket.pk}/"))
    assert posted_actions(page, ticket.pk) == {"assist"}
    empty = helper.post(
        f"/tickets/{ticket.pk}/act/assist/",
        {"assist-opinion": "", "assist-version": str(ticket.version)},
        headers=HX,
    )
    assert empty.status_code == 400 and "请填写协办意见" in html(empty)
    done = helper.post(
        f"/tickets/{ticket.pk}/act/assist/",
        {
            "assist-opinion": "该企业符合研发费用加计扣除条件。",
            "assist-version": str(ticket.version),
        },
        headers=HX,
    )
    assert done.status_code == 200 and "data-flash" in html(done)
    lead_page = html(login(world.users["handler"]).get(f"/tickets/{ticket.pk}/"))
    assert "协办意见" in lead_page and "研发费用加计扣除" in lead_page
    assert "呼和浩特市税务局" in lead_page
    # The enterprise never sees the internal opinion.
    portal_response = login(world.users["enterprise"]).get(f"/my/tickets/{ticket.pk}/")
    assert portal_response.status_code == 200
    assert ticket.number in html(portal_response)
    assert "研发费用加计扣除" not in html(portal_response)
    api = login(world.users["handler"]).get(f"/api/v1/tickets/{ticket.pk}").json()
    assert api["assisting"][0]["opinion"] == "该企业符合研发费用加计扣除条件。"
    assert (
        login(world.users["enterprise"]).get(f"/api/v1/tickets/{ticket.pk}").json()["assisting"]
        == []
    )


def test_leader_sees_the_draft_and_signs_it_off(world: World) -> None:
    world.dept.reply_needs_signoff = True
    world.dept.save(update_fields=["reply_needs_signoff"])
    ticket = submit_online(world)
    act(world, ticket, "register", "operator")
    act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    act(world, ticket, "sign", "handler")
    handler_page = html(login(world.users["handler"]).get(f"/tickets/{ticket.pk}/"))
    assert "须部门领导审签" in handler_page
    ticket = act(world, ticket, "reply", "handler", result="resolved", explanation="已责令整改。")
    leader = login(world.users["dept_leader"])
    inbox = html(leader.get("/department/?tab=signoff"))
    assert "待审签" in inbox and ticket.title in inbox
    page = html(leader.get(f"/tickets/{ticket.pk}/"))
    assert "答复稿，待部门领导审签" in page
    assert posted_actions(page, ticket.pk) >= {"approve_reply", "refuse_reply"}
    assert "已责令整改。</textarea>" in page  # the form starts from the draft
    api = login(world.users["handler"]).get(f"/api/v1/tickets/{ticket.pk}").json()
    assert api["pending_request"] == "signoff"
    assert api["reply_draft"]["explanation"] == "已责令整改。"
    assert (
        login(world.users["desk_lead"]).get(f"/api/v1/tickets/{ticket.pk}").json()["reply_draft"]
        is None
    )
    response = leader.post(
        f"/tickets/{ticket.pk}/act/approve_reply/",
        {
            "approve_reply-explanation": "已责令整改，限期 15 日。",
            "approve_reply-version": str(ticket.version),
        },
        headers=HX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.state == S.REPLIED and ticket.reply_text == "已责令整改，限期 15 日。"
