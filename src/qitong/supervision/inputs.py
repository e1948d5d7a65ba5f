"""Typed input of the supervision records that are created rather than moved (a problem, an
activity, an accountability entry): the workflow core's field kinds, so the page, the API
(OpenAPI body) and the service agree on one rule and every bad field is named at once.
What needs the database (does the unit exist, is the activity in scope) the services check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from qitong.supervision.states import AccountabilityMeasure, ActivityKind, ProblemClass
from qitong.workflow.inputs import Choice, Day, Flag, Id, Input, Money, Ref, Refs, Text, Widget

CLASS_INVALID = "问题等级应为 A、B 或 C"


class ProblemIn(Input):
    activity: int | None = Ref("督查活动", required=False)
    ticket: int | None = Ref(
        "来源工单", required=False, hint="由工单转为问题（等同于工单的“转为督查问题”操作）"
    )
    unit_department: int | None = Ref("责任单位", missing="请选择责任单位")
    leader: str = Text("责任领导", required=False, rows=1, max_length=50)
    category: str = Text(
        "问题类别", rows=1, max_length=40, hint="问题类别编码，见 /supervision/categories"
    )
    problem_class: str | None = Choice(
        "问题等级", ProblemClass.choices, invalid=CLASS_INVALID, hint="A、B 或 C"
    )
    title: str = Text("问题标题", rows=1, max_length=200)
    description: str = Text("问题描述", rows=4, max_length=5000)
    amount: Decimal | None = Money("涉及金额", required=False)
    enterprises: list[int] = Refs("涉及企业", hint="已登记企业的编号")
    enterprise_names: str = Text("涉及企业（未登记）", required=False, rows=1, max_length=500)
    public: bool = Flag("可公开")
    confidential: bool = Flag("保密", hint="对责任单位隐藏企业身份")
    recurrence_of: int | None = Ref("反弹自（原问题）", required=False)
    hint: ClassVar[str] = "登记督查问题；交办后按等级计算整改时限。问题等级也可写作 class。"
    aliases: ClassVar[dict[str, str]] = {"class": "problem_class"}


class PromotedProblemIn(ProblemIn):
    """A problem registered from a ticket: what is not given comes from the ticket."""

    category: str = Text(
        "问题类别", required=False, rows=1, max_length=40, hint="不填沿用工单的问题类别"
    )
    title: str = Text("问题标题", required=False, rows=1, max_length=200, hint="不填沿用工单标题")
    description: str = Text(
        "问题描述", required=False, rows=4, max_length=5000, hint="不填为工单的诉求内容"
    )


class ActivityIn(Input):
    kind: str | None = Choice("活动类型", ActivityKind.choices)
    title: str = Text("活动名称", rows=1, max_length=200)
    organiser: str = Text("组织单位", rows=1, max_length=100)
    team: str = Text("督查组或受托机构", required=False, rows=1, max_length=200)
    starts_on: dt.date | None = Day("开始日期")
    ends_on: dt.date | None = Day("结束日期", required=False)
    description: str = Text("说明", required=False, rows=3, max_length=5000)
    regions: list[str] = Field(
        default_factory=list,
        max_length=200,
        title="覆盖地区",
        description='区划代码列表，如 ["150200", "150221"]',
    )
    departments: list[Id] = Refs("覆盖单位", max_items=200)
    hint: ClassVar[str] = (
        "督查活动：明查暗访、专项督查、日常调度、第三方评估、巡视巡察、12345 数据分析。"
    )


class PersonIn(Input):
    name: str = Text("姓名", rows=1, max_length=30)
    position: str = Text("职务", required=False, rows=1, max_length=100)


class EnterpriseNameIn(Input):
    name: str = Text("企业名称", rows=1, max_length=200)
    consented: bool = Flag("同意公开名称")


CONSENT_MARK = "（同意公开）"


def _person_lines(raw: object) -> object:
    """A page's text area: one person per line, "姓名 职务"."""
    if not isinstance(raw, str):
        return raw
    out = []
    for line in raw.splitlines():
        name, _, position = line.strip().partition(" ")
        if name:
            out.append({"name": name, "position": position.strip()})
    return out


def _enterprise_lines(raw: object) -> object:
    """One enterprise per line; "（同意公开）" after the name when it agreed to be named."""
    if not isinstance(raw, str):
        return raw
    out = []
    for line in raw.splitlines():
        text = line.strip()
        if text:
            consented = text.endswith(CONSENT_MARK)
            out.append({"name": text.removesuffix(CONSENT_MARK).strip(), "consented": consented})
    return out


class EntryIn(Input):
    quarter: str = Text("季度", rows=1, max_length=6, hint="如 2026Q3")
    region: str = Text("所属地区", rows=1, max_length=6, hint="区划代码")
    department: int | None = Ref("被问责单位", required=False)
    unit_name: str = Text(
        "被问责单位名称", required=False, rows=1, max_length=100, hint="不填取单位名称"
    )
    summary: str = Text("问题概要", rows=4, max_length=5000)
    measure: str | None = Choice("问责方式", AccountabilityMeasure.choices)
    decided_on: dt.date | None = Day("问责日期")
    problems: list[int] = Refs("关联问题", max_items=50)
    persons: Annotated[
        list[PersonIn],
        BeforeValidator(_person_lines),
        Widget("textarea", "被问责人员", rows=3, hint="每行一人：姓名 职务", record=True),
    ] = Field(
        default_factory=list,
        max_length=50,
        title="被问责人员",
        description="公开时只显示姓氏加“某”；页面上每行一人：姓名 职务",
    )
    enterprises: Annotated[
        list[EnterpriseNameIn],
        BeforeValidator(_enterprise_lines),
        Widget(
            "textarea", "涉及企业", rows=2, hint="每行一家；同意公开的加“（同意公开）”", record=True
        ),
    ] = Field(
        default_factory=list,
        max_length=50,
        title="涉及企业",
        description="未同意公开的显示为“某企业”；页面上每行一家，同意公开的在名称后加“（同意公开）”",
    )
    public: bool = Flag("公开")
    corrects: int | None = Ref("更正的记录", required=False, hint="更正已发布的记录时填写其编号")
    hint: ClassVar[str] = "问责记录发布后不可修改，更正须新建记录并引用原记录。"

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, value: str) -> str:
        if value and quarter_bounds(value) is None:
            raise PydanticCustomError("quarter", "季度格式应为 2026Q3（年份加 Q1–Q4）")
        return value.upper()


def quarter_bounds(code: str) -> tuple[dt.date, dt.date] | None:
    """2026Q3 → (2026-07-01, 2026-09-30); None if it is not a quarter."""
    text = code.strip().upper()
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        return None
    year, q = int(text[:4]), int(text[5])
    if not 2000 <= year <= 2099:
        return None
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def as_dict(model: Any) -> dict[str, Any]:
    return dict(model.model_dump())
