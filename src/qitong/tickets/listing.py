"""The staff ticket list: every filter a desk, a department or a supervisor needs, in the URL
(so a list is bookmarked and shared, and a dashboard figure links to the list behind it),
sorted and paged; the same filtered queryset is exported (tickets.exports).

The filters are a GET form: a bad value is named beside its field and filters nothing. Every
list reads through `tickets_visible_to` (and the search through its scope), so a filter can
only narrow what the reader may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import Department, Desk, Region, RegionLevel
from qitong.tickets.facts import BY_KEY, FACTS
from qitong.tickets.models import Category, Ticket
from qitong.tickets.queues import REMINDED
from qitong.tickets.search import ticket_search
from qitong.tickets.selectors import overdue, tickets_visible_to
from qitong.tickets.states import (
    CLOCK_RUNNING_STATES,
    FINAL_STATES,
    OPEN_STATES,
    Channel,
    TicketState,
    TicketType,
    Urgency,
)

PAGE_SIZE = 50
ANY = [("", "全部")]

SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "-created": ("登记时间（新→旧）", ("-created_at", "-id")),
    "created": ("登记时间（旧→新）", ("created_at", "id")),
    "due": ("当前时限（近→远）", (F("due_at").asc(nulls_last=True), "id")),
    "-updated": ("最近处理", ("-updated_at", "-id")),
    "-closed": ("办结时间（新→旧）", (F("closed_at").desc(nulls_last=True), "-id")),
}
STATE_GROUPS = [("open", "未办结（全部）"), ("final", "已结束（全部）")]
WARNINGS = [("red", "红色（已超期）"), ("yellow", "黄色（临近时限或被催办）"), ("green", "绿色")]
SATISFACTION = [
    ("satisfied", "满意及非常满意"),
    ("fair", "基本满意"),
    ("dissatisfied", "不满意及非常不满意"),
    ("unrated", "未评价"),
]
YES_NO = [("", "全部"), ("yes", "是"), ("no", "否")]


class OneOrMany(forms.Select):
    """A single select that also reads several values from the URL (a dashboard link may
    name two states); the page offers one at a time."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TicketListForm(forms.Form):
    """The list's filters (all optional). Choices that depend on the reader (departments, desks,
    盟市) are limited to what the reader may see."""

    q = forms.CharField(label="检索", required=False, max_length=100)
    state = forms.MultipleChoiceField(
        label="状态",
        required=False,
        choices=ANY + STATE_GROUPS + list(TicketState.choices),
        widget=OneOrMany,
    )
    type = forms.ChoiceField(label="诉求类型", required=False, choices=ANY + TicketType.choices)
    category = forms.ChoiceField(label="诉求分类", required=False)
    urgency = forms.ChoiceField(label="紧急程度", required=False, choices=ANY + Urgency.choices)
    channel = forms.ChoiceField(label="来源渠道", required=False, choices=ANY + Channel.choices)
    city = forms.ChoiceField(label="盟市", required=False)
    county = forms.RegexField(
        label="旗县市区代码",
        required=False,
        regex=r"^\d{6}$",
        error_messages={"invalid": "旗县市区代码应为 6 位数字，如 150781"},
    )
    department = forms.TypedChoiceField(
        label="主办单位", required=False, coerce=int, empty_value=None
    )
    desk = forms.TypedChoiceField(label="受理专席", required=False, coerce=int, empty_value=None)
    warning = forms.ChoiceField(label="预警", required=False, choices=ANY + WARNINGS)
    overdue = forms.ChoiceField(label="已超期", required=False, choices=YES_NO)
    replied_late = forms.ChoiceField(label="超期答复", required=False, choices=YES_NO)
    created_from = forms.DateField(label="登记日期从", required=False, widget=_date_input())
    created_to = forms.DateField(label="登记日期至", required=False, widget=_date_input())
    satisfaction = forms.ChoiceField(label="满意度", required=False, choices=ANY + SATISFACTION)
    fact = forms.MultipleChoiceField(
        label="统计口径",
        required=False,
        choices=[(f.key, f.label) for f in FACTS],
        widget=forms.MultipleHiddenInput,
    )
    sort = forms.ChoiceField(
        label="排序", required=False, choices=[(k, label) for k, (label, _) in SORTS.items()]
    )

    def __init__(self, data: QueryDict | dict[str, Any] | None, *, user: User, actor: Actor):
        super().__init__(data)
        self.actor = actor
        categories = Category.objects.filter(active=True).select_related("parent")
        self._choose(
            "category",
            [
                (c.code, f"{c.parent.name} › {c.name}" if c.parent else c.name)
                for c in categories.order_by("parent__sort_order", "sort_order", "code")
            ],
        )
        regions = Region.objects.filter(level=RegionLevel.CITY).order_by("code")
        departments = Department.objects.filter(active=True).order_by("region__code", "name")
        desks = Desk.objects.filter(active=True).order_by("region__code", "name")
        if actor.region_prefix:
            prefix = actor.region_prefix
            # a 盟市-level (or deeper) reader: its own 盟市 only
            regions = regions.filter(code__startswith=prefix[:4]) if len(prefix) >= 4 else regions
            departments = departments.filter(region__code__startswith=prefix)
            desks = desks.filter(region__code__startswith=prefix)
        self._choose("city", [(r.code, r.name) for r in regions])
        self._choose("department", [(d.pk, d.name) for d in departments])
        self._choose("desk", [(d.pk, d.name) for d in desks])
        if actor.role in DEPARTMENT_ROLES:  # a department's list is its own work
            for name in ("department", "desk", "city", "county"):
                del self.fields[name]

    def _choose(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = ANY + choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "结束日期不能早于开始日期")
        return cleaned

    FILTER_BAR = (
        "state", "type", "category", "urgency", "channel", "city", "county", "department", "desk",
        "warning", "overdue", "replied_late", "satisfaction", "created_from", "created_to",
    )  # fmt: skip

    def bar(self) -> list[forms.BoundField]:
        """The filters shown in the bar, in order (a department's list has no unit filters)."""
        return [self[name] for name in self.FILTER_BAR if name in self.fields]

    @property
    def active_count(self) -> int:
        """How many filters narrow the list (shown on the collapsed filter bar)."""
        if not self.is_valid():
            return 0
        return sum(
            1
            for k, v in self.cleaned_data.items()
            if k not in ("sort",) and v not in ("", None, [])
        )


