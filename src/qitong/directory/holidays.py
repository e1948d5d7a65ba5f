"""The State Council's annual holiday notice (国务院办公厅关于某年部分节假日安排的通知), typed in
by an administrator as a few lines of CSV, written as holiday overrides — each on the ledger —
and the year marked as covered, so its deadlines stop being provisional.

    日期,安排,说明
    2027-01-01~2027-01-03,休,元旦
    2027-02-06,班,春节调休补班

`日期` is a date or a range (`~`, `至`, `..`); `安排` is 休 (休息、放假) or 班 (上班、补班);
`说明` is optional. Blank lines and lines starting with # are skipped; the header is optional;
commas may be full-width.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction

from qitong.accounts.models import User
from qitong.core import clock
from qitong.core.errors import ValidationFailed
from qitong.core.models import CalendarYear, HolidayOverride
from qitong.core.workdays import CALENDAR_LOADED_JOBS
from qitong.jobs.services import job_enqueue
from qitong.ledger.services import ledger_record, ledger_record_change, snapshot

REST = {"休", "休息", "放假", "假", "休假"}
WORK = {"班", "上班", "补班", "工作", "调休上班"}
RANGE = re.compile(r"\s*(?:~|～|至|\.\.|—|－)\s*")
MAX_DAYS = 31  # no holiday in a notice is longer; a longer range is a typing error


@dataclass(frozen=True)
class Day:
    date: dt.date
    is_workday: bool
    name: str


def _date(text: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            fields={"text": f"第 {line} 行：无法识别的日期“{text.strip()}”（应为 2027-01-01）"}
        ) from None


def holidays_parse(text: str, year: int) -> list[Day]:
    """Every date the notice names, or ValidationFailed naming each bad line (all at once)."""
    days: dict[dt.date, Day] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in re.split(r"[,，\t]", line)]
        if cells[0] == "日期":
            continue
        if len(cells) < 2:
            problems.append(f"第 {number} 行：应为“日期,安排,说明”三列，如 2027-01-01,休,元旦")
            continue
        kind, name = cells[1], "，".join(c for c in cells[2:] if c)[:50]
        if kind not in REST | WORK:
            problems.append(f"第 {number} 行：安排应为“休”或“班”，不是“{kind}”")
            continue
        try:
            parts = RANGE.split(cells[0])
            first = _date(parts[0], number)
            last = _date(parts[1], number) if len(parts) > 1 else first
        except ValidationFailed as exc:
            problems.append(exc.fields["text"])
            continue
        if last < first or (last - first).days >= MAX_DAYS:
            problems.append(
                f"第 {number} 行：日期范围“{cells[0]}”不对（应从早到晚，最长 {MAX_DAYS} 天）"
            )
            continue
        day = first
        while day <= last:
            if day.year != year:
                problems.append(f"第 {number} 行：{day:%Y-%m-%d} 不在 {year} 年")
                break
            if day in days and days[day].is_workday != (kind in WORK):
                problems.append(f"第 {number} 行：{day:%Y-%m-%d} 与前面的行矛盾")
                break
            days[day] = Day(day, kind in WORK, name)
            day += dt.timedelta(days=1)
    if problems:
        raise ValidationFailed(fields={"text": "；".join(problems)})
    if not days:
        raise ValidationFailed(
            fields={"text": "没有读到任何日期：请逐行填写，如 2027-01-01~2027-01-03,休,元旦"}
        )
    if not any(not d.is_workday for d in days.values()):
        raise ValidationFailed(fields={"text": "通知里至少应有一段放假安排（“休”）"})
    return sorted(days.values(), key=lambda d: d.date)


@dataclass(frozen=True)
class Loaded:
    year: int
    created: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"{self.year} 年：新增 {self.created} 天，修改 {self.updated} 天，"
            f"未变 {self.unchanged} 天；该年的办理时限按载入的安排计算"
        )


def holidays_load(*, year: int, text: str, notice: str = "", actor: User | None) -> Loaded:
    """Write the notice's days (each new or changed override on the ledger) and mark the year
    as covered, in one transaction. Other overrides of the year (local days off) stay."""
    if not 2000 <= year <= 2100:
        raise ValidationFailed(fields={"year": "年份应在 2000–2100 之间"})
    days = holidays_parse(text, year)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            o.date: o for o in HolidayOverride.objects.select_for_update().filter(date__year=year)
        }
        for day in days:
            row = existing.get(day.date)
            if row is None:
                row = HolidayOverride.objects.create(
                    date=day.date, is_workday=day.is_workday, name=day.name
                )
                ledger_record_change(obj=row, action="create", actor=actor)
                created += 1
            elif (row.is_workday, row.name) != (day.is_workday, day.name or row.name):
                before = snapshot(row)
                row.is_workday, row.name = day.is_workday, day.name or row.name
                row.save(update_fields=["is_workday", "name"])
                ledger_record_change(obj=row, action="update", actor=actor, before=before)
                updated += 1
            else:
                unchanged += 1
        marker, _ = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "notice": notice.strip()[:200],
                "loaded_at": clock.now(),
                "loaded_by": actor.username if actor else "",
            },
        )
        ledger_record(
            subject_type="core.calendaryear",
            subject_id=year,
            action="load_notice",
            actor=actor,
            payload={
                "notice": marker.notice,
                "rest": [d.date.isoformat() for d in days if not d.is_workday],
                "work": [d.date.isoformat() for d in days if d.is_workday],
            },
        )
        for func in CALENDAR_LOADED_JOBS:  # with the change, or not at all (the jobs outbox)
            job_enqueue(func, year)
    return Loaded(year, created, updated, unchanged)
