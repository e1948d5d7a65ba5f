"""Scoped reads behind the role home pages (STYLE: every non-trivial read is a selector).

Nothing here counts tickets yet: the ticket app arrives in a later issue and the pages show
labelled empty states until then, never invented numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.urls import NoReverseMatch, reverse

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.directory.models import Department, Desk, Region, RegionLevel, Specialist
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.selectors import enterprise_search
from qitong.ledger.models import Event
from qitong.tickets.models import Ticket
from qitong.tickets.queues import QueueRow, queue_rows
from qitong.tickets.search import classify, ticket_search
from qitong.tickets.transitions import TICKET
from qitong.workflow.machine import MACHINES

CALLER_LOOKUP_MIN_LENGTH = 2
CALLER_LOOKUP_LIMIT = 20
CALLER_TICKET_LIMIT = 10


@dataclass(frozen=True)
class CallerLookup:
    query: str
    results: Sequence[Enterprise]
    truncated: bool
    too_short: bool
    # Tickets the query finds (a QT number the caller quotes, a credit code, words of an
    # appeal): the newest CALLER_TICKET_LIMIT, within the desk's scope (tickets.search), as
    # queue rows (tickets/_queue_table.html reads `found.rows`).
    found: FoundTickets | None = None

    @property
    def tickets(self) -> Sequence[QueueRow]:
        return self.found.rows if self.found else ()


@dataclass(frozen=True)
class FoundTickets:
    rows: Sequence[QueueRow]


def caller_lookup(*, user: User, q: str, limit: int = CALLER_LOOKUP_LIMIT) -> CallerLookup:
    """The desk's "who is calling" box: credit code, part of the name or a phone number,
    only within the desk's jurisdiction (enterprise_search is scoped). Each result carries
    its primary contacts in `primary_contacts` (one prefetch, not one query per row)."""
    q = q.strip()
    if len(q) < CALLER_LOOKUP_MIN_LENGTH:
        return CallerLookup(q, [], truncated=False, too_short=bool(q))
    actor = actor_of(user)
    tickets = list(
        ticket_search(actor=actor, user=user, q=q).select_related("enterprise", "lead_department")[
            :CALLER_TICKET_LIMIT
        ]
    )
    found = FoundTickets(queue_rows(tickets, actor)) if tickets else None
    if classify(q).kind == "number":  # a ticket number names no enterprise
        return CallerLookup(q, [], truncated=False, too_short=False, found=found)
    primary = Prefetch(
        "contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
    )
    rows = list(
        enterprise_search(user=user, q=q)
        .select_related("region__parent")
        .prefetch_related(primary)
        .order_by("name", "pk")[: limit + 1]
    )
    return CallerLookup(q, rows[:limit], truncated=len(rows) > limit, too_short=False, found=found)


class _Count(Subquery):
    """COUNT(*) of a correlated queryset as a scalar subquery (0 instead of NULL)."""

    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[object]) -> None:  # type: ignore[type-var]
        counted = queryset.order_by().values(n=Func(F("pk"), function="COUNT"))
        super().__init__(counted)


def _unit_count(model: type[object], prefix: OuterRef | F | Func, **filters: object) -> Coalesce:
    queryset = model._default_manager.filter(  # type: ignore[attr-defined]
        region__code__startswith=prefix, **filters
    )
    return Coalesce(_Count(queryset), 0)


@dataclass(frozen=True)
class RegionRow:
    region: Region
    label: str
    departments: int
    desks: int
    specialists: int
    enterprises: int


def supervision_overview(*, region: Region | None) -> list[RegionRow]:
    """Counts of active departments, desks and specialists and of enterprises per 盟市 of the
    supervisor's subtree, in ONE query (correlated COUNT subqueries, no query per 盟市).

    Rows are the 盟市 under the region, plus the region's own level (自治区本级: units whose
    region is the province itself). A 盟市 row counts the 盟市 and all its 旗县; the province
    row counts only units registered at province level — every unit lands in exactly one row.
    A county-level scope gets a single row for that county.
    """
    if region is None:
        region = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
        if region is None:
            return []
    if region.level == RegionLevel.COUNTY:
        rows = Region.objects.filter(pk=region.pk)
    else:
        rows = Region.objects.filter(
            code__startswith=region.prefix, level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]
        )
    # The prefix a row's units share: 4 digits for a 盟市 (1501 → 1501xx) and for the province
    # (1500 → only 150000 itself), the whole code for a county.
    prefix = Case(
        When(level=RegionLevel.COUNTY, then=F("code")),
        default=Left("code", 4),
        output_field=CharField(),
    )
    rows = (
        rows.annotate(row_prefix=prefix)
        .annotate(
            n_departments=_unit_count(Department, OuterRef("row_prefix"), active=True),
            n_desks=_unit_count(Desk, OuterRef("row_prefix"), active=True),
            n_specialists=_unit_count(Specialist, OuterRef("row_prefix"), active=True),
            n_enterprises=_unit_count(Enterprise, OuterRef("row_prefix")),
        )
        .order_by("sort_order", "code")
    )
    return [
        RegionRow(
            region=row,
            label=f"{row.name}本级" if row.level == RegionLevel.PROVINCE else row.name,
            departments=row.n_departments,
            desks=row.n_desks,
            specialists=row.n_specialists,
            enterprises=row.n_enterprises,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ConfigCount:
    label: str
    count: int
    detail: str
    admin_url: str | None


def _admin_changelist(model_label: str) -> str | None:
    """Link into the admin when that model is registered there (None hides the link)."""
    app_label, model_name = model_label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return None


def configuration_counts() -> list[ConfigCount]:
    """What the administrator configures, with a link to each admin list."""
    regions = Region.objects.values_list("level", flat=True)
    by_level = {level: 0 for level in RegionLevel.values}
    for level in regions:
        by_level[level] = by_level.get(level, 0) + 1
    specialists = Specialist.objects.filter(active=True)
    return [
        ConfigCount(
            "行政区划",
            sum(by_level.values()),
            f"盟市 {by_level[RegionLevel.CITY]} · 旗县市区 {by_level[RegionLevel.COUNTY]}",
            _admin_changelist("directory.region"),
        ),
        ConfigCount(
            "承办单位",
            Department.objects.filter(active=True).count(),
            "启用中",
            _admin_changelist("directory.department"),
        ),
        ConfigCount(
            "企业服务专席",
            Desk.objects.filter(active=True).count(),
            "启用中",
            _admin_changelist("directory.desk"),
        ),
        ConfigCount(
            "政策专员",
            specialists.count(),
            f"当前在岗 {specialists.filter(on_duty=True).count()}",
            _admin_changelist("directory.specialist"),
        ),
        ConfigCount(
            "企业",
            Enterprise.objects.count(),
            "按统一社会信用代码登记",
            _admin_changelist("enterprises.enterprise"),
        ),
        ConfigCount(
            "用户",
            User.objects.filter(is_active=True).count(),
            "启用中的账号",
            _admin_changelist("accounts.user"),
        ),
    ]


def users_per_role() -> list[tuple[str, int]]:
    counts = dict(
        User.objects.filter(is_active=True).order_by().values_list("role").annotate(n=Count("pk"))
    )
    return [(str(role.label), counts.get(role.value, 0)) for role in Role]


@dataclass(frozen=True)
class EventRow:
    event: Event
    subject_label: str
    subject_display: str
    action_label: str
    state_label: str = ""
    url: str = ""  # the subject's own page, where there is one


# Whole action codes with their own wording; other codes are "<model>_<verb>" (ledger.modeladmin)
# or a workflow action (its machine's label, workflow.machine.MACHINES).
ACTION_LABELS = {
    "token_create": "创建 API 令牌",  # nosec B105 # a message or a public constant, not a password
    "token_revoke": "吊销 API 令牌",  # nosec B105 # a message or a public constant, not a password
    "user_create": "创建账号",
    "user_scope_change": "变更角色或工作范围",
    "otp_setup": "启用两步验证",
    "otp_reset": "重置两步验证",
    "contacts_reveal": "查看完整联系电话",
    "phone_reveal": "查看工单完整联系电话",
    "tickets_export": "导出工单列表",
    "merged_in": "合并了重复工单",
    "holidays_load": "载入年度节假日安排",
}
VERB_LABELS = {
    "create": "新建",
    "change": "修改",
    "activate": "启用",
    "deactivate": "停用",
    "import": "导入",
}


def action_label(action: str, subject_label: str, subject_type: str = "") -> str:
    """Chinese wording of a ledger action for people."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    machine = MACHINES.get(subject_type)
    if machine is not None and action in machine.names:
        return machine.label(action)
    if action == "create":
        return f"新建{subject_label}"
    verb = action.rsplit("_", 1)[-1]
    if verb in VERB_LABELS and "_" in action:
        return f"{VERB_LABELS[verb]}{subject_label}"
    return action