@dataclass(frozen=True)
class Described:
    """The filters in words, for the page's title and the export's first line."""

    parts: list[str]

    def __str__(self) -> str:
        return "；".join(self.parts) if self.parts else "全部工单"


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, LOCAL_TZ)


def _warning_q(level: str, now: dt.datetime) -> Q:
    red = overdue(now)
    yellow = (
        Q(state__in=CLOCK_RUNNING_STATES, due_at__isnull=False, due_at__gte=now)
        & (Q(warn_at__lte=now) | REMINDED)
        & ~Q(state=TicketState.SUSPENDED)
    )
    return {"red": red, "yellow": yellow}.get(level, ~red & ~yellow)


def _states(values: list[str]) -> set[str]:
    states: set[str] = set()
    for value in values:
        if value == "open":
            states |= set(OPEN_STATES)
        elif value == "final":
            states |= set(FINAL_STATES)
        else:
            states.add(value)
    return states


def ticket_list(*, user: User, actor: Actor, filters: dict[str, Any]) -> QuerySet[Ticket]:
    """The tickets the reader may see that match `filters` (a valid TicketListForm's
    cleaned_data), in the chosen order."""
    q = (filters.get("q") or "").strip()
    qs = ticket_search(actor=actor, user=user, q=q) if q else tickets_visible_to(actor)
    now = clock.now()
    states = [s for s in filters.get("state") or [] if s]
    if states:
        qs = qs.filter(state__in=sorted(_states(states)))
    for name in ("type", "urgency", "channel"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("category"):
        code = filters["category"]
        qs = qs.filter(Q(category__code=code) | Q(category__parent__code=code))
    if filters.get("city"):
        qs = qs.filter(region_code__startswith=filters["city"][:4])
    if filters.get("county"):  # a county-level unit (a 计划单列市 such as 满洲里市)
        qs = qs.filter(region_code=filters["county"])
    if filters.get("department") is not None:
        qs = qs.filter(lead_department_id=filters["department"])
    if filters.get("desk") is not None:
        qs = qs.filter(desk_id=filters["desk"])
    if filters.get("warning"):
        qs = qs.filter(_warning_q(filters["warning"], now))
    if filters.get("overdue"):
        late = overdue(now)
        qs = qs.filter(late) if filters["overdue"] == "yes" else qs.exclude(late)
    if filters.get("replied_late"):  # answered after the reply deadline (考核: 超期答复)
        qs = qs.filter(replied_on_time=filters["replied_late"] != "yes")
    if filters.get("created_from"):
        qs = qs.filter(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        qs = qs.filter(created_at__lt=_day_start(filters["created_to"] + dt.timedelta(days=1)))
    satisfaction = filters.get("satisfaction")
    if satisfaction:
        qs = qs.filter(
            {
                "satisfied": Q(satisfaction__gte=4),
                "fair": Q(satisfaction=3),
                "dissatisfied": Q(satisfaction__lte=2),
                "unrated": Q(satisfaction__isnull=True),
            }[satisfaction]
        )
    for key in filters.get("fact") or []:
        qs = qs.filter(BY_KEY[key].q)
    return qs.order_by(*SORTS[filters.get("sort") or "-created"][1])


def describe(form: TicketListForm) -> Described:
    """The valid filters as the reader chose them, in words."""
    parts: list[str] = []
    if not form.is_valid():
        return Described(parts)
    for name, value in form.cleaned_data.items():
        if isinstance(value, list):
            value = [v for v in value if v]
        if name == "sort" or value in ("", None, []):
            continue
        field = form.fields[name]
        labels: dict[str, Any] = (
            {str(k): v for k, v in field.choices}  # type: ignore[misc,union-attr]
            if isinstance(field, forms.ChoiceField)
            else {}
        )
        if isinstance(value, list):
            shown = "、".join(str(labels.get(str(v), v)) for v in value)
        elif labels:
            shown = str(labels.get(str(value), value))
        elif isinstance(value, dt.date):
            shown = f"{value:%Y-%m-%d}"
        else:
            shown = str(value)
        parts.append(f"{field.label}：{shown}")
    return Described(parts)


def list_roles() -> tuple[str, ...]:
    """Who has the staff ticket list (the specialist works from its queue, the enterprise
    from its own appeals)."""
    return (
        Role.OPERATOR,
        Role.DESK_LEAD,
        Role.HANDLER,
        Role.DEPT_LEADER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.ADMIN,
    )


def list_url(**filters: object) -> str:
    """The list's URL for these filters (a dashboard figure links to the tickets behind it)."""
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "", [])}, doseq=True)
    return f"{reverse('tickets:list')}?{query}"
