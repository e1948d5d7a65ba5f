"""A round's report: the PDF (a cover, the ranking, one page per unit with how each score was
reached; Chinese fonts embedded by WeasyPrint from the system's Noto CJK, docs/decisions/0012)
and the Excel workbook (every figure). Both read the same stored results as the pages and the
API, so the report of a published round never changes."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from qitong.appraisal import presenters
from qitong.appraisal.models import Round, RoundUnit
from qitong.appraisal.rules import Plan
from qitong.core import clock


def report_data(rnd: Round) -> dict[str, Any]:
    plan = Plan.of(presenters.plan_of(rnd))
    rows = list(rnd.units.select_related("unit").order_by("position"))
    return {
        "rnd": rnd,
        "plan": plan,
        "dimensions": plan.dimensions,
        "ranking": [
            {"row": r, "dims": [r.scores.get(d.code, {}).get("score") for d in plan.dimensions]}
            for r in rows
        ],
        "cards": [presenters.present_result(r, plan, ranked=True) for r in rows],
        "objections": list(rnd.objections.select_related("unit").order_by("filed_at")),
        "generated": clock.now(),
    }


def report_pdf(rnd: Round) -> bytes:
    from weasyprint import HTML

    html = render_to_string("appraisal/report.html", report_data(rnd))
    return bytes(HTML(string=html).write_pdf())


def _autosize(ws: Any, widths: dict[str, int]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[column].width = width


def report_xlsx(rnd: Round) -> bytes:
    data = report_data(rnd)
    dims = data["dimensions"]
    wb = Workbook()
    ranking = wb.active
    assert ranking is not None
    ranking.title = "排名"
    ranking.append(
        [
            f"{rnd.scheme.name} {rnd.period}"
            + (f"（更正第 {rnd.version} 版）" if rnd.version > 1 else "")
        ]
    )
    ranking["A1"].font = Font(bold=True, size=14)
    ranking.append(
        [
            "排名",
            "单位",
            "总分",
            "等次",
            *(f"{d.name}（权重 {d.weight:g}）" for d in dims),
            "指标得分",
            "加分",
            "扣分",
        ]
    )
    for x in data["ranking"]:
        r: RoundUnit = x["row"]
        ranking.append(
            [
                r.rank or "—",
                r.name,
                float(r.total),
                r.grade,
                *x["dims"],
                float(r.weighted),
                float(r.bonus),
                float(r.deduction),
            ]
        )
    _autosize(ranking, {"A": 8, "B": 22})
    scores = wb.create_sheet("指标得分")
    scores.append(
        [
            "单位",
            "指标编码",
            "指标",
            "权重",
            "数据来源",
            "数值",
            "分子",
            "分母",
            "评分规则",
            "得分",
            "计算过程",
            "说明",
            "明细",
        ]
    )
    for card in data["cards"]:
        for i in card["indicators"]:
            scores.append(
                [card["unit"]["name"], i["code"], i["name"], i["weight"], i["source_label"], i["value"],
                 i["numerator"], i["denominator"], i["rule_text"], i["score"], i["explain"], i["note"], i["url"]]
            )  # fmt: skip
    _autosize(scores, {"A": 18, "C": 22, "E": 20, "I": 36, "K": 48, "M": 40})
    adjustments = wb.create_sheet("加减分")
    adjustments.append(["单位", "编码", "项目", "件数", "规则", "分值", "计算过程", "明细"])
    for card in data["cards"]:
        for a in card["adjustments"]:
            adjustments.append(
                [
                    card["unit"]["name"],
                    a["code"],
                    a["name"],
                    a["value"],
                    a["rule_text"],
                    a["points"],
                    a["explain"],
                    a["url"],
                ]
            )
    objections = wb.create_sheet("异议")
    objections.append(
        ["单位", "指标", "理由", "状态", "处理意见", "核定数值", "原总分", "核定后总分", "提出时间"]
    )
    for o in data["objections"]:
        objections.append(
            [o.unit.name, o.indicator, o.reason, o.get_state_display(), o.decision,
             None if o.corrected_value is None else float(o.corrected_value),
             None if o.old_total is None else float(o.old_total),
             None if o.new_total is None else float(o.new_total),
             o.filed_at.strftime("%Y-%m-%d %H:%M")]
        )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
