"""The 派单目录 (dispatch catalogue, 国办函〔2025〕66号): which department leads an appeal of a
category from a region, and which assist — what the dispatch form proposes.

A rule names a region (the region, a 盟市 or a county) and a category (a top-level one covers
its children). For a ticket the most specific active rule wins: its own category before its
parent's, its county before its 盟市 before the region. One query.

Administrators edit the catalogue in the admin or by Excel (export, change, import); each
save or import is a new catalogue version (CatalogueVersion), and every rule created or
changed is written to the ledger with what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, QuerySet

from qitong.core import clock
from qitong.directory.excel.workbook import (
    Column,
    ImportResult,
    Problems,
    build_workbook,
    ledger_verb,
    parse_bool,
    read_rows,
    yes_no,
)
from qitong.directory.models import Department, Region
from qitong.ledger.services import ledger_record_change, snapshot
from qitong.tickets.models import CatalogueVersion, Category, DispatchRule

if TYPE_CHECKING:
    from qitong.accounts.models import User


@dataclass(frozen=True)
class Suggestion:
    rule: DispatchRule
    lead: Department
    assisting: list[Department]

    @property
    def label(self) -> str:
        scope = f"{self.rule.region.name} · {self.rule.category.name}"
        basis = f"；依据：{self.rule.basis}" if self.rule.basis else ""
        return f"派单目录建议主办：{self.lead.name}（目录条目：{scope}{basis}）"


def regions_up(region_code: str) -> list[str]:
    """The county, its 盟市 and the region, most specific first."""
    codes = [region_code, region_code[:4] + "00", region_code[:2] + "0000"]
    return list(dict.fromkeys(codes))


def suggest(*, category: Category, region_code: str) -> Suggestion | None:
    """The catalogue's lead (and assisting) departments for this category and region."""
    categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
    regions = regions_up(region_code)
    rules = list(
        DispatchRule.objects.filter(
            active=True,
            lead__active=True,
            category_id__in=categories,
            region__code__in=regions,
        ).select_related("lead", "region", "category")
    )
    if not rules:
        return None
    best = min(rules, key=lambda r: (categories.index(r.category_id), regions.index(r.region.code)))
    assisting = list(Department.objects.filter(pk__in=best.assisting or [], active=True))
    return Suggestion(best, best.lead, assisting)


def catalogue_version() -> int:
    return int(CatalogueVersion.objects.aggregate(n=Max("number"))["n"] or 0)


def new_version(note: str, actor: User | None) -> int:
    """A new catalogue version (inside the caller's transaction), ledgered."""
    number = catalogue_version() + 1
    version = CatalogueVersion.objects.create(
        number=number,
        note=note[:200],
        rules=DispatchRule.objects.filter(active=True).count(),
        created_by=actor,
        created_at=clock.now(),
    )
    ledger_record_change(obj=version, action="catalogueversion_create", actor=actor)
    return number


def finish_version(number: int) -> None:
    """Record the version's final count of active rules (after its changes)."""
    CatalogueVersion.objects.filter(number=number).update(
        rules=DispatchRule.objects.filter(active=True).count()
    )


# --- Excel --------------------------------------------------------------------------------------

SHEET_TITLE = "派单目录"
COLUMNS = (
    Column("区划代码", "region_code", 12),
    Column("区划", "region_name", 16, info_only=True),
    Column("分类编码", "category_code", 24),
    Column("诉求分类", "category_name", 20, info_only=True),
    Column("主办单位代码", "lead_code", 14),
    Column("主办单位", "lead_name", 30, info_only=True),
    Column("协办单位代码", "assisting_codes", 24),
    Column("协办单位", "assisting_names", 36, info_only=True),
    Column("职责依据", "basis", 30),
    Column("启用", "active", 8),
)


def export_queryset(queryset: QuerySet[DispatchRule]) -> QuerySet[DispatchRule]:
    return queryset.select_related("region", "category", "lead").order_by(
        "region__code", "category__code"
    )


def export_rules(queryset: Iterable[DispatchRule]) -> bytes:
    rules = list(queryset)
    ids = {pk for r in rules for pk in (r.assisting or [])}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}

    def row(r: DispatchRule) -> list[Any]:
        helpers = [departments[pk] for pk in r.assisting or [] if pk in departments]
        return [
            r.region.code,
            r.region.name,
            r.category.code,
            r.category.name,
            r.lead.code,
            r.lead.name,
            "、".join(d.code for d in helpers),
            "、".join(d.name for d in helpers),
            r.basis,
            yes_no(r.active),
        ]

    return build_workbook(SHEET_TITLE, COLUMNS, (row(r) for r in rules))


@dataclass(frozen=True)
class RuleRow:
    number: int
    region: Region
    category: Category
    lead: Department
    assisting: list[int]
    basis: str
    active: bool


