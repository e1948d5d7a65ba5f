"""A quarter's assessment through the real pages in Debian chromium (issue 15): the assessor
creates and computes a round and opens it for review; 呼和浩特市's coordinator objects to its
survey score with the survey report; the assessor upholds it and the unit's score changes; the
round is published and its PDF downloads and shows the ranking in Chinese.

Every page runs under the strict CSP; a console error or a script error fails the test.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from tests import factories
from tests.browser.support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from qitong.appraisal.models import Round, RoundUnit
from tests.appraisal_factories import assessment
from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_compute_object_uphold_publish_and_download_the_report(
    open_as: OpenAs, live_server: object, live_world: factories.World, tmp_path: Any
) -> None:
    a = assessment(live_world)
    base = live_server.url  # type: ignore[attr-defined]
    evidence = tmp_path / "第三方满意度调查报告.pdf"
    evidence.write_bytes(PDF)

    # The assessor creates the quarter's round and computes it.
    office = open_as(a.office.username)
    office.goto(f"{base}/appraisal/")
    office.get_by_label("指标体系").select_option(str(a.scheme.pk))
    office.get_by_label("考核期间").fill(a.period)
    office.get_by_role("button", name="建立草稿").click()
    expect(office.locator(".page-head")).to_contain_text("草稿")
    office.locator("details[data-action='compute'] form").get_by_role(
        "button", name="计算得分"
    ).click()
    expect(office.locator(".page-head")).to_contain_text("已计算")
    expect(office.locator("#ranking")).to_contain_text("呼和浩特市")
    review = office.locator("details[data-action='open_review'] form")
    review.get_by_role("button", name="公示并受理异议").click()
    expect(office.locator(".page-head")).to_contain_text("公示复核中")
    rnd = Round.objects.get(period=a.period)
    before = RoundUnit.objects.get(round=rnd, unit=a.hohhot).total

    # 呼和浩特市 sees only its own scorecard and objects with the survey report.
    unit = open_as("supervisor")
    unit.goto(f"{base}/appraisal/")
    unit.get_by_role("link", name="查看本单位得分").click()
    expect(unit.locator("h1")).to_contain_text("呼和浩特市")
    expect(unit.locator("#computation")).to_contain_text("第三方满意度调查")
    form = unit.locator("#object form")
    form.get_by_label("异议指标").select_option("A2")
    form.get_by_label("异议理由").fill("第三方调查报告中本市得分 80 分，未录入。")
    form.get_by_label("本单位认为的数值").fill("80")
    form.get_by_label("佐证材料").set_input_files(str(evidence))
    form.get_by_role("button", name="提交异议").click()
    expect(unit.locator(".alert--success")).to_contain_text("异议已提交")
    unit.goto(f"{base}/appraisal/rounds/{rnd.pk}/")
    expect(unit.locator("#ranking")).not_to_contain_text("包头市")

    # The assessor upholds it with the corrected value: the unit's score changes.
    office.reload()
    objection = office.locator("#objections article").first
    expect(objection).to_contain_text("第三方调查报告中本市得分 80 分")
    expect(objection).to_contain_text("第三方满意度调查报告.pdf")
    objection.locator("details[data-action='uphold'] summary").click()
    uphold = objection.locator("details[data-action='uphold'] form")
    uphold.get_by_label("核定数值").fill("80")
    uphold.get_by_label("处理意见").fill("经核对调查报告原件，异议成立。")
    uphold.get_by_role("button", name="异议成立").click()
    expect(office.locator(".alert--success")).to_contain_text("异议成立")
    after = RoundUnit.objects.get(round=rnd, unit=a.hohhot).total
    assert after > before
    expect(office.locator("#objections")).to_contain_text(f"{before} → {after}")
    unit.goto(f"{base}/appraisal/rounds/{rnd.pk}/units/{a.hohhot.pk}/")
    expect(unit.locator("#total")).to_have_text(str(after))

    # Published (before the window ends, with the reason), the PDF shows the ranking.
    publish = office.locator("details[data-action='publish'] form")
    publish.get_by_label("发布说明").fill("各单位均已确认，提前发布。")
    publish.get_by_role("button", name="发布结果").click()
    expect(office.locator(".page-head")).to_contain_text("已发布")
    shoot(office, "appraisal-round-published")
    with office.expect_download() as download:
        office.get_by_role("link", name="下载报告（PDF）").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "排名" in text and "呼和浩特市" in text and "包头市" in text
