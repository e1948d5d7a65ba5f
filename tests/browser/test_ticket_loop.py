"""The closed loop through the real pages in Debian chromium, one browser context per person:

(a) the enterprise submits online with a PDF → the operator registers and dispatches (keyboard
    only) → the department handler signs and replies → the desk lead accepts the reply → the
    operator calls back (satisfied) → closed; the enterprise reads its timeline and rates.
(b) the handler asks to return the ticket with a legal basis, the desk lead approves, the
    operator dispatches to another department, whose handler asks for 5 more working days;
    the desk lead approves and the new reply deadline shows on the page.

Every page runs under the strict CSP; a console error or a script error fails the test.
Screenshots of the key pages go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from qitong.accounts.roles import Role
from qitong.core.workdays import add_working_days, load_calendar
from qitong.tickets.models import Attachment, Ticket
from qitong.tickets.states import TicketState as S
from tests import factories
from tests.browser.support import CHROMIUM
from tests.ticket_factories import ticket_in_state

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def state_badge(page: Page) -> Any:
    return page.locator(".ticket-head__meta .badge--state")


def open_from_queue(page: Page, base: str, home: str, queue: str, number: str) -> None:
    """Go home, find the ticket in the named queue and open it."""
    page.goto(f"{base}{home}")
    section = page.locator(f"[data-queue='{queue}']") if queue else page.locator("#dept-inbox")
    link = section.get_by_role("link", name=number)
    expect(link).to_be_visible()
    link.click()
    expect(page.locator(".ticket-head__number")).to_have_text(number)


def action(page: Page, name: str) -> Any:
    return page.locator(f"details[data-action='{name}']")


def test_the_whole_loop_across_four_roles(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    base = live_server.url
    world = live_world

    # The enterprise submits online, with a PDF, from its portal (Alt+2 = 提交诉求).
    ent = open_as("enterprise")
    ent.keyboard.press("Alt+2")
    expect(ent.get_by_role("heading", level=1)).to_have_text("提交诉求")
    expect(ent.get_by_label("联系电话")).to_have_value("13800000001")  # prefilled
    ent.get_by_label("诉求类型").select_option("complaint")
    expect(ent.locator("[data-problem-field]")).to_be_hidden()
    ent.get_by_label("诉求分类").select_option("enforcement.inspection")
    ent.get_by_label("诉求内容").fill("今年以来同一事项被不同部门重复检查 5 次，影响正常生产。")
    ent.get_by_label("联系人", exact=True).fill("李四")
    ent.get_by_label("附件").set_input_files(
        [{"name": "检查记录.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shoot(ent, "loop-01-enterprise-submit")
    ent.get_by_role("button", name="提交诉求").click()
    ent.wait_for_url(re.compile(r"/my/tickets/\d+/$"))
    expect(ent.locator(".messages")).to_contain_text("诉求已提交")
    ticket = Ticket.objects.get()
    number = ticket.number
    assert ticket.state == S.SUBMITTED and ticket.channel == "web"
    assert Attachment.objects.get(ticket=ticket).original_name == "检查记录.pdf"
    expect(state_badge(ent)).to_have_text("已提交，等待受理")
    expect(ent.locator(".files")).to_contain_text("检查记录.pdf")
    shoot(ent, "loop-02-enterprise-submitted")

    # The operator finds it among 待受理, registers with Enter, dispatches with the keyboard.
    op = open_as("operator")
    open_from_queue(op, base, "/desk/", "submitted", number)
    register = op.get_by_role("button", name="受理", exact=True)
    expect(register).to_be_focused()  # the first action has the focus
    op.keyboard.press("Enter")
    expect(state_badge(op)).to_have_text("已受理")
    expect(op.locator("[data-flash]")).to_contain_text("已受理")
    action(op, "dispatch").locator("summary").click()
    dept_filter = action(op, "dispatch").locator(".filter-input").first
    expect(dept_filter).to_be_focused()
    dept_filter.fill("市场监督")
    expect(op.locator("#id_dispatch-department")).to_have_value(str(world.dept.pk))
    shoot(op, "loop-03-operator-dispatch")
    op.keyboard.press("Control+Enter")
    expect(state_badge(op)).to_have_text("待签收")
    expect(op.locator(".ticket-side")).to_contain_text(world.dept.name)

    # The department handler signs in its inbox and replies.
    handler = open_as("handler")
    expect(handler.locator(".tabs__tab[aria-current='true']")).to_contain_text("待签收 1")
    open_from_queue(handler, base, "/department/", "", number)
    expect(handler.locator(".ticket-side")).to_contain_text(world.ent.name)  # not confidential
    handler.get_by_role("button", name="签收", exact=True).click()
    expect(state_badge(handler)).to_have_text("办理中")
    reply = action(handler, "reply")
    reply.locator("summary").click()
    reply.get_by_label("已解决", exact=True).check()
    reply.get_by_label("答复说明").fill(
        "已协调市场监管、应急管理部门合并检查，今后按“双随机”每年一次。"
    )
    shoot(handler, "loop-04-handler-reply")
    reply.get_by_role("button", name="答复").click()
    expect(state_badge(handler)).to_have_text("待审核")

    # The desk lead accepts the reply from its review queue.
    lead = open_as("desk_lead")
    open_from_queue(lead, base, "/desk/", "replied", number)
    accept = action(lead, "accept_reply")
    accept.locator("summary").click()
    accept.get_by_label("审核意见").fill("答复完整，同意。")
    accept.get_by_role("button", name="审核通过").click()
    expect(state_badge(lead)).to_have_text("待回访")

    # The operator calls back: very satisfied, resolved → closed.
    open_from_queue(op, base, "/desk/", "callback", number)
    callback = action(op, "callback")
    callback.locator("summary").click()
    callback.get_by_label("非常满意").check()
    callback.get_by_label("已解决").check()
    callback.get_by_label("回访记录").fill("企业表示检查次数已明显减少。")
    shoot(op, "loop-05-operator-callback")
    callback.get_by_role("button", name="回访").click()
    expect(state_badge(op)).to_have_text("已办结")
    shoot(op, "loop-06-operator-closed")

    # The enterprise reads its timeline (public steps only, no staff names) and rates.
    ent.reload()
    expect(state_badge(ent)).to_have_text("已办结")
    timeline = ent.locator(".timeline")
    for step in ("诉求已提交", "专席已受理", "已转承办单位办理", "承办单位已签收", "专席已回访"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text(world.dept.name)
    page_text = ent.locator("#ticket-detail").inner_text()
    for internal in ("答复完整，同意", "企业表示检查次数", "话务员", "承办人", "班长", "desklead"):
        assert internal not in page_text, internal
    expect(ent.locator(".card--reply")).to_contain_text("双随机")
    rate = action(ent, "rate")
    rate.locator("summary").click()
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_label("评价意见").fill("处理及时。")
    rate.get_by_role("button", name="评价").click()
    expect(ent.locator("[data-flash]")).to_contain_text("已评价")
    expect(ent.locator(".ticket-side")).to_contain_text("我的评价")
    expect(action(ent, "rate")).to_have_count(0)  # rated once
    shoot(ent, "loop-07-enterprise-rated")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.satisfaction, ticket.enterprise_rating) == (S.CLOSED, 5, 4)

    # The enterprise's list shows the appeal in plain words.
    ent.goto(f"{base}/my/")
    expect(ent.locator("table")).to_contain_text(number)
    expect(ent.locator("table")).to_contain_text("已办结")
    shoot(ent, "loop-08-enterprise-list")


def test_return_redispatch_and_extension(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    base = live_server.url
    world = live_world
    tax = factories.department("呼和浩特市税务局", world.hohhot)
    factories.user("tax_handler", Role.HANDLER, department=tax)
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    number = ticket.number

    # The handler asks to return the ticket; the legal basis is required.
    handler = open_as("handler")
    handler.goto(f"{base}/department/?tab=in_progress")
    handler.locator("#dept-inbox").get_by_role("link", name=number).click()
    ask = action(handler, "request_return")
    ask.locator("summary").click()
    ask.get_by_label("退单理由").fill("涉税事项不属于市场监管部门职责。")
    ask.get_by_role("button", name="申请退单").click()
    expect(ask.locator("#err-id_request_return-legal_basis")).to_have_text(
        "请填写退单依据（法律法规或职责文件）"
    )
    expect(ask.get_by_label("退单依据")).to_be_focused()
    ticket.refresh_from_db()
    assert ticket.pending_request == ""  # nothing changed
    ask.get_by_label("退单依据").fill(
        "《呼和浩特市市场监督管理局职能配置、内设机构和人员编制规定》"
    )
    handler.keyboard.press("Control+Enter")
    expect(handler.locator(".card--pending")).to_contain_text("退单申请")
    shoot(handler, "return-01-handler-requests")

    # The desk lead approves from its queue; the ticket waits for a new dispatch.
    lead = open_as("desk_lead")
    open_from_queue(lead, base, "/desk/", "requests", number)
    expect(lead.locator(".card--pending")).to_contain_text("职能配置")
    approve = action(lead, "approve_return")
    approve.locator("summary").click()
    approve.get_by_role("button", name="同意退单").click()
    expect(state_badge(lead)).to_have_text("已受理")

    # The operator dispatches to the tax bureau, typing to filter the departments.
    op = open_as("operator")
    open_from_queue(op, base, "/desk/", "registered", number)
    dispatch = action(op, "dispatch")
    dispatch.locator("summary").click()
    dispatch.locator(".filter-input").first.fill("税务")
    expect(op.locator("#id_dispatch-department")).to_have_value(str(tax.pk))
    op.keyboard.press("Control+Enter")
    expect(state_badge(op)).to_have_text("待签收")
    ticket.refresh_from_db()
    assert ticket.lead_department_id == tax.pk

    # The tax bureau signs and asks for 5 more working days.
    tax_handler = open_as("tax_handler")
    open_from_queue(tax_handler, base, "/department/", "", number)
    tax_handler.get_by_role("button", name="签收", exact=True).click()
    expect(state_badge(tax_handler)).to_have_text("办理中")
    ticket.refresh_from_db()
    before = ticket.due_reply_at
    assert before is not None
    extend = action(tax_handler, "request_extension")
    extend.locator("summary").click()
    extend.get_by_label("延期工作日数").fill("5")
    extend.get_by_label("延期理由").fill("需调取近三年纳税记录核实。")
    extend.get_by_role("button", name="申请延期").click()
    expect(tax_handler.locator(".card--pending")).to_contain_text("5 个工作日")

    # The desk lead approves; the new reply deadline is on the page.
    lead.goto(f"{base}/tickets/{ticket.pk}/")
    approve = action(lead, "approve_extension")
    approve.locator("summary").click()
    approve.get_by_label("审批意见").fill("同意延期。")
    approve.get_by_role("button", name="同意延期").click()
    expect(lead.locator("[data-flash]")).to_contain_text("已同意延期")
    expected = add_working_days(before, 5, load_calendar())
    ticket.refresh_from_db()
    assert ticket.due_reply_at == expected and ticket.extension_days == 5
    reply_row = lead.locator(".table--deadlines tr", has_text="答复")
    expect(reply_row).to_contain_text(timezone.localtime(expected).strftime("%Y-%m-%d %H:%M"))
    expect(reply_row).not_to_contain_text(timezone.localtime(before).strftime("%Y-%m-%d"))
    expect(lead.locator(".ticket-side")).to_contain_text("已延期5 个工作日")
    shoot(lead, "return-02-extension-approved")


def _busy_desk(world: factories.World) -> dict[str, Ticket]:
    """Tickets in every queue of the Hohhot desk, each reached by the real transitions."""
    from qitong.core import clock
    from tests.ticket_factories import act, file_by_phone, submit_online

    made: dict[str, Ticket] = {}
    with clock.frozen(clock.now() - dt.timedelta(days=3)):
        made["overdue"] = file_by_phone(world, content="申请留抵退税三个月仍未到账，请协调。")
    made["submitted"] = submit_online(world, content="新建厂房用电报装排期过长，影响投产。")
    made["urgent"] = file_by_phone(world, urgency="urgent", content="停工待检，急需现场核查。")
    made["dispatched"] = ticket_in_state(world, S.DISPATCHED)
    secret = submit_online(
        world,
        type="problem_report",
        problem_category="broken_promise",
        category="policy.promise",
        content="招商引资时承诺的厂房租金补贴两年未兑现。",
    )
    for step, role, data in [
        ("register", "operator", {}),
        ("dispatch", "operator", {"department": world.dept.pk}),
    ]:
        secret = act(world, secret, step, role, **data)
    made["confidential"] = secret
    extension = ticket_in_state(world, S.IN_PROGRESS)
    made["extension"] = act(
        world, extension, "request_extension", "handler", days=3, reason="需现场核查"
    )
    made["replied"] = ticket_in_state(world, S.REPLIED)
    made["callback"] = ticket_in_state(world, S.AWAITING_CALLBACK)
    made["specialist"] = ticket_in_state(world, S.WITH_SPECIALIST)
    return made


def test_desk_intake_by_keyboard_and_the_queues(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    base = live_server.url
    world = live_world
    made = _busy_desk(world)
    before = Ticket.objects.count()

    op = open_as("operator")
    expect(op.locator("[data-queue='warning']")).to_contain_text(made["overdue"].number)
    expect(op.locator("[data-queue='warning'] .due--red")).to_have_count(1)
    expect(op.locator("[data-queue='submitted']")).to_contain_text(made["submitted"].number)
    shoot(op, "desk-01-operator-queues")

    # "/" → type part of the name → ↓ → Enter: the caller is picked into the intake form.
    op.keyboard.press("/")
    op.keyboard.type("测试科技")
    expect(op.locator("#caller-results")).to_contain_text(world.ent.name)
    op.keyboard.press("ArrowDown")
    expect(op.locator("#caller-results [data-pick]").first).to_be_focused()
    op.keyboard.press("Enter")
    expect(op.locator("#id_credit_code")).to_have_value(world.ent.credit_code)
    expect(op.locator("#intake-picked")).to_contain_text(world.ent.name)
    expect(op.get_by_label("诉求类型")).to_be_focused()

    # Ctrl+Enter with the content missing: errors beside the fields, no reload, nothing filed.
    op.keyboard.press("Control+Enter")
    expect(op.locator("#err-id_category")).to_have_text("请选择诉求分类")
    expect(op.locator("#err-id_content")).to_have_text("请填写诉求内容")
    expect(op.get_by_label("诉求分类")).to_be_focused()  # the first field in error
    expect(op.locator("#id_credit_code")).to_have_value(world.ent.credit_code)  # kept
    assert Ticket.objects.count() == before
    shoot(op, "desk-02-intake-errors")

    # 反映问题 shows its category and is confidential by default.
    op.get_by_label("诉求类型").select_option("problem_report")
    expect(op.locator("[data-problem-field]")).to_be_visible()
    expect(op.get_by_label("保密")).to_be_checked()
    op.get_by_label("诉求类型").select_option("consultation")
    expect(op.locator("[data-problem-field]")).to_be_hidden()
    expect(op.get_by_label("保密")).not_to_be_checked()

    op.get_by_label("诉求分类").select_option("tax.refund")
    op.get_by_label("联系电话").fill("13800000001")
    op.get_by_label("诉求内容").fill("咨询增值税留抵退税的申请条件和办理时限。")
    expect(op.locator("#err-id_content")).to_have_text("请填写诉求内容")  # until submitted
    op.get_by_role("button", name="登记工单").dblclick()  # a double click files ONE ticket
    filed = op.locator("[data-filed]")
    expect(filed).to_contain_text("已登记工单")
    expect(filed).to_be_focused()
    assert Ticket.objects.count() == before + 1
    new = Ticket.objects.order_by("-pk").first()
    assert new is not None and new.state == S.REGISTERED and new.channel == "phone"
    expect(filed).to_contain_text(new.number)
    expect(op.get_by_label("诉求内容")).to_have_value("")  # a fresh form
    expect(op.locator("[data-queue='registered']")).to_contain_text(new.number)  # refreshed
    shoot(op, "desk-03-filed")

    # 登记新企业 inline: the new enterprise becomes the caller.
    op.get_by_role("link", name="登记新企业").click()
    form = op.locator("#new-enterprise")
    code = factories.credit_code(region="150102")
    expect(form.get_by_label("统一社会信用代码")).to_be_focused()
    form.get_by_label("统一社会信用代码").fill(code)
    form.get_by_label("企业名称").fill("呼和浩特草原乳业有限公司")
    form.get_by_label("所在旗县市区").select_option("150102")
    form.get_by_label("行业门类").select_option("C")
    form.get_by_label("企业规模").select_option("medium")
    form.get_by_label("联系人").fill("王五")
    form.get_by_label("联系电话").fill("13912345678")
    shoot(op, "desk-04-new-enterprise")
    form.get_by_role("button", name="登记并选为来电企业").click()
    expect(form).to_contain_text("已登记企业")
    expect(op.locator("#id_credit_code")).to_have_value(code)
    expect(op.locator("#intake-picked")).to_contain_text("呼和浩特草原乳业有限公司")

    lead = open_as("desk_lead")
    expect(lead.locator("[data-queue='requests']")).to_contain_text(made["extension"].number)
    expect(lead.locator("[data-queue='replied']")).to_contain_text(made["replied"].number)
    shoot(lead, "desk-05-lead-queues")

    handler = open_as("handler")
    inbox = handler.locator("#dept-inbox")
    expect(inbox.locator(".tabs__tab[aria-current='true']")).to_contain_text("待签收 2")
    row = inbox.locator("tr", has_text=made["confidential"].number)
    expect(row).to_contain_text("保密工单")
    expect(row).not_to_contain_text(world.ent.name)
    shoot(handler, "dept-01-inbox")
    inbox.get_by_role("link", name="办理中").click()  # htmx tab, the URL follows
    handler.wait_for_url(re.compile(r"tab=in_progress"))
    expect(inbox).to_contain_text(made["extension"].number)
    row.page.goto(f"{base}/tickets/{made['confidential'].pk}/")
    expect(handler.locator(".ticket-side")).to_contain_text("保密工单")
    expect(handler.locator("#ticket-detail")).not_to_contain_text(world.ent.name)
    shoot(handler, "dept-02-confidential-ticket")

    specialist = open_as("specialist")
    expect(specialist.locator("table")).to_contain_text(made["specialist"].number)
    shoot(specialist, "specialist-01-queue")