def _split_codes(text: str) -> list[str]:
    for sep in ("，", ",", "；", ";", " ", "\n"):
        text = text.replace(sep, "、")
    return [c.strip() for c in text.split("、") if c.strip()]


def _parse(
    number: int,
    values: dict[str, str],
    lookups: dict[str, dict[str, Any]],
    problems: Problems,
) -> RuleRow | None:
    header = {c.key: c.header for c in COLUMNS}
    before = len(problems.found)
    region = lookups["regions"].get(values.get("region_code", "").strip())
    if region is None:
        problems.add(number, header["region_code"], "未找到该区划代码（6 位，如 150100）")
    category = lookups["categories"].get(values.get("category_code", "").strip())
    if category is None:
        problems.add(
            number,
            header["category_code"],
            "未找到该诉求分类编码（如 market 或 market.registration）",
        )
    lead = lookups["departments"].get(values.get("lead_code", "").strip())
    if lead is None:
        problems.add(number, header["lead_code"], "未找到该承办单位代码，或该单位已停用")
    assisting: list[int] = []
    for code in _split_codes(values.get("assisting_codes", "")):
        found = lookups["departments"].get(code)
        if found is None:
            problems.add(
                number, header["assisting_codes"], f"未找到承办单位代码 {code}，或该单位已停用"
            )
        elif lead is not None and found.pk == lead.pk:
            problems.add(number, header["assisting_codes"], "协办单位不能与主办单位相同")
        elif found.pk not in assisting:
            assisting.append(found.pk)
    basis = values.get("basis", "").strip()
    if len(basis) > 200:
        problems.add(number, header["basis"], "最多 200 字")
    active = parse_bool(values.get("active", ""), True)
    if active is None:
        problems.add(number, header["active"], "请填写 是 或 否")
    if len(problems.found) > before:
        return None
    assert region is not None and category is not None and lead is not None and active is not None
    return RuleRow(number, region, category, lead, assisting, basis, active)


def import_rules(data: bytes, *, actor: User | None) -> ImportResult:
    """Validate every row, then create or update the rules in one transaction (a new catalogue
    version) — or change nothing. Keyed by (区划代码, 分类编码); rules not in the file stay."""
    cells = read_rows(data, COLUMNS)
    lookups: dict[str, dict[str, Any]] = {
        "regions": {r.code: r for r in Region.objects.all()},
        "categories": {c.code: c for c in Category.objects.filter(active=True)},
        "departments": {d.code: d for d in Department.objects.filter(active=True)},
    }
    problems = Problems()
    rows = [r for n, values in cells if (r := _parse(n, values, lookups, problems)) is not None]
    seen: dict[tuple[int, int], int] = {}
    for r in rows:
        key = (r.region.pk, r.category.pk)
        if key in seen:
            problems.add(r.number, "区划代码", f"与第 {seen[key]} 行的区划和分类重复")
        seen[key] = r.number
    if not cells:
        problems.add(2, "区划代码", "文件中没有数据行")
    problems.raise_if_any()
    with transaction.atomic():
        version = new_version(f"Excel 导入 {len(rows)} 行", actor)
        existing = {
            (d.region_id, d.category_id): d
            for d in DispatchRule.objects.select_for_update().filter(active=True)
        }
        created = updated = unchanged = 0
        for r in rows:
            values = {
                "lead_id": r.lead.pk,
                "assisting": r.assisting,
                "basis": r.basis,
                "active": r.active,
            }
            rule = existing.get((r.region.pk, r.category.pk))
            if rule is None:
                if not r.active:
                    unchanged += 1
                    continue
                rule = DispatchRule.objects.create(
                    region=r.region, category=r.category, version=version, **values
                )
                ledger_record_change(
                    obj=rule, action="dispatchrule_create", actor=actor, extra={"source": "excel"}
                )
                created += 1
                continue
            before = snapshot(rule)
            for name, value in values.items():
                setattr(rule, name, value)
            if {k: v for k, v in snapshot(rule).items() if k != "updated_at"} == {
                k: v for k, v in before.items() if k != "updated_at"
            }:
                unchanged += 1
                continue
            rule.version = version
            rule.save()
            ledger_record_change(
                obj=rule,
                action=f"dispatchrule_{ledger_verb(before, snapshot(rule))}",
                actor=actor,
                before=before,
                extra={"source": "excel", "version": version},
            )
            updated += 1
        finish_version(version)
    return ImportResult(created, updated, unchanged)


def rule_as_dict(rule: DispatchRule, departments: dict[int, Department]) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "region": {"code": rule.region.code, "name": rule.region.name},
        "category": {"code": rule.category.code, "name": rule.category.name},
        "lead": {"id": rule.lead.pk, "code": rule.lead.code, "name": rule.lead.name},
        "assisting": [
            {"id": d.pk, "code": d.code, "name": d.name}
            for pk in rule.assisting or []
            if (d := departments.get(pk)) is not None
        ],
        "basis": rule.basis,
        "version": rule.version,
    }
