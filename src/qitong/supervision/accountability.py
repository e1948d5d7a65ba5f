"""Quarterly accountability (问责, issue 13): records kept by the supervising office, a
quarter's public list published (draft → published on the workflow core, ledgered), and the
anonymised public view.

A published entry is frozen: there is no action on it; a mistake is corrected by a new entry
that references it (`corrects`), and the public page shows the correction beside it. On the
public page a person is "surname + 某" and an enterprise is "某企业" unless it agreed to be
named; their names are also replaced wherever the summary mentions them, and so are the
names of the enterprises of the linked problems that did not agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.errors import Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import local_today
from qitong.directory.models import Department, Region
from qitong.ledger.services import ledger_record
from qitong.supervision.inputs import EntryIn, quarter_bounds
from qitong.supervision.models import AccountabilityEntry
from qitong.supervision.selectors import entries_visible_to, office_code, problems_visible_to
from qitong.supervision.states import AccountabilityMeasure, EntryState
from qitong.workflow.inputs import NoInput, parse_input
from qitong.workflow.machine import Handler, Machine, Relation, transition
from qitong.workflow.skeleton import Action, Subject, act

E = EntryState


def keeps(entry: Any, actor: Any) -> bool:
    """The office that keeps the record, or one above it."""
    prefix = actor.region_prefix
    return prefix is None or str(entry.owner_code).startswith(prefix)


OFFICE: dict[str, Relation] = {Role.SUPERVISOR: keeps}


class EditIn(EntryIn):
    """The draft's fields, all given again (what the form shows, corrected)."""


ENTRY: Machine[Handler] = Machine(
    name="supervision.accountability",
    state_labels=dict(EntryState.choices),
    subject_label="问责记录",
    transitions=[
        transition("edit", "修改", {E.DRAFT}, E.DRAFT, OFFICE, input=EditIn),
        transition("publish", "发布", {E.DRAFT}, E.PUBLISHED, OFFICE, input=NoInput, primary=True),
    ],
)

ENTRIES: Subject[AccountabilityEntry] = Subject(
    machine=ENTRY,
    scope=entries_visible_to,
    version_field="version",
    stale_message="该问责记录刚被他人修改过，请刷新后查看",
    related=("region", "department"),
)


# --- creating and editing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    fields: dict[str, Any]
    problems: list[Any]


def _checked(args: EntryIn, actor: Actor, *, editing: AccountabilityEntry | None = None) -> Checked:
    """The entry's values once every database rule holds (all bad fields named at once)."""
    errors: dict[str, str] = {}
    bounds = quarter_bounds(args.quarter)
    if bounds is None:
        errors["quarter"] = "季度格式应为 2026Q3"
    region = Region.objects.filter(code=args.region.strip()).first()
    if region is None:
        errors["region"] = f"未知的区划代码：{args.region}"
    elif not actor.covers(region.code):
        errors["region"] = "所属地区不在您的督查范围内"
    department = None
    if args.department is not None:
        department = Department.objects.filter(pk=args.department).first()
        if department is None:
            errors["department"] = f"未知的单位：{args.department}"
    found = list(problems_visible_to(actor).filter(pk__in=args.problems))
    missing = sorted(set(args.problems) - {p.pk for p in found})
    if missing:
        errors["problems"] = "未找到问题：" + "、".join(map(str, missing))
    corrects = None
    if args.corrects is not None and editing is None:
        corrects = entries_visible_to(actor).filter(pk=args.corrects).first()
        if corrects is None:
            errors["corrects"] = f"未找到要更正的记录：{args.corrects}"
        elif corrects.state != E.PUBLISHED:
            errors["corrects"] = "只有已发布的记录需要以新记录更正；草稿请直接修改"
    if bounds and args.decided_on and not bounds[0] <= args.decided_on <= bounds[1]:
        errors["decided_on"] = f"问责日期应在 {args.quarter} 季度内"
    if args.decided_on and args.decided_on > today():
        errors["decided_on"] = "问责日期不能晚于今天"
    unit_name = args.unit_name or (department.name if department else "")
    if not unit_name:
        errors["unit_name"] = "请填写被问责单位名称或选择单位"
    if errors:
        raise ValidationFailed(fields=errors)
    fields: dict[str, Any] = {
        "quarter": args.quarter.strip().upper(),
        "region": region,
        "department": department,
        "unit_name": unit_name,
        "summary": args.summary,
        "measure": args.measure,
        "decided_on": args.decided_on,
        "persons": [p.model_dump() for p in args.persons],
        "enterprises": [e.model_dump() for e in args.enterprises],
        "public": args.public,
    }
    if editing is None:
        fields["corrects"] = corrects
    return Checked(fields, found)


