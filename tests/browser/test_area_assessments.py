"""A regional assessment result's way through the real pages in Debian chromium (issue 16): a
department publishes a result, the data bureau marks it collected, an enterprise finds it for
its project's zone on the public page, the approving department records a use, and the KPIs
change.

Every page runs under the strict CSP; a console error or a script error fails the test.
"""

from __future__ import annotations

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

from qitong.area_assessments.models import Result
from tests.area_factories import registry
from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_publish_collect_find_use_and_count(
    open_as: OpenAs, live_server: object, live_world: factories.World, tmp_path: Any
) -> None:
    reg = registry(live_world)
    base = live_server.url  # type: ignore[attr-defined]
    report = tmp_path / "区域环评批复.pdf"
    report.write_bytes(PDF)
    body = reg.body()

    # The approving department enters and publishes the result.
    dept = open_as("handler")
    dept.goto(f"{base}/area-assessments/results/new/")
    dept.get_by_label("开发区（园区）").select_option(str(reg.hohhot_zone.pk))
    dept.get_by_label("评估事项").select_option(str(reg.items["environment"].pk))
    for label, key in (("成果名称", "title"), ("委托单位", "commissioned_by"), ("评估机构", "assessed_by"),
                       ("批复文号", "document_number"), ("批复日期", "approved_on"), ("有效期至", "valid_until"),
                       ("适用条件", "conditions")):  # fmt: skip
        dept.get_by_label(label, exact=True).fill(body[key])
    dept.get_by_label("成果文件（批复、评估报告）").set_input_files(str(report))
    dept.get_by_role("button", name="保存").click()
    expect(dept.locator(".page-head")).to_contain_text("草稿")
    dept.locator("details[data-action='publish'] form").get_by_role("button", name="公示").click()
    expect(dept.locator(".page-head")).to_contain_text("已公示")
    result = Result.objects.get()

    # The data bureau reads it in its list and marks it collected.
    bureau = open_as(reg.bureau.username)
    bureau.goto(f"{base}/area-assessments/results/{result.pk}/")
    form = bureau.locator("details[data-action='collect'] form")
    form.get_by_label("审批系统编号").fill("GCJS-2026-00001")
    form.get_by_role("button", name="标记已汇聚").click()
    expect(bureau.locator(".page-head")).to_contain_text("已汇聚")
    bureau.goto(f"{base}/area-assessments/stats/")
    uses_before = bureau.locator("#kpis div").filter(has_text="应用次数").locator("dd")
    expect(uses_before).to_contain_text("0")

    # The enterprise finds it for its project's location on the public page.
    enterprise = open_as("enterprise")
    enterprise.goto(f"{base}/public/area-assessments/")
    enterprise.get_by_label("或按建设地点：经度").fill("111.5")
    enterprise.get_by_label("纬度").fill("40.5")
    enterprise.get_by_role("button", name="查询").click()
    expect(enterprise.locator("main")).to_contain_text("呼和浩特经济技术开发区（按位置匹配）")
    expect(enterprise.locator("main")).to_contain_text("区内工业项目，不含化工、冶炼")
    expect(enterprise.get_by_role("link", name="区域环评批复.pdf")).to_be_visible()
    shoot(enterprise, "area-lookup")

    # The approving department records the project and its use.
    dept.goto(f"{base}/area-assessments/projects/new/")
    dept.get_by_label("投资项目代码").fill("2026-150102-13-03-000001")
    dept.get_by_label("项目名称").fill("乳制品深加工项目")
    dept.get_by_label("项目单位名称").fill("呼和浩特测试科技有限公司")
    dept.get_by_label("开发区（园区）").select_option(str(reg.hohhot_zone.pk))
    dept.get_by_label("总投资（万元）").fill("80000")
    dept.get_by_role("button", name="保存").click()
    expect(dept.locator(".alert--success")).to_contain_text("已登记项目")
    dept.get_by_label("评估成果").select_option(str(result.pk))
    dept.get_by_label("项目", exact=True).select_option(index=1)
    dept.get_by_label("服务的审批事项").fill("环评审批")
    dept.get_by_label("节省时间（日）").fill("45")
    dept.get_by_label("节省费用（万元）").fill("18")
    dept.get_by_role("button", name="保存").click()
    expect(dept.locator(".alert--success")).to_contain_text("使用")

    # The KPIs change.
    bureau.reload()
    kpis = bureau.locator("#kpis")
    expect(kpis.locator("div").filter(has_text="应用次数").locator("dd")).to_contain_text("1")
    expect(kpis.locator("div").filter(has_text="覆盖投资").locator("dd")).to_contain_text("8.00")
    expect(kpis.locator("div").filter(has_text="节省费用").locator("dd")).to_contain_text("18.00")
    shoot(bureau, "area-stats")
