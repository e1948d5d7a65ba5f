"""Page forms of the supervision domain: the list's filters (into the shared ProblemFilter),
a new problem, a new activity, an accountability entry, and every problem action (the shared
schema form, with its choices from the database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from qitong.accounts.actor import Actor
from qitong.core.forms import MultipleFileField, ServiceForm
from qitong.directory.models import Department, Region, RegionLevel
from qitong.supervision.listing import ProblemFilter
from qitong.supervision.models import Problem, ProblemCategory
from qitong.supervision.states import (
    AccountabilityMeasure,
    ActivityKind,
    ProblemClass,
    ProblemSource,
    ProblemState,
)
from qitong.workflow.forms import SchemaForm
from qitong.workflow.inputs import Widget

ANY = [("", "全部")]
DATE = {"type": "date"}
YES_NO_ANY = [("", "全部"), ("true", "是"), ("false", "否")]


def departments_in_reach(actor: Actor) -> list[tuple[str, str]]:
    """The departments an office may make responsible: those of its region subtree."""
    qs = Department.objects.filter(active=True).select_related("region")
    if actor.region_prefix is not None:
        qs = qs.filter(region__code__startswith=actor.region_prefix)
    return [
        (str(d.pk), f"{d.name}（{d.region.name}）") for d in qs.order_by("region__code", "code")
    ]


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in ProblemCategory.objects.filter(active=True)]


def city_choices() -> list[tuple[str, str]]:
    cities = Region.objects.filter(level=RegionLevel.CITY).order_by("sort_order", "code")
    return [("1500", "自治区本级"), *((c.code[:4], c.name) for c in cities)]


def _day(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs=DATE),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD"},
    )


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


class ProblemFilterForm(forms.Form):
    q = forms.CharField(label="检索", required=False, max_length=100)
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            *ANY,
            ("open", "未销号（全部）"),
            ("final", "已结束（全部）"),
            *ProblemState.choices,
        ],
    )
    source = forms.ChoiceField(label="来源", required=False, choices=[*ANY, *ProblemSource.choices])
    unit = forms.ChoiceField(label="责任单位", required=False)
    region = forms.ChoiceField(label="地区", required=False)
    category = forms.ChoiceField(label="类别", required=False)
    problem_class = forms.ChoiceField(
        label="等级", required=False, choices=[*ANY, *ProblemClass.choices]
    )
    overdue = forms.ChoiceField(
        label="逾期",
        required=False,
        choices=[("", "全部"), ("true", "已逾期"), ("false", "未逾期")],
    )
    recurrence = forms.ChoiceField(label="问题反弹", required=False, choices=YES_NO_ANY)
    on_time = forms.ChoiceField(label="按时销号", required=False, choices=YES_NO_ANY)
    activity = forms.IntegerField(
        label="督查活动", required=False, widget=forms.HiddenInput, min_value=1
    )
    registered_from = _day("登记自")
    registered_to = _day("登记至")
    closed_from = _day("销号自")
    closed_to = _day("销号至")

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "unit", [*ANY, *units])
        set_choices(self, "region", [*ANY, *city_choices()])
        set_choices(self, "category", [*ANY, *category_choices()])
        # The list's links and the API name the class `class` (a Python word, hence renamed).
        self.fields["class"] = self.fields.pop("problem_class")
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = f"{field.label}没有这个选项：%(value)s"
            field.error_messages["invalid"] = (
                "日期格式应为 YYYY-MM-DD"
                if isinstance(field, forms.DateField)
                else f"{field.label}格式有误"
            )

    def problem_filter(self) -> ProblemFilter:
        c = self.cleaned_data
        return ProblemFilter(
            state=c.get("state") or "",
            source=c.get("source") or "",
            unit=c.get("unit") or "",
            region=c.get("region") or "",
            category=c.get("category") or "",
            problem_class=c.get("class") or "",
            overdue=_flag(c.get("overdue")),
            activity=c.get("activity"),
            recurrence=_flag(c.get("recurrence")),
            on_time=_flag(c.get("on_time")),
            registered_from=c.get("registered_from"),
            registered_to=c.get("registered_to"),
            closed_from=c.get("closed_from"),
            closed_to=c.get("closed_to"),
            q=(c.get("q") or "").strip(),
        )


class ProblemForm(ServiceForm):
    """A new problem (the service's ProblemIn says what is required)."""

    required_fields = ("unit_department", "category", "problem_class", "title", "description")
    activity = forms.ChoiceField(label="督查活动", required=False)
    unit_department = forms.ChoiceField(label="责任单位")
    leader = forms.CharField(label="责任领导", max_length=50)
    category = forms.ChoiceField(label="问题类别")
    problem_class = forms.ChoiceField(
        label="问题等级", choices=ProblemClass.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="问题标题", max_length=200)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 5}))
    amount = forms.CharField(
        label="涉及金额（元）",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    enterprise_names = forms.CharField(
        label="涉及企业", max_length=500, help_text="多个企业用顿号分隔"
    )
    recurrence_of = forms.CharField(
        label="反弹自（原问题编号）", max_length=20, help_text="如 WT2026-000123"
    )
    public = forms.BooleanField(label="可公开")
    confidential = forms.BooleanField(label="保密（对责任单位隐藏企业身份）")
    attachments = MultipleFileField(label="问题证据")

    def __init__(
        self, *args: Any, actor: Actor, activities: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "unit_department", [("", "请选择"), *departments_in_reach(actor)])
        self.fields["unit_department"].widget.attrs["data-filterable"] = ""
        set_choices(self, "category", [("", "请选择"), *category_choices()])
        set_choices(self, "activity", [("", "无（直接登记）"), *activities])

    def clean_recurrence_of(self) -> str:
        from qitong.supervision.models import parse_problem_number

        text = self.text("recurrence_of")
        if text and parse_problem_number(text) is None and not text.isdigit():
            raise forms.ValidationError("原问题编号格式应为 WT2026-000123")
        return text

    def service_data(self) -> dict[str, Any]:
        from qitong.supervision.models import parse_problem_number

        c = self.cleaned_data
        data: dict[str, Any] = {
            name: c.get(name) or ""
            for name in (
                "unit_department",
                "leader",
                "category",
                "problem_class",
                "title",
                "description",
                "enterprise_names",
            )
        }
        data["unit_department"] = data["unit_department"] or None
        data["problem_class"] = data["problem_class"] or None
        if c.get("activity"):
            data["activity"] = c["activity"]
        if amount := self.text("amount"):
            data["amount"] = amount
        if number := self.text("recurrence_of"):
            data["recurrence_of"] = parse_problem_number(number) or number
        data["public"] = bool(c.get("public"))
        data["confidential"] = bool(c.get("confidential"))
        return data

    def uploads(self) -> list[Any]:
        return list(self.files.getlist("attachments")) if self.files else []


class ActivityForm(ServiceForm):
    required_fields = ("kind", "title", "organiser", "starts_on")
    kind = forms.ChoiceField(
        label="活动类型", choices=ActivityKind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="活动名称", max_length=200)
    organiser = forms.CharField(label="组织单位", max_length=100)
    team = forms.CharField(label="督查组或受托机构", max_length=200)
    starts_on = forms.CharField(label="开始日期", widget=forms.DateInput(attrs=DATE))
    ends_on = forms.CharField(label="结束日期", widget=forms.DateInput(attrs=DATE))
    regions = forms.MultipleChoiceField(
        label="覆盖地区", widget=forms.SelectMultiple(attrs={"size": 6})
    )
    description = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label="活动材料（报告、通报）")

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level=RegionLevel.PROVINCE).order_by("code")
        if actor.region_prefix is not None:
            regions = regions.filter(code__startswith=actor.region_prefix)
        set_choices(self, "regions", [(r.code, r.name) for r in regions])

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        data = {
            k: c.get(k) or ""
            for k in ("kind", "title", "organiser", "team", "starts_on", "ends_on", "description")
        }
        data["kind"] = data["kind"] or None
        data["regions"] = list(c.get("regions") or [])
        return data

    def uploads(self) -> list[Any]:
        return list(self.files.getlist("attachments")) if self.files else []


