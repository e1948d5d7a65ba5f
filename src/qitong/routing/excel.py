"""One-to-one pairings in bulk (一对一结对) from Excel, in the directory's pattern: columns
统一社会信用代码 and 专员编号 (blank 专员编号 ends the enterprise's pairing), every problem as
"第 N 行 列名：问题", all rows or none; each pairing through `pairing_set` (ledgered)."""

from __future__ import annotations

from django.db import transaction

from qitong.accounts.models import User
from qitong.core.errors import DomainError, ValidationFailed
from qitong.directory.excel.workbook import (
    Column,
    ImportResult,
    Problems,
    build_workbook,
    read_rows,
)
from qitong.directory.models import Specialist
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.routing.models import Pairing
from qitong.routing.services import pairing_set

COLUMNS = (
    Column("统一社会信用代码", "credit_code", 22),
    Column("企业名称", "name", 30, info_only=True),
    Column("专员编号", "specialist", 14),
    Column("专员姓名", "specialist_name", 12, info_only=True),
)


def export_pairings(user: User) -> bytes:
    rows = (
        Pairing.objects.filter(active=True, enterprise__in=enterprises_visible_to(user))
        .select_related("enterprise", "specialist")
        .order_by("enterprise__credit_code")
    )
    return build_workbook(
        "一对一结对",
        COLUMNS,
        (
            [p.enterprise.credit_code, p.enterprise.name, p.specialist.code, p.specialist.name]
            for p in rows
        ),
    )


def import_pairings(data: bytes, *, user: User) -> ImportResult:
    rows = read_rows(data, COLUMNS)
    problems = Problems()
    seen: dict[str, int] = {}
    codes = [r["credit_code"].strip().upper() for _, r in rows]
    enterprises = {
        e.credit_code: e.pk for e in enterprises_visible_to(user).filter(credit_code__in=codes)
    }
    specialists = {
        s.code: s.pk
        for s in Specialist.objects.filter(
            code__in=[r["specialist"].strip() for _, r in rows], active=True
        )
    }
    plan: list[tuple[int, int, int | None]] = []
    for number, row in rows:
        code = row["credit_code"].strip().upper()
        if code in seen:
            problems.add(number, "统一社会信用代码", f"与第 {seen[code]} 行重复")
            continue
        seen[code] = number
        enterprise = enterprises.get(code)
        if enterprise is None:
            problems.add(number, "统一社会信用代码", f"未找到企业 {code}（或不在您的辖区）")
        specialist_code = row["specialist"].strip()
        specialist = specialists.get(specialist_code) if specialist_code else None
        if specialist_code and specialist is None:
            problems.add(number, "专员编号", f"未知或已停用的政策专员：{specialist_code}")
        if enterprise is not None and (specialist is not None or not specialist_code):
            plan.append((number, enterprise, specialist))
    problems.raise_if_any()
    created = updated = unchanged = 0
    with transaction.atomic():
        for number, enterprise, specialist in plan:
            before = Pairing.objects.filter(enterprise_id=enterprise, active=True).first()
            try:
                pairing_set(user=user, enterprise_id=enterprise, specialist_id=specialist)
            except (ValidationFailed, DomainError) as exc:
                problems.add(number, "专员编号", exc.message)
                continue
            if (before is None and specialist is None) or (
                before is not None and before.specialist_id == specialist
            ):
                unchanged += 1
            elif before is None:
                created += 1
            else:
                updated += 1
        problems.raise_if_any()  # rolls the whole file back
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
