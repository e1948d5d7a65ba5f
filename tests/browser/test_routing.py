"""A consultation routed to policy specialists in Debian chromium: the enterprise submits
online, the operator registers it and refers it without naming anyone; routing offers it to
the first specialist of the domain in the caller's 盟市, who lets it time out; the sweep
moves it to the second, who accepts and answers; the enterprise reads the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from qitong.accounts.roles import Role
from qitong.directory.models import PolicyDomain, Specialist
from qitong.tickets.models import Offer
from qitong.tickets.states import TicketState as S
from qitong.tickets.tasks import sweep
from tests import factories
from tests.browser.support import CHROMIUM
from tests.ticket_factories import submit_online

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser


def test_timeout_moves_the_offer_to_the_second_specialist_who_answers(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    world, base = live_world, live_server.url
    second = Specialist.objects.create(
        code="S00002",
        name="专员乙",
        user=factories.user("specialist2", Role.SPECIALIST),
        department=world.dept,
        region=world.hohhot,
        languages=["zh", "mn"],
    )
    second.domains.add(PolicyDomain.objects.get(code="tax"))
    ticket = submit_online(
        world,
        type="consultation",
        category="tax.policy",
        content="我们是新办的小微企业，想咨询企业所得税有哪些优惠。",
    )

    op = open_as("operator")
    op.goto(f"{base}/tickets/{ticket.pk}/")
    op.locator("form.action--direct button", has_text="受理").click()
    expect(op.locator(".ticket-head__meta")).to_contain_text("已受理")
    refer = op.locator("details[data-action='refer']")
    refer.locator("summary").click()
    expect(refer.get_by_label("政策专员", exact=True)).to_have_value("")  # automatic routing
    refer.get_by_role("button", name="转政策专员").click()
    expect(op.locator(".ticket-head__meta")).to_contain_text("专员办理中")
    expect(op.locator("#ticket-detail")).to_contain_text("邀请待接受")
    ticket.refresh_from_db()
    assert ticket.specialist == world.specialist and not ticket.specialist_accepted
    shoot(op, "routing-01-offered")

    # 专员甲 does not answer the offer in time: the sweep moves it on.
    Offer.objects.filter(ticket=ticket, state="pending").update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert sweep()["rerouted"] == 1
    ticket.refresh_from_db()
    assert ticket.specialist == second

    sp = open_as("specialist2")
    offers = sp.locator("[data-queue='offers']")
    expect(offers).to_contain_text(ticket.number)
    expect(offers).to_contain_text("前接受或谢绝")
    shoot(sp, "routing-02-offer-in-the-workspace")
    offers.get_by_role("link", name=ticket.number).click()
    sp.locator("form.action--direct button", has_text="接受咨询").click()
    expect(sp.locator("#ticket-detail")).to_contain_text("已接受")
    reply = sp.locator("details[data-action='specialist_reply']")
    reply.locator("summary").click()
    reply.get_by_label("答复内容").fill(
        "新办小微企业预缴时即可享受：年应纳税所得额不超过 300 万元的部分减按 25% 计入。"
    )
    reply.get_by_role("button", name="专员答复").click()
    expect(sp.locator(".ticket-head__meta")).to_contain_text("待回访")
    shoot(sp, "routing-03-answered")
    ticket.refresh_from_db()
    assert ticket.state == S.AWAITING_CALLBACK
    assert [o.state for o in Offer.objects.filter(ticket=ticket).order_by("pk")] == [
        "expired",
        "accepted",
    ]

    ent = open_as("enterprise")
    ent.goto(f"{base}/my/tickets/{ticket.pk}/")
    expect(ent.locator("body")).to_contain_text("减按 25% 计入")
    expect(ent.locator("body")).to_contain_text("政策专员已答复")
    shoot(ent, "routing-04-enterprise-reads-the-answer")
