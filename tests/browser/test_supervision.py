"""A problem's whole cycle through the real pages in Debian chromium (issue 13): a supervisor
promotes a 反映问题 ticket to a problem and assigns it; the unit accepts, files a plan and
claims done with evidence; the supervisor returns it once, then accepts (销号); the problem
is closed in the statistics and the enterprise reads the result on its ticket.

Every page runs under the strict CSP; a console error or a script error fails the test.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.support import CHROMIUM
from tests.supervision_factories import desk
from tests.ticket_factories import submit_online

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from qitong.supervision.models import Problem
from qitong.tickets.services import ticket_act
from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_promoted_report_is_rectified_returned_once_closed_and_the_enterprise_told(
    open_as: OpenAs, live_server: object, live_world: factories.World, tmp_path: object
) -> None:
    w = live_world
    office_user = desk(w).office
    ticket = submit_online(
        w,
        type="problem_report",
        problem_category="arrears",
        content="某局拖欠我公司工程款 80 万元，多次催要未果。",
    )
    ticket_act(ticket_id=ticket.pk, action="register", user=w.users["operator"], data={})
    base = live_server.url  # type: ignore[attr-defined]
    evidence = tmp_path / "付款回单.pdf"  # type: ignore[operator]
    evidence.write_bytes(PDF)

    # The supervisor promotes the ticket from its page, naming the unit and the class.
    office = open_as(office_user.username)
    office.goto(f"{base}/tickets/{ticket.pk}/")
    panel = office.locator("details[data-action='promote']")
    panel.locator("summary").click()
    form = panel.locator("form")
    form.get_by_label("责任单位", exact=True).select_option(str(w.dept.pk))
    form.get_by_label("B 类").check()
    form.get_by_role("button", name="转为督查问题").click()
    expect(office.locator(".alert--success")).to_contain_text("转为督查问题")
    problem = Problem.objects.get(ticket=ticket)
    office.get_by_role("link", name=problem.number).click()
    expect(office.locator("h1")).to_contain_text(problem.number)
    expect(office.locator(".card").filter(has_text="来源工单与企业诉求")).to_contain_text("80 万元")
    # … and assigns it (the deadline comes from the class).
    office.locator("details[data-action='assign'] form").get_by_role("button", name="交办").click()
    expect(office.locator(".alert--success")).to_contain_text("已交办")
    expect(office.locator(".page-head")).to_contain_text("已交办")
    problem.refresh_from_db()
    deadline = problem.deadline.date().isoformat()

    # The unit signs for it, files the plan, and claims done: first without evidence.
    unit = open_as("handler")
    unit.goto(f"{base}/supervision/")
    unit.get_by_role("link", name=problem.title).click()
    unit.locator("details[data-action='accept'] form").get_by_role("button", name="签收").click()
    expect(unit.locator(".alert--success")).to_contain_text("已签收")
    plan = unit.locator("details[data-action='plan'] form")
    plan.get_by_label("整改措施").fill("协调资金，一次性支付")
    plan.get_by_label("整改节点").fill(f"{deadline} 全部付清")
    plan.get_by_role("button", name="提交整改方案").click()
    expect(unit.locator(".page-head")).to_contain_text("整改中")
    unit.locator("details[data-action='claim_done'] summary").click()
    claim = unit.locator("details[data-action='claim_done'] form")
    claim.get_by_label("整改情况").fill("已全额支付")
    claim.get_by_role("button", name="申请销号").click()
    expect(unit.locator(".field__error").first).to_contain_text("请上传整改完成的佐证材料")
    claim = unit.locator("details[data-action='claim_done'] form")
    expect(claim.get_by_label("整改情况")).to_have_value("已全额支付")  # kept
    claim.get_by_label("整改完成佐证材料（必须）").set_input_files(str(evidence))
    claim.get_by_role("button", name="申请销号").click()
    expect(unit.locator(".page-head")).to_contain_text("待验收")
    shoot(unit, "supervision-problem-claimed")

    # The supervisor returns it once, with the reason; the unit claims again; accepted.
    office.reload()
    office.locator("details[data-action='return'] summary").click()
    ret = office.locator("details[data-action='return'] form")
    ret.get_by_label("退回理由").fill("请补充企业收款确认")
    ret.get_by_role("button", name="退回整改").click()
    expect(office.locator(".page-head")).to_contain_text("整改中")
    unit.reload()
    expect(unit.locator(".timeline")).to_contain_text("请补充企业收款确认")
    unit.locator("details[data-action='claim_done'] summary").click()
    claim = unit.locator("details[data-action='claim_done'] form")
    claim.get_by_label("整改情况").fill("补充企业收款确认函")
    claim.get_by_label("整改完成佐证材料（必须）").set_input_files(str(evidence))
    claim.get_by_role("button", name="申请销号").click()
    expect(unit.locator(".page-head")).to_contain_text("待验收")
    office.reload()
    done = office.locator("details[data-action='accept_done'] form")
    done.get_by_label("验收意见").fill("经回访企业，款项已到账")
    done.get_by_role("button", name="验收销号").click()
    expect(office.locator(".page-head")).to_contain_text("已销号")
    shoot(office, "supervision-problem-closed")

    # The statistics count it closed, and the figure opens the problem behind it.
    office.goto(f"{base}/supervision/stats/")
    figure = office.locator(".stats-strip div").filter(has_text="销号").first
    expect(figure.locator("dd")).to_have_text("1")
    figure.locator("a").click()
    expect(office.get_by_role("link", name=problem.title)).to_be_visible()

    # The enterprise reads the result on its own ticket.
    enterprise = open_as("enterprise")
    enterprise.goto(f"{base}/my/tickets/{ticket.pk}/")
    expect(enterprise.locator("body")).to_contain_text("督查问题已整改销号")
    expect(enterprise.locator("body")).to_contain_text("经回访企业，款项已到账")
