"""Issue 11's must-show, in the browser: the desk finds a ticket by its number; a supervisor
filters the ticket list, exports it and the Excel has the rows; the callback step reveals the
phone and the auditor sees the view logged; a dashboard figure drills down to its list."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

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
from tests.ticket_factories import file_by_phone, ticket_in_state

pytestmark = pytest.mark.browser


def test_the_desk_finds_a_ticket_by_its_number(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    ticket = file_by_phone(live_world)
    page = open_as("operator")
    page.goto(f"{live_server.url}/desk/")
    page.keyboard.press("/")
    page.locator("#caller-q").press_sequentially(ticket.number.lower(), delay=20)
    results = page.locator("#caller-results")
    expect(results).to_contain_text(ticket.number)
    results.get_by_role("link", name=ticket.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)


def test_a_supervisor_filters_the_list_and_exports_it(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    closed = [ticket_in_state(live_world, S.CLOSED) for _ in range(2)]
    ticket_in_state(live_world, S.REGISTERED)
    page = open_as("supervisor")
    page.goto(f"{live_server.url}/tickets/")
    page.get_by_label("状态").select_option("closed")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("[data-total]")).to_have_text("2")
    assert "state=closed" in page.url  # the filter is in the address: bookmarkable
    for t in closed:
        expect(page.locator("table")).to_contain_text(t.number)
    shoot(page, "supervisor-ticket-list")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("导出 Excel")).click()
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][0] == "工单编号"
    assert sorted(r[0] for r in rows[2:]) == sorted(t.number for t in closed)


def test_the_callback_reveals_the_phone_and_the_auditor_sees_the_view(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    ticket = ticket_in_state(live_world, S.AWAITING_CALLBACK)
    page = open_as("operator")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    phone = page.locator("#contact-phone")
    expect(phone).to_contain_text("138****0001")
    phone.get_by_role("button", name="显示号码").click()
    expect(phone.get_by_role("link", name="13800000001")).to_have_attribute(
        "href", "tel:13800000001"
    )
    auditor = open_as("auditor")
    auditor.goto(f"{live_server.url}/audit/")
    auditor.get_by_role("link", name="查看工单完整电话").click()
    expect(auditor.locator("table")).to_contain_text("查看工单完整联系电话")
    expect(auditor.locator("table")).to_contain_text(ticket.number)


def test_a_dashboard_figure_drills_down_to_its_list(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    for _ in range(2):
        ticket_in_state(live_world, S.CLOSED)
    ticket_in_state(live_world, S.DISPATCHED)
    page = open_as("supervisor")
    page.goto(f"{live_server.url}/overview/")
    expect(page.locator(".chart canvas").first).to_be_visible()  # ECharts drew (vendored)
    strip = page.locator(".stats-strip")
    satisfied = strip.locator("div", has_text="满意率").get_by_role("link").first
    shown = satisfied.inner_text()
    satisfied.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工单列表")
    expect(page.locator("[data-total]")).to_have_text(shown)
    assert "fact=satisfied" in page.url
