"""The registry's figures as a workbook: the six KPIs, by zone, by item, by month, and the
coverage matrix (the same figures as the page and the API)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from qitong.area_assessments.stats import Stats

GAP = PatternFill("solid", fgColor="FDE2E2")


def stats_workbook(s: Stats, matrix: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标"
    ws.append([f"区域评估成果统计 {s.start:%Y-%m-%d} 至 {s.end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=13)
    t = s.total
    for label, value in (
        ("发布成果（项）", t.published),
        ("汇聚至审批管理系统（项）", t.collected),
        ("应用成果的项目（个）", t.projects),
        ("应用次数", t.uses),
        ("覆盖投资（亿元）", float(t.investment_yi)),
        ("节省费用（万元）", float(t.saved_wan)),
        ("节省时间（日）", t.saved_days),
    ):
        ws.append([label, value])
    ws.column_dimensions["A"].width = 28
    zones = wb.create_sheet("按园区")
    zones.append(
        [
            "开发区（园区）",
            "所在地区",
            "级别",
            "发布",
            "汇聚",
            "项目",
            "应用",
            "覆盖投资（亿元）",
            "节省费用（万元）",
        ]
    )
    for r in s.by_zone:
        z = r["zone"]
        zones.append([z["name"], z["region"], z["level"], r["published"], r["collected"], r["projects"], r["uses"],
                      float(r["investment_yi"]), float(r["saved_wan"])])  # fmt: skip
    zones.column_dimensions["A"].width = 30
    types = wb.create_sheet("按事项")
    types.append(["评估事项", "发布", "汇聚", "项目", "应用", "节省费用（万元）"])
    for r in s.by_type:
        types.append(
            [
                r["type"]["name"],
                r["published"],
                r["collected"],
                r["projects"],
                r["uses"],
                float(r["saved_wan"]),
            ]
        )
    months = wb.create_sheet("按月")
    months.append(["月份", "发布成果", "应用次数"])
    for m in s.by_month:
        months.append([m["month"], m["published"], m["uses"]])
    cover = wb.create_sheet("覆盖情况")
    cover.append([f"截至 {matrix['day']} 各园区有效成果（空白为缺少）"])
    cover.append(["开发区（园区）", "所在地区", *(t["name"] for t in matrix["types"]), "缺少项数"])
    for row in matrix["rows"]:
        cells = [f"至 {c['valid_until']}" if c else "" for c in row["cells"]]
        cover.append([row["zone"]["name"], row["zone"]["region"], *cells, row["missing"]])
        for i, c in enumerate(row["cells"]):
            if c is None:
                cover.cell(row=cover.max_row, column=3 + i).fill = GAP
    cover.column_dimensions["A"].width = 30
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
