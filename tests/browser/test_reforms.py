"""A progress report's cycle through the real pages in Debian chromium (issue 12): a 盟市
coordinator files a report with evidence, the region's verifier returns it, the coordinator
corrects and resubmits, the verifier accepts; the grid cell and the unit's rank follow.

Every page runs under the strict CSP; a console error or a script error fails the test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from qitong.reforms.models import Report
from tests import factories
from tests.browser.support import CHROMIUM
from tests.reform_factories import reforms

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_report_is_filed_returned_corrected_and_accepted_and_the_grid_follows(
    open_as: OpenAs, live_server: object, live_world: factories.World, tmp_path: object
) -> None:
    today = dt.date.today()
    r = reforms(
        live_world,
        starts=today.replace(day=1),
        deadline=today + dt.timedelta(days=200),
    )
    base = live_server.url  # type: ignore[attr-defined]
    item = r.item(0, r.hohhot)
    evidence = tmp_path / "实施细则.pdf"  # type: ignore[operator]
    evidence.write_bytes(PDF)

    # The coordinator (Hohhot's) opens its home, then the task, and files 100 % with a PDF.
    unit = open_as("supervisor")
    unit.goto(f"{base}/reforms/")
    expect(unit.locator("h1")).to_have_text("本单位改革任务")
    unit.locator("#due").get_by_role("link", name="3.0-001 任务1").click()
    form = unit.locator("details[data-action='report'] form")
    form.get_by_label("进度", exact=False).first.fill("120")
    form.get_by_label("本期工作").fill("出台实施细则并全面推行")
    form.get_by_role("button", name="报送进度").click()
    expect(unit.locator(".field__error").first).to_contain_text("进度应为 0 到 100 之间的整数")
    form = unit.locator("details[data-action='report'] form")
    expect(form.get_by_label("本期工作")).to_have_value("出台实施细则并全面推行")  # kept
    form.get_by_label("进度", exact=False).first.fill("100")
    form.get_by_label("申报完成").check()
    form.get_by_label("佐证材料").set_input_files(str(evidence))
    form.get_by_role("button", name="报送进度").click()
    expect(unit.locator(".alert--success")).to_contain_text("已报送进度")
    expect(unit.locator(".rf-report").first).to_contain_text("待审核")
    expect(unit.get_by_role("link", name="实施细则.pdf")).to_be_visible()

    # The verifier returns it from the review queue, with the reason.
    office = open_as(r.office.username)
    office.goto(f"{base}/reforms/reviews/")
    card = office.locator(".rf-review").first
    expect(card).to_contain_text("3.0-001")
    card.locator("details[data-action='return'] summary").click()
    card.get_by_label("退回理由").fill("请补充验收材料")
    card.get_by_role("button", name="退回").click()
    expect(office.locator(".alert--success")).to_contain_text("报告已退回")

    # The coordinator corrects (the figures are there to correct) and resubmits.
    unit.goto(f"{base}/reforms/unit-tasks/{item.pk}/")
    expect(unit.locator(".rf-report").first).to_contain_text("请补充验收材料")
    resubmit = unit.locator("details[data-action='resubmit'] form")
    unit.locator("details[data-action='resubmit'] summary").click()
    expect(resubmit.get_by_label("进度", exact=False).first).to_have_value("100")
    resubmit.get_by_label("本期工作").fill("出台实施细则并全面推行，补充验收报告")
    resubmit.get_by_role("button", name="修改重报").click()
    expect(unit.locator(".alert--success")).to_contain_text("已修改重报")

    # The verifier accepts; the grid cell turns done and Hohhot ranks first.
    office.goto(f"{base}/reforms/reviews/")
    card = office.locator(".rf-review").first
    card.locator("details[data-action='accept'] summary").click()
    card.get_by_role("button", name="审核通过").click()
    expect(office.locator(".alert--success")).to_contain_text("报告已审核通过")
    report = Report.objects.get(unit_task=item)
    assert (report.state, report.returned_count) == ("accepted", 1)

    office.goto(f"{base}/reforms/plans/{r.plan.pk}/grid/")
    cell = office.locator(f"td.rf-cell a[href='/reforms/unit-tasks/{item.pk}/']")
    expect(cell).to_have_text("100")
    expect(
        office.locator(f"td.rf-cell--done a[href='/reforms/unit-tasks/{item.pk}/']")
    ).to_be_visible()
    shoot(office, "reforms-grid")
    office.goto(f"{base}/reforms/plans/{r.plan.pk}/stats/")
    first = office.locator("[data-ranking] tbody tr").first
    expect(first).to_contain_text(r.hohhot.name)
    expect(first.locator("td").first).to_have_text("1")
    second = office.locator("[data-ranking] tbody tr").nth(1)
    expect(second.locator("td").first).to_have_text("2")
