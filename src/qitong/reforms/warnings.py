"""Warnings against expected progress (序时进度), issue 12: a pure function of an item's dates,
progress and missed reports, the plan's thresholds, the day and the working calendar.

- expected progress = the share of time elapsed between planned start and deadline (0–100);
- yellow: ≥ `yellow_behind` points behind, or within `near_deadline_days` working days of the
  deadline and not done, or one period's report missing;
- red: past the deadline and not done, ≥ `red_behind` points behind, or two reports missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qitong.core.workdays import WorkCalendar
from qitong.reforms.states import Warning


@dataclass(frozen=True)
class Thresholds:
    yellow_behind: int = 15
    red_behind: int = 30
    near_deadline_days: int = 10


@dataclass(frozen=True)
class Verdict:
    level: str  # Warning
    reasons: tuple[str, ...]
    expected: int  # 序时进度, %


def expected_progress(start: dt.date, deadline: dt.date, day: dt.date) -> int:
    if day <= start:
        return 0
    if day >= deadline:
        return 100
    return round(100 * (day - start).days / (deadline - start).days)


def working_days_left(
    day: dt.date, deadline: dt.date, calendar: WorkCalendar, cap: int = 366
) -> int:
    """Working days after `day` up to and including the deadline, counted up to `cap` + 1
    (a caller asking "within N working days?" needs no more: a grid of thousands of cells
    judged as of a past day counted whole years before)."""
    count, cursor = 0, day
    while cursor < deadline and count <= cap:
        cursor += dt.timedelta(days=1)
        count += calendar.is_workday(cursor)
    return count


def judge(
    *,
    start: dt.date,
    deadline: dt.date,
    progress: int,
    done: bool,
    missed: int,
    day: dt.date,
    thresholds: Thresholds,
    calendar: WorkCalendar,
) -> Verdict:
    expected = expected_progress(start, deadline, day)
    if done:
        return Verdict(Warning.NONE, (), expected)
    behind = expected - progress
    red: list[str] = []
    yellow: list[str] = []
    if day > deadline:
        red.append(f"已超过完成时限（{deadline:%Y-%m-%d}）")
    if behind >= thresholds.red_behind:
        red.append(f"落后序时进度 {behind} 个百分点")
    elif behind >= thresholds.yellow_behind:
        yellow.append(f"落后序时进度 {behind} 个百分点")
    if missed >= 2:
        red.append(f"缺报 {missed} 期")
    elif missed == 1:
        yellow.append("缺报 1 期")
    if day <= deadline:
        left = working_days_left(day, deadline, calendar, cap=thresholds.near_deadline_days)
        if left <= thresholds.near_deadline_days:
            yellow.append(f"距完成时限仅剩 {left} 个工作日")
    if red:
        return Verdict(Warning.RED, tuple(red + yellow), expected)
    if yellow:
        return Verdict(Warning.YELLOW, tuple(yellow), expected)
    return Verdict(Warning.NONE, (), expected)
