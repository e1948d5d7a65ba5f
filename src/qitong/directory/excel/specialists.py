"""Policy specialists (政策专员) to and from Excel.

Keyed by 专员编号. A row names its department and region by code, its policy domains and
languages by their Chinese names (separated by 、), and optionally its login account; a blank
登录账号 means "no account", so exporting and re-importing a file changes nothing. Departments
must exist before their specialists are imported (import the departments file first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core.bounds import whole_number
from qitong.core.workdays import WorkingHours
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
from qitong.directory.models import Department, Language, PolicyDomain, Region, Specialist
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.services import ledger_record_change, snapshot

if TYPE_CHECKING:
    from django.db.models import QuerySet

SHEET_TITLE = "政策专员"
COLUMNS = (
    Column("专员编号", "code", 12),
    Column("姓名", "name", 12),
    Column("联系电话", "phone", 16),
    Column("所在单位代码", "department_code", 14),
    Column("所在单位", "department_name", 32, info_only=True),
    Column("服务区域代码", "region_code", 14),
    Column("服务区域", "region_name", 14, info_only=True),
    Column("政策领域", "domains", 30),
    Column("服务语言", "languages", 14),
    Column("同时受理上限", "capacity", 14),
    Column("在岗", "on_duty", 8),
    Column("启用", "active", 8),
    Column("登录账号", "username", 16),
    # Optional (older files lack it): absent keeps the schedule, blank clears it.
    Column("值班时段", "duty_hours", 24, optional=True),
)
_HEADER = {c.key: c.header for c in COLUMNS}
_SPLIT_RE = re.compile(r"[、,，;；/\s]+")
_LANGUAGE_BY_TEXT = {
    **{str(label): value for value, label in Language.choices},
    **{value: value for value in Language.values},
}
_LANGUAGE_ORDER = {value: i for i, value in enumerate(Language.values)}
_LANGUAGE_LABEL = dict(Language.choices)
MAX_CAPACITY = 999
_SAVED_FIELDS = (
    "name",
    "phone",
    "user_id",
    "department_id",
    "region_id",
    "languages",
    "capacity",
    "duty_hours",
    "on_duty",
    "active",
)


def export_queryset(queryset: QuerySet[Specialist]) -> QuerySet[Specialist]:
    return (
        queryset.select_related("department", "region", "user")
        .prefetch_related("domains")
        .order_by("region__sort_order", "code")
    )


def export_specialists(queryset: Iterable[Specialist]) -> bytes:
    """The specialists as an .xlsx (write-only); pass `export_queryset(...)` to avoid N+1."""
    rows = (
        [
            s.code,
            s.name,
            s.phone,
            s.department.code,
            s.department.name,
            s.region.code,
            s.region.name,
            "、".join(
                d.name for d in sorted(s.domains.all(), key=lambda d: (d.sort_order, d.code))
            ),
            "、".join(str(_LANGUAGE_LABEL.get(lang, lang)) for lang in s.languages),
            s.capacity,
            yes_no(s.on_duty),
            yes_no(s.active),
            s.user.username if s.user else "",
            format_duty_hours(s.duty_hours),
        ]
        for s in queryset
    )
    return build_workbook(SHEET_TITLE, COLUMNS, rows)


@dataclass
class SpecialistRow:
    row: int
    code: str
    name: str
    phone: str
    department: Department
    region: Region
    domain_ids: list[int]
    languages: list[str]
    capacity: int
    duty_hours: list[list[str]] | None  # None: the file has no 值班时段 column
    on_duty: bool
    active: bool
    user: User | None


@dataclass
class Lookups:
    departments: dict[str, Department]
    regions: dict[str, Region]
    domains: dict[str, PolicyDomain]
    users: dict[str, User]

    @classmethod
    def load(cls, cells: list[tuple[int, dict[str, str]]]) -> Lookups:
        usernames = {c["username"] for _, c in cells if c["username"]}
        department_codes = {c["department_code"] for _, c in cells}
        domains: dict[str, PolicyDomain] = {}
        for domain in PolicyDomain.objects.all():
            domains[domain.name] = domain
            domains[domain.code] = domain
        return cls(
            departments={d.code: d for d in Department.objects.filter(code__in=department_codes)},
            regions={r.code: r for r in Region.objects.all()},
            domains=domains,
            users={
                u.username: u
                for u in User.objects.filter(username__in=usernames).select_related(
                    "specialist_profile"
                )
            },
        )


def _parse_domains(text: str, lookups: Lookups, number: int, problems: Problems) -> list[int]:
    names = [n for n in _SPLIT_RE.split(text) if n]
    if not names:
        problems.add(number, _HEADER["domains"], "至少填写一个政策领域，多个以「、」分隔")
        return []
    unknown = [n for n in names if n not in lookups.domains]
    if unknown:
        problems.add(number, _HEADER["domains"], f"未知的政策领域：{'、'.join(unknown)}")
        return []
    return sorted({lookups.domains[n].pk for n in names})


def _parse_languages(text: str, number: int, problems: Problems) -> list[str]:
    names = [n for n in _SPLIT_RE.split(text) if n] or [Language.CHINESE.value]
    unknown = [n for n in names if n not in _LANGUAGE_BY_TEXT]
    if unknown:
        labels = "、".join(str(label) for label in Language.labels)
        problems.add(
            number, _HEADER["languages"], f"未知的语言：{'、'.join(unknown)}（可填 {labels}）"
        )
        return []
    return sorted({_LANGUAGE_BY_TEXT[n] for n in names}, key=_LANGUAGE_ORDER.__getitem__)


def _parse_capacity(text: str, number: int, problems: Problems) -> int:
    if not text:
        return 5
    value = whole_number(text, MAX_CAPACITY)
    if value is None:
        problems.add(number, _HEADER["capacity"], f"应为 0 到 {MAX_CAPACITY} 的整数")
        return 0
    return value


def _parse_user(
    text: str, code: str, lookups: Lookups, number: int, problems: Problems
) -> User | None:
    if not text:
        return None
    user = lookups.users.get(text)
    if user is None:
        problems.add(number, _HEADER["username"], f"找不到用户名为 {text} 的账号")
        return None
    if user.role != Role.SPECIALIST:
        problems.add(
            number, _HEADER["username"], f"账号 {text} 的角色是「{user.role_label}」，不是政策专员"
        )
        return None
    profile = getattr(user, "specialist_profile", None)
    if profile is not None and profile.code != code:
        problems.add(number, _HEADER["username"], f"账号 {text} 已关联专员 {profile.code}")
        return None
    return user


_PERIOD_RE = re.compile(r"^(\d{1,2}:\d{2})\s*[-–—~～至到]\s*(\d{1,2}:\d{2})$")


def format_duty_hours(periods: object) -> str:
    """[["08:30", "12:00"], ["14:30", "18:00"]] → "08:30-12:00、14:30-18:00"."""
    if not isinstance(periods, list):
        return ""
    return "、".join(f"{start}-{end}" for start, end in periods)


def _parse_duty_hours(text: str, number: int, problems: Problems) -> list[list[str]]:
    periods: list[list[str]] = []
    for part in (p for p in re.split(r"[、,，;；\s]+", text.strip()) if p):
        match = _PERIOD_RE.match(part)
        if match is None:
            problems.add(
                number, _HEADER["duty_hours"], f"无法识别的时段「{part}」，应如 08:30-12:00"
            )
            return []
        start, end = (value.zfill(5) for value in match.groups())
        periods.append([start, end])
    try:
        WorkingHours.from_config(periods)
    except ValueError as exc:
        problems.add(number, _HEADER["duty_hours"], str(exc).replace("工作时段", "值班时段"))
        return []
    return periods


def _parse_row(
    number: int, cells: dict[str, str], lookups: Lookups, problems: Problems
) -> SpecialistRow | None:
    before = len(problems.found)
    code, name = cells["code"], cells["name"]
    for key, text, limit in (("code", code, 32), ("name", name, 50)):
        if not text:
            problems.add(number, _HEADER[key], "不能为空")
        elif len(text) > limit:
            problems.add(number, _HEADER[key], f"最多 {limit} 个字符（当前 {len(text)} 个）")
    phone = cells["phone"]
    if phone:
        try:
            phone = normalize_phone(phone).number
        except ValidationError as exc:
            problems.add(number, _HEADER["phone"], exc.messages[0])
    department = lookups.departments.get(cells["department_code"])
    if department is None:
        problems.add(
            number,
            _HEADER["department_code"],
            f"找不到机构代码为 {cells['department_code'] or '（空）'} 的部门",
        )
    region = lookups.regions.get(cells["region_code"])
    if region is None:
        problems.add(
            number,
            _HEADER["region_code"],
            f"未知的行政区划代码：{cells['region_code'] or '（空）'}",
        )
    domain_ids = _parse_domains(cells["domains"], lookups, number, problems)
    languages = _parse_languages(cells["languages"], number, problems)
    capacity = _parse_capacity(cells["capacity"], number, problems)
    duty_hours = (
        _parse_duty_hours(cells["duty_hours"], number, problems) if "duty_hours" in cells else None
    )
    flags = {}
    for key in ("on_duty", "active"):
        flags[key] = parse_bool(cells[key], True)
        if flags[key] is None:
            problems.add(number, _HEADER[key], "请填写「是」或「否」")
    user = _parse_user(cells["username"], code, lookups, number, problems)
    if len(problems.found) > before or department is None or region is None:
        return None
    return SpecialistRow(
        number,
        code,
        name,
        phone,
        department,
        region,
        domain_ids,
        languages,
        capacity,
        duty_hours,
        bool(flags["on_duty"]),
        bool(flags["active"]),
        user,
    )


def _check_file(raw: list[tuple[int, dict[str, str]]], problems: Problems) -> None:
    """Duplicate codes and accounts, checked on every row (also rows that failed alone)."""
    first_code: dict[str, int] = {}
    first_user: dict[str, int] = {}
    for number, cells in raw:
        for key, first in (("code", first_code), ("username", first_user)):
            value = cells[key]
            if not value:
                continue
            if value in first:
                what = "重复" if key == "code" else "使用了同一账号"
                problems.add(number, _HEADER[key], f"与第 {first[value]} 行{what}")
            first.setdefault(value, number)


def _apply(rows: list[SpecialistRow], actor: User | None) -> ImportResult:
    codes = [r.code for r in rows]
    existing = {s.code: s for s in Specialist.objects.select_for_update().filter(code__in=codes)}
    current_domains: dict[int, list[int]] = {}
    for specialist_id, domain_id in Specialist.domains.through.objects.filter(
        specialist__code__in=codes
    ).values_list("specialist_id", "policydomain_id"):
        current_domains.setdefault(specialist_id, []).append(domain_id)
    created = updated = unchanged = 0
    for r in rows:
        values: dict[str, Any] = {
            "name": r.name,
            "phone": r.phone,
            "user": r.user,
            "department": r.department,
            "region": r.region,
            "languages": r.languages,
            "capacity": r.capacity,
            **({"duty_hours": r.duty_hours} if r.duty_hours is not None else {}),
            "on_duty": r.on_duty,
            "active": r.active,
        }
        obj = existing.get(r.code)
        if obj is None:
            obj = Specialist.objects.create(code=r.code, **values)
            obj.domains.set(r.domain_ids)
            ledger_record_change(
                obj=obj,
                action="specialist_create",
                actor=actor,
                extra={"source": "excel", "m2m": {"domains": r.domain_ids}},
            )
            created += 1
            continue
        before = snapshot(obj)
        domains_before = sorted(current_domains.get(obj.pk, []))
        for name, value in values.items():
            setattr(obj, name, value)
        after = snapshot(obj)
        if after == before and domains_before == r.domain_ids:
            unchanged += 1
            continue
        obj.save(update_fields=list(_SAVED_FIELDS))
        extra: dict[str, Any] = {"source": "excel"}
        if domains_before != r.domain_ids:
            obj.domains.set(r.domain_ids)
            extra["m2m"] = {"domains": [domains_before, r.domain_ids]}
        ledger_record_change(
            obj=obj,
            action=f"specialist_{ledger_verb(before, after)}",
            actor=actor,
            before=before,
            extra=extra,
        )
        updated += 1
    return ImportResult(created, updated, unchanged)


def import_specialists(data: bytes, *, actor: User | None) -> ImportResult:
    """Validate every row, then create/update all of them in one transaction — or none."""
    cells = read_rows(data, COLUMNS)
    lookups = Lookups.load(cells)
    problems = Problems()
    rows = [
        row
        for number, values in cells
        if (row := _parse_row(number, values, lookups, problems)) is not None
    ]
    _check_file(cells, problems)
    problems.raise_if_any()
    try:
        with transaction.atomic():
            return _apply(rows, actor)
    except IntegrityError as exc:
        raise ExcelImportFailed([f"保存时与现有数据冲突，未作任何修改，请重试：{exc}"]) from exc