def _recorded(fields: dict[str, Any], problems: list[Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k not in ("region", "department", "corrects")}
    out["decided_on"] = fields["decided_on"].isoformat()
    out["region"] = fields["region"].code
    out["department"] = fields["department"].pk if fields["department"] else None
    out["problems"] = [p.pk for p in problems]
    if fields.get("corrects") is not None:
        out["corrects"] = fields["corrects"].pk
    return out


def entry_create(*, user: User, data: dict[str, Any]) -> AccountabilityEntry:
    """A draft accountability record (the supervising office's)."""
    actor = actor_of(user)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("只有督查人员可以登记问责记录")
    checked = _checked(parse_input(EntryIn, data), actor)
    now = clock.now()
    with transaction.atomic():
        entry = AccountabilityEntry.objects.create(
            **checked.fields,
            owner_code=office_code(actor.region_prefix),
            created_by=user,
            created_at=now,
        )
        entry.problems.set(checked.problems)
        ledger_record(
            subject_type=ENTRY.name,
            subject_id=entry.pk,
            action="create",
            actor=user,
            to_state=entry.state,
            payload=_recorded(checked.fields, checked.problems),
            at=now,
            new_subject=True,
        )
    return entry


@ENTRY.handles("edit")
def _edit(ctx: Action[AccountabilityEntry]) -> None:
    args = ctx.args(EditIn)
    checked = _checked(args, ctx.actor, editing=ctx.subject)
    ctx.set(**checked.fields)
    ctx.subject.problems.set(checked.problems)
    ctx.payload.update(_recorded(checked.fields, checked.problems))


@ENTRY.handles("publish")
def _publish(ctx: Action[AccountabilityEntry]) -> None:
    ctx.set(published_at=ctx.now)


def entry_act(
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> AccountabilityEntry:
    return act(
        ENTRIES,
        pk=pk,
        action=action,
        actor=actor_of(user),
        user=user,
        data=data,
        expected_version=expected_version,
    ).subject


def quarter_publish(*, user: User, quarter: str) -> int:
    """Publish every draft of a quarter the user keeps, in one transaction: the public list
    appears whole or not at all."""
    actor = actor_of(user)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("只有督查人员可以发布问责公开名单")
    if quarter_bounds(quarter) is None:
        raise ValidationFailed(fields={"quarter": "季度格式应为 2026Q3"})
    drafts = entries_visible_to(actor).filter(quarter=quarter.strip().upper(), state=E.DRAFT)
    pks = [e.pk for e in drafts.order_by("pk") if keeps(e, actor)]
    if not pks:
        raise ValidationFailed(fields={"quarter": f"{quarter} 没有待发布的问责记录"})
    with transaction.atomic():
        for pk in pks:
            act(ENTRIES, pk=pk, action="publish", actor=actor, user=user)
    return len(pks)


# --- the public view --------------------------------------------------------------------------

COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "令狐", "夏侯", "端木", "独孤", "南宫", "西门", "呼延", "轩辕",
)  # fmt: skip
ANONYMOUS_ENTERPRISE = "某企业"


def masked_name(name: str) -> str:
    """张三 → 张某, 欧阳明 → 欧阳某; a name of one character (or none) → 某."""
    text = name.strip()
    for surname in COMPOUND_SURNAMES:
        if text.startswith(surname) and len(text) > len(surname):
            return surname + "某"
    return text[0] + "某" if len(text) > 1 else "某"


def _scrub(text: str, replacements: dict[str, str]) -> str:
    for name in sorted(replacements, key=len, reverse=True):
        if name:
            text = text.replace(name, replacements[name])
    return text


def public_entry(entry: AccountabilityEntry, hidden_enterprises: set[str]) -> dict[str, Any]:
    """What the public page and API show of a published entry: no full personal name, no
    enterprise that did not agree to be named."""
    replace: dict[str, str] = {}
    persons = []
    for person in entry.persons or []:
        name = str(person.get("name", ""))
        replace[name] = masked_name(name)
        persons.append({"name": masked_name(name), "position": str(person.get("position", ""))})
    enterprises = []
    for item in entry.enterprises or []:
        name = str(item.get("name", ""))
        shown = name if item.get("consented") else ANONYMOUS_ENTERPRISE
        if not item.get("consented"):
            replace[name] = ANONYMOUS_ENTERPRISE
        enterprises.append(shown)
    consented = {str(i.get("name")) for i in entry.enterprises or [] if i.get("consented")}
    for name in hidden_enterprises - consented:
        replace[name] = ANONYMOUS_ENTERPRISE
    return {
        "id": entry.pk,
        "quarter": entry.quarter,
        "region": entry.region.name,
        "unit": _scrub(entry.unit_name, replace),
        "summary": _scrub(entry.summary, replace),
        "measure": entry.measure,
        "measure_name": AccountabilityMeasure(entry.measure).label,
        "decided_on": entry.decided_on,
        "persons": [{**p, "position": _scrub(p["position"], replace)} for p in persons],
        "enterprises": enterprises,
        "corrects": entry.corrects_id,
        "published_at": entry.published_at,
    }


def published_entries(quarter: str | None = None) -> QuerySet[AccountabilityEntry]:
    qs = AccountabilityEntry.objects.filter(state=E.PUBLISHED, public=True)
    if quarter:
        qs = qs.filter(quarter=quarter)
    return qs.select_related("region").order_by("-quarter", "decided_on", "id")


def public_quarters(quarter: str | None = None) -> list[dict[str, Any]]:
    """The published public lists, newest quarter first (one quarter if asked)."""
    if quarter is not None and quarter_bounds(quarter) is None:
        raise ValidationFailed(fields={"quarter": "季度格式应为 2026Q3"})
    entries = list(published_entries(quarter.strip().upper() if quarter else None))
    hidden = _problem_enterprises(entries)
    corrected_by: dict[int, list[int]] = {}
    for e in entries:
        if e.corrects_id:
            corrected_by.setdefault(e.corrects_id, []).append(e.pk)
    groups: dict[str, dict[str, Any]] = {}
    for e in entries:
        group = groups.setdefault(
            e.quarter, {"quarter": e.quarter, "published_at": e.published_at, "entries": []}
        )
        shown = public_entry(e, hidden.get(e.pk, set()))
        shown["corrected_by"] = corrected_by.get(e.pk, [])
        group["entries"].append(shown)
        if e.published_at and (
            group["published_at"] is None or e.published_at > group["published_at"]
        ):
            group["published_at"] = e.published_at
    return list(groups.values())


def _problem_enterprises(entries: list[AccountabilityEntry]) -> dict[int, set[str]]:
    """The names of the enterprises of each entry's linked problems (never shown unless they
    agreed on the entry itself)."""
    through = AccountabilityEntry.problems.through
    rows = through.objects.filter(accountabilityentry_id__in=[e.pk for e in entries]).values_list(
        "accountabilityentry_id", "problem__enterprises__name", "problem__enterprise_names"
    )
    out: dict[int, set[str]] = {}
    for entry_id, name, loose in rows:
        names = out.setdefault(entry_id, set())
        if name:
            names.add(name)
        for part in (loose or "").replace("，", "、").replace(",", "、").split("、"):
            if part.strip():
                names.add(part.strip())
    return out


def entry_get(actor: Actor, pk: int) -> AccountabilityEntry:
    found = entries_visible_to(actor).select_related("region", "department").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


today = local_today  # the accountability dates are local days
