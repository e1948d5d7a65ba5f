"""The hotline statistics API: the same indicators as the dashboards (dashboards.hotline)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.dashboards import hotline

router = Router(tags=["统计"])


class HotlineQuery(Schema):
    unit_kind: Literal["department", "region", "desk"] = Field(
        default="department", description="统计单位：承办单位、盟市或专席"
    )
    unit: str = Field(
        default="",
        max_length=12,
        description="只看一个单位：承办单位或专席的 id，盟市的 6 位区划代码（如 150100）",
        json_schema_extra={"pattern": "^[0-9]*$"},
    )
    from_: dt.date | None = Field(
        default=None, alias="from", description="受理日期起（含），默认本月 1 日"
    )
    to: dt.date | None = Field(default=None, description="受理日期止（含），默认今天")


class StatsUnitOut(BaseModel):
    kind: str
    name: str
    id: int | None = None
    code: str | None = None


class UnitStatsOut(BaseModel):
    unit: StatsUnitOut
    dispatched: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    extension_rate: float | None
    return_rate: float | None
    redo_rate: float | None
    first_call_rate: float | None
    online_share: float | None
    average_reply_hours: float | None
    p90_reply_hours: float | None
    counts: dict[str, int]
    tickets_url: str


class HotlineOut(BaseModel):
    unit_kind: str
    from_: dt.date = Field(serialization_alias="from")
    to: dt.date
    items: list[UnitStatsOut]
    total: UnitStatsOut
    formulas: dict[str, str]


@router.get(
    "/stats/hotline",
    response=HotlineOut,
    by_alias=True,
    summary="热线指标（响应率、解决率、满意率等）按承办单位、盟市或专席统计，含各比率的分子分母",
)
def hotline_stats(request: HttpRequest, params: Query[HotlineQuery]) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    period = hotline.period_of(params.from_, params.to)
    items = hotline.hotline_stats(
        actor=actor, unit_kind=params.unit_kind, unit=params.unit, period=period
    )
    total = hotline.hotline_total(actor=actor, period=period)
    return {
        "unit_kind": params.unit_kind,
        "from_": period.start,
        "to": period.end,
        "items": [s.as_dict() for s in items],
        "total": total.as_dict(),
        "formulas": {r.key: f"{r.label} = {r.formula}" for r in hotline.RATES},
    }