def _subject_label(subject_type: str) -> str:
    try:
        return str(apps.get_model(subject_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return subject_type


LEDGER_PAGE = 50


@dataclass(frozen=True)
class LedgerFilter:
    subject_type: str = ""
    subject: str = ""  # a ticket number (QT…) or the subject's id
    actor: str = ""  # part of the actor's name
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class LedgerPage:
    rows: list[EventRow]
    page: int
    has_next: bool


def ledger_subject_types() -> list[tuple[str, str]]:
    """(code, Chinese label) of every subject type the ledger holds, for the filter."""
    types = Event.objects.order_by().values_list("subject_type", flat=True).distinct()
    return sorted(((t, _subject_label(t)) for t in types), key=lambda pair: pair[1])


def ledger_events(*, filters: LedgerFilter, page: int = 1) -> LedgerPage:
    """The auditor's ledger page: newest first, filtered, LEDGER_PAGE a page (read-only, all
    scopes). Tickets show their QT number and link to their page."""
    qs = Event.objects.order_by("-occurred_at", "-pk")
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    subject = filters.subject.strip()
    if subject:
        if subject.upper().startswith("QT"):
            pk = Ticket.objects.filter(number=subject.upper()).values_list("pk", flat=True).first()
            qs = qs.filter(subject_type=TICKET.name, subject_id=str(pk or 0))
        else:
            qs = qs.filter(subject_id=subject[:64])
    if filters.actor.strip():
        qs = qs.filter(actor_display__contains=filters.actor.strip()[:100])
    if filters.action:
        qs = qs.filter(action=filters.action[:60])
    if filters.date_from:
        qs = qs.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(occurred_at__date__lte=filters.date_to)
    offset = (page - 1) * LEDGER_PAGE
    events = list(qs[offset : offset + LEDGER_PAGE + 1])
    return LedgerPage(_rows(events[:LEDGER_PAGE]), page, len(events) > LEDGER_PAGE)


def latest_events(*, limit: int = 50) -> list[EventRow]:
    """The newest ledger events across all subjects."""
    return _rows(list(Event.objects.order_by("-occurred_at", "-pk")[:limit]))


def _rows(events: list[Event]) -> list[EventRow]:
    labels: dict[str, str] = {}
    ticket_ids = {int(e.subject_id) for e in events if e.subject_type == TICKET.name}
    numbers = dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "number"))
    rows = []
    for event in events:
        if event.subject_type not in labels:
            labels[event.subject_type] = _subject_label(event.subject_type)
        label = labels[event.subject_type]
        display = event.payload.get("display", "") if isinstance(event.payload, dict) else ""
        url = ""
        if event.subject_type == TICKET.name:
            display = numbers.get(int(event.subject_id), "")
            url = reverse("tickets:detail", args=[event.subject_id])
        machine = MACHINES.get(event.subject_type)
        state = (
            machine.state_labels.get(event.to_state, event.to_state)
            if machine and event.to_state
            else ""
        )
        rows.append(
            EventRow(
                event,
                label,
                str(display),
                action_label(event.action, label, event.subject_type),
                state,
                url,
            )
        )
    return rows


def specialist_profile(*, user: User) -> Specialist | None:
    return (
        Specialist.objects.filter(user=user)
        .select_related("department", "region")
        .prefetch_related("domains")
        .first()
    )


def department_staff_count(*, department: Department) -> int:
    return User.objects.filter(department=department, is_active=True).count()
