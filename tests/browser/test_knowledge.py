"""The knowledge base in Debian chromium: while the operator types a consultation, articles
are suggested; the operator answers from one (即时办结, first-contact resolution), citing its
version; the enterprise reads the answer with its source and finds the article itself in
the portal's 政策问答."""

from __future__ import annotations

from typing import Any

import pytest

from qitong.knowledge.services import ArticleInput, article_create, article_publish
from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState as S
from tests import factories
from tests.browser.support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser


def publish(world: factories.World, title: str, body: str, keywords: str) -> int:
    article = article_create(
        data=ArticleInput(
            title=title, body=body, kind="qa", effective_from="2024-01-01", keywords=keywords
        ),
        user=world.users["handler"],
    )
    return article_publish(pk=article.pk, user=world.users["dept_leader"]).pk


def test_operator_answers_from_a_suggested_article(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    world = live_world
    answer_id = publish(
        world,
        "小型微利企业所得税优惠政策如何享受？",
        "<p>小型微利企业年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额，"
        "按20%的税率缴纳企业所得税。</p><p>在电子税务局预缴申报时自行享受，无需备案。</p>",
        "小微企业 所得税 减免",
    )
    publish(
        world,
        "吸纳高校毕业生就业的一次性扩岗补助",
        "<p>企业招用毕业年度高校毕业生并参加失业保险满3个月的，按每人1500元发放。</p>",
        "扩岗补助 高校毕业生",
    )

    op = open_as("operator")
    op.locator("#caller-q").fill(world.ent.credit_code)  # (the keyboard path has its own test)
    expect(op.locator("#caller-results")).to_contain_text(world.ent.name)
    op.locator("#caller-results [data-pick]").first.click()
    expect(op.locator("#id_credit_code")).to_have_value(world.ent.credit_code)
    op.get_by_label("诉求分类").select_option("tax.policy")
    op.get_by_label("联系电话").fill("13800000001")
    op.get_by_label("诉求内容").press_sequentially("我们是小微企业，企业所得税有什么优惠？")
    suggestions = op.locator("#kb-suggest")
    # The first search in a fresh process loads jieba's dictionary (about a second).
    expect(suggestions).to_contain_text("小型微利企业所得税优惠政策如何享受", timeout=15000)
    expect(suggestions.locator("mark").first).to_be_visible()
    expect(suggestions).not_to_contain_text("扩岗补助")
    shoot(op, "kb-01-suggested-while-typing")

    op.get_by_role("button", name="登记工单").click()
    op.locator("[data-filed] a").click()
    ticket = Ticket.objects.order_by("-pk").first()
    assert ticket is not None and ticket.state == S.REGISTERED
    expect(op.locator(".ticket-head__number")).to_have_text(ticket.number)

    op.locator("details[data-action='answer'] summary").click()
    form = op.locator("details[data-action='answer']")
    expect(form.locator(".kb-cite")).to_contain_text("小型微利企业所得税优惠政策如何享受")
    form.get_by_role("button", name="用此知识答复").first.click()
    expect(form.get_by_label("答复内容")).to_have_value(
        "小型微利企业年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额，"
        "按20%的税率缴纳企业所得税。 在电子税务局预缴申报时自行享受，无需备案。"
    )
    expect(form.locator(f"input[name='answer-articles'][value='{answer_id}']")).to_be_checked()
    shoot(op, "kb-02-answer-from-article")
    form.get_by_role("button", name="即时解答").click()
    expect(op.locator("[data-flash]")).to_contain_text("已即时解答")
    expect(op.locator("#ticket-detail")).to_contain_text(
        "答复依据：小型微利企业所得税优惠政策如何享受？"
    )
    ticket.refresh_from_db()
    assert ticket.state == S.AWAITING_CALLBACK and ticket.first_contact_resolution
    assert list(ticket.citations.values_list("version__article_id", flat=True)) == [answer_id]

    ent = open_as("enterprise")
    ent.goto(f"{live_server.url}/my/tickets/{ticket.pk}/")
    expect(ent.locator("body")).to_contain_text("减按25%计入应纳税所得额")
    source = ent.get_by_role("link", name="小型微利企业所得税优惠政策如何享受？")
    expect(source).to_be_visible()
    ent.get_by_role("link", name="政策问答").click()
    ent.get_by_label("检索知识").fill("小微企业所得税怎么享受")
    expect(ent.locator("#kb-results")).to_contain_text("小型微利企业所得税优惠政策如何享受")
    shoot(ent, "kb-03-enterprise-search")