class EntryForm(ServiceForm):
    """An accountability entry (new, or a draft corrected); persons and enterprises one per
    line, as the schema takes them from a page."""

    required_fields = ("quarter", "region", "summary", "measure", "decided_on")
    quarter = forms.CharField(label="季度", max_length=6, help_text="如 2026Q3")
    region = forms.ChoiceField(label="所属地区")
    unit_name = forms.CharField(label="被问责单位", max_length=100)
    summary = forms.CharField(label="问题概要", widget=forms.Textarea(attrs={"rows": 4}))
    measure = forms.ChoiceField(
        label="问责方式", choices=AccountabilityMeasure.choices, widget=forms.RadioSelect
    )
    decided_on = forms.CharField(label="问责日期", widget=forms.DateInput(attrs=DATE))
    persons = forms.CharField(
        label="被问责人员",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一人：姓名 职务（公开时只显示姓氏加“某”）",
    )
    enterprises = forms.CharField(
        label="涉及企业",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一家；企业同意公开名称的，在名称后加“（同意公开）”，否则公开为“某企业”",
    )
    problems = forms.CharField(label="关联问题编号", help_text="多个用空格分隔，如 WT2026-000123")
    public = forms.BooleanField(label="公开")
    corrects = forms.IntegerField(label="更正的记录", widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.order_by("code")
        if actor.region_prefix is not None:
            regions = regions.filter(code__startswith=actor.region_prefix)
        set_choices(self, "region", [("", "请选择"), *((r.code, r.name) for r in regions)])

    def service_data(self) -> dict[str, Any]:
        from qitong.supervision.models import parse_problem_number

        c = self.cleaned_data
        data: dict[str, Any] = {
            k: c.get(k) or ""
            for k in (
                "quarter",
                "region",
                "unit_name",
                "summary",
                "decided_on",
                "persons",
                "enterprises",
            )
        }
        data["measure"] = c.get("measure") or None
        data["public"] = bool(c.get("public"))
        numbers = self.text("problems").replace("，", " ").replace(",", " ").split()
        data["problems"] = [parse_problem_number(n) or n for n in numbers]
        if c.get("corrects"):
            data["corrects"] = c["corrects"]
        return data


def entry_initial(entry: Any) -> dict[str, Any]:
    from qitong.supervision.inputs import CONSENT_MARK

    return {
        "quarter": entry.quarter,
        "region": entry.region.code,
        "unit_name": entry.unit_name,
        "summary": entry.summary,
        "measure": entry.measure,
        "decided_on": entry.decided_on.isoformat(),
        "persons": "\n".join(
            f"{p.get('name', '')} {p.get('position', '')}".strip() for p in entry.persons
        ),
        "enterprises": "\n".join(
            e.get("name", "") + (CONSENT_MARK if e.get("consented") else "")
            for e in entry.enterprises
        ),
        "problems": " ".join(p.number for p in entry.problems.all()),
        "public": entry.public,
    }


# --- the problem's actions --------------------------------------------------------------------


class ProblemActionForm(SchemaForm):
    file_actions = frozenset(
        {"plan", "progress", "claim_done", "object", "escalate", "request_extension"}
    )
    files_field = "attachments"
    files_label = "材料"
    yes_no = {
        "decide_objection": (("yes", "异议成立（撤销问题）"), ("no", "异议不成立（继续整改）"))
    }

    def __init__(
        self, *args: Any, problem: Problem, actor: Actor, action: str, **kwargs: Any
    ) -> None:
        from qitong.supervision.transitions import PROBLEM

        self.problem, self.actor = problem, actor
        super().__init__(*args, transition=PROBLEM[action], version=problem.version, **kwargs)
        if action == "claim_done":
            self.fields[self.files_field].label = "整改完成佐证材料（必须）"
            self.fields[self.files_field].widget.attrs["aria-required"] = "true"
        if action == "plan" and problem.plan and not self.is_bound:
            self.initial.setdefault("plan", problem.plan)
            open_steps = problem.milestones.filter(superseded=False, done_on__isnull=True)
            self.initial.setdefault(
                "milestones", "\n".join(f"{m.due_on:%Y-%m-%d} {m.title}" for m in open_steps)
            )
        if action in ("assign", "reassign") and not self.is_bound:
            self.initial.setdefault("leader", problem.leader)


def _unit(form: ProblemActionForm, widget: Widget) -> forms.Field:
    choices = [
        (v, label)
        for v, label in departments_in_reach(form.actor)
        if v != str(form.problem.unit_department_id)
    ]
    field = forms.ChoiceField(
        label=widget.label, choices=[("", "请选择"), *choices], help_text=widget.hint
    )
    field.widget.attrs["data-filterable"] = ""
    return field


def _milestones(form: ProblemActionForm, widget: Widget) -> forms.Field:
    open_steps = form.problem.milestones.filter(superseded=False, done_on__isnull=True)
    return forms.MultipleChoiceField(
        label=widget.label,
        choices=[(str(m.pk), f"{m.due_on:%Y-%m-%d} {m.title}") for m in open_steps],
        widget=forms.CheckboxSelectMultiple,
        help_text=widget.hint,
    )


ProblemActionForm.field_choices = {"unit_department": _unit, "done_milestones": _milestones}


def period_initial(today: dt.date) -> dict[str, str]:
    return {"from": dt.date(today.year, 1, 1).isoformat(), "to": today.isoformat()}
