"""System checks (`qitong check`): what an administrator must do before it bites."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ, load_calendar

LOAD_HINT = (
    "请按国务院办公厅当年的节假日安排通知，在管理后台「节假日调整 › 载入年度节假日安排」填写，"
    "或运行 qitong holidays load 文件.csv（格式见 docs/holidays.md）"
)


def calendar_warning(years: list[int]) -> str:
    listed = "、".join(f"{year} 年" for year in years)
    return f"{listed}的法定节假日与调休安排尚未载入：该年的办理时限暂按周末计算，元旦、春节等假期会被算作工作日"


def uncovered_years() -> list[int]:
    return load_calendar().uncovered(clock.now().astimezone(LOCAL_TZ).date())


def calendar_coverage(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W001: this year, or from 1 October the next, has neither the package's holiday data
    nor a loaded State Council notice."""
    try:
        years = uncovered_years()
    except DatabaseError:  # not migrated yet
        return []
    if not years:
        return []
    return [checks.Warning(calendar_warning(years), hint=LOAD_HINT, id="qitong.W001")]
