"""Departments (承办单位) to and from Excel.

The sheet is keyed by 机构代码: a known code updates that department, a new one creates it.
A department's 上级业务部门 may be another row of the same file (it is saved first). The whole
file is validated before anything is written, then applied in one transaction with one ledger
event per created or changed department.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from qitong.directory.excel.workbook import (
    Column,
    ExcelImportFailed,
    ImportResult,
    Problems,
    build_workbook,
    ledger_verb,
    parse_bool,
    read_rows,
    yes_no,
)
from qitong.directory.models import Department, DepartmentLevel, Region
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.services import ledger_record_change, snapshot

if TYPE_CHECKING:
    from qitong.accounts.models import User

SHEET_TITLE = "承办单位"
COLUMNS = (
    Column("机构代码", "code", 14),
    Column("名称", "name", 36),
    Column("简称", "short_name", 16),
    Column("所属区划代码", "region_code", 14),
    Column("所属区划", "region_name", 14, info_only=True),
    Column("层级", "level", 12),
    Column("职能类别", "kind", 24),
    Column("上级业务部门代码", "parent_code", 18),
    Column("营商环境主管部门", "is_business_env_authority", 18),
    Column("联系电话", "phone", 18),
    Column("启用", "active", 8),
)
_HEADER = {c.key: c.header for c in COLUMNS}
_LEVEL_BY_TEXT = {
    **{str(label): value for value, label in DepartmentLevel.choices},
    **{value: value for value in DepartmentLevel.values},
}
_SAVED_FIELDS = (
    "name",
    "short_name",
    "region_id",
    "level",
    "kind",
    "parent_id",
    "is_business_env_authority",
    "phone",
    "active",
)


def export_departments(queryset: Iterable[Department]) -> bytes:
    """The departments as an .xlsx (write-only); the file doubles as the import template."""
    rows = (
        [
            d.code,
            d.name,
            d.short_name,
            d.region.code,
            d.region.name,
            d.get_level_display(),
            d.kind,
            d.parent.code if d.parent else "",
            yes_no(d.is_business_env_authority),
            d.phone,
            yes_no(d.active),
        ]
        for d in queryset
    )
    return build_workbook(SHEET_TITLE, COLUMNS, rows)


def export_queryset(queryset: Any) -> Any:
    return queryset.select_related("region", "parent").order_by(
        "region__sort_order", "region__code", "code"
    )


@dataclass
class DepartmentRow:
    row: int
    code: str
    name: str
    short_name: str
    region: Region
    level: str
    kind: str
    parent_code: str
    is_business_env_authority: bool
    phone: str
    active: bool


def _length(problems: Problems, row: int, key: str, text: str, limit: int, required: bool) -> bool:
    if required and not text:
        problems.add(row, _HEADER[key], "不能为空")
        return False
    if len(text) > limit:
        problems.add(row, _HEADER[key], f"最多 {limit} 个字符（当前 {len(text)} 个）")
        return False
    return True


def _parse_row(
    number: int, cells: dict[str, str], regions: dict[str, Region], problems: Problems
) -> DepartmentRow | None:
    before = len(problems.found)
    code, name = cells["code"], cells["name"]
    _length(problems, number, "code", code, 32, required=True)
    _length(problems, number, "name", name, 100, required=True)
    _length(problems, number, "short_name", cells["short_name"], 50, required=False)
    _length(problems, number, "kind", cells["kind"], 40, required=False)
    region = regions.get(cells["region_code"])
    if region is None:
        problems.add(
            number,
            _HEADER["region_code"],
            f"未知的行政区划代码：{cells['region_code'] or '（空）'}",
        )
    level = _LEVEL_BY_TEXT.get(cells["level"]) if cells["level"] else (region and region.level)
    if level is None:
        problems.add(
            number,
            _HEADER["level"],
            f"应为 {'、'.join(str(label) for label in DepartmentLevel.labels)} 之一",
        )
    elif region is not None and level != region.level:
        expected = DepartmentLevel(region.level).label
        problems.add(
            number, _HEADER["level"], f"与所属区划不符：{region.name}的部门应为「{expected}」"
        )
    phone = cells["phone"]
    if phone:
        try:
            phone = normalize_phone(phone).number
        except ValidationError as exc:
            problems.add(number, _HEADER["phone"], exc.messages[0])
    flags = {}
    for key, default in (("is_business_env_authority", False), ("active", True)):
        flags[key] = parse_bool(cells[key], default)
        if flags[key] is None:
            problems.add(number, _HEADER[key], "请填写「是」或「否」")
    if cells["parent_code"] and cells["parent_code"] == code:
        problems.add(number, _HEADER["parent_code"], "不能以本部门作为上级")
    if len(problems.found) > before or region is None or level is None:
        return None
    return DepartmentRow(
        number,
        code,
        name,
        cells["short_name"],
        region,
        str(level),
        cells["kind"],
        cells["parent_code"],
        bool(flags["is_business_env_authority"]),
        phone,
        bool(flags["active"]),
    )


def _check_file(
    rows: list[DepartmentRow], raw: list[tuple[int, dict[str, str]]], problems: Problems
) -> None:
    """Checks across rows and against stored departments: duplicates, parents, cycles, names.

    Codes and parents are checked on every row (`raw`), including rows that failed on their
    own, so that one pass reports everything; names need the parsed region (`rows`).
    """
    first_row: dict[str, int] = {}
    for number, cells in raw:
        code = cells["code"]
        if code and code in first_row:
            problems.add(number, _HEADER["code"], f"与第 {first_row[code]} 行重复")
        if code:
            first_row.setdefault(code, number)
    stored = {
        code: (parent, region_id, name)
        for code, parent, region_id, name in Department.objects.values_list(
            "code", "parent__code", "region_id", "name"
        )
    }
    parent_of: dict[str, str | None] = {code: parent for code, (parent, _, _) in stored.items()}
    parent_of.update({cells["code"]: cells["parent_code"] or None for _, cells in raw})
    for number, cells in raw:
        code, parent_code = cells["code"], cells["parent_code"]
        if not parent_code or parent_code == code:
            continue
        if parent_code not in parent_of:
            problems.add(number, _HEADER["parent_code"], f"找不到机构代码为 {parent_code} 的部门")
            continue
        seen, cursor = {code}, parent_of.get(code)
        while cursor:
            if cursor in seen:
                problems.add(number, _HEADER["parent_code"], "上级关系形成了循环")
                break
            seen.add(cursor)
            cursor = parent_of.get(cursor)
    names = {
        (region_id, name): code
        for code, (_, region_id, name) in stored.items()
        if code not in first_row
    }
    for r in rows:
        other = names.setdefault((r.region.pk, r.name), r.code)
        if other != r.code:
            problems.add(r.row, _HEADER["name"], f"{r.region.name}已有同名部门（机构代码 {other}）")


def _apply(rows: list[DepartmentRow], actor: User | None) -> ImportResult:
    by_code = {r.code: r for r in rows}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for r in rows:  # parents that are rows of this file are saved before their children
        sorter.add(r.code, *([r.parent_code] if r.parent_code in by_code else []))
    existing = {d.code: d for d in Department.objects.select_for_update().filter(code__in=by_code)}
    parent_codes = {r.parent_code for r in rows if r.parent_code}
    pk_of = dict(Department.objects.filter(code__in=parent_codes).values_list("code", "pk"))
    created = updated = unchanged = 0
    for code in sorter.static_order():
        r = by_code[code]
        values: dict[str, Any] = {
            "name": r.name,
            "short_name": r.short_name,
            "region_id": r.region.pk,
            "level": r.level,
            "kind": r.kind,
            "parent_id": pk_of[r.parent_code] if r.parent_code else None,
            "is_business_env_authority": r.is_business_env_authority,
            "phone": r.phone,
            "active": r.active,
        }
        obj = existing.get(code)
        if obj is None:
            obj = Department.objects.create(code=code, **values)
            ledger_record_change(
                obj=obj, action="department_create", actor=actor, extra={"source": "excel"}
            )
            created += 1
        else:
            before = snapshot(obj)
            for name, value in values.items():
                setattr(obj, name, value)
            if snapshot(obj) == before:
                unchanged += 1
            else:
                obj.save(update_fields=list(_SAVED_FIELDS))
                verb = ledger_verb(before, snapshot(obj))
                ledger_record_change(
                    obj=obj,
                    action=f"department_{verb}",
                    actor=actor,
                    before=before,
                    extra={"source": "excel"},
                )
                updated += 1
        pk_of[code] = obj.pk
    return ImportResult(created, updated, unchanged)


def import_departments(data: bytes, *, actor: User | None) -> ImportResult:
    """Validate every row, then create/update all of them in one transaction — or none."""
    cells = read_rows(data, COLUMNS)
    regions = {r.code: r for r in Region.objects.all()}
    problems = Problems()
    rows = [
        row
        for number, values in cells
        if (row := _parse_row(number, values, regions, problems)) is not None
    ]
    _check_file(rows, cells, problems)
    problems.raise_if_any()
    try:
        with transaction.atomic():
            return _apply(rows, actor)
    except IntegrityError as exc:  # e.g. a concurrent edit took a name between check and save
        raise ExcelImportFailed([f"保存时与现有数据冲突，未作任何修改，请重试：{exc}"]) from exc
