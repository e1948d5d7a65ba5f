"""A round's computation: snapshot the platform's figures for every unit (appraisal.sources),
then score them (appraisal.rules). The two are apart on purpose: what a round computed is
stored per unit (`RoundUnit.inputs`), and every later rescoring — a manual value entered, an
objection upheld, the bands changed — reads those stored inputs, never the live data, so a
figure changed after compute moves nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from qitong.appraisal.models import ManualValue, Round, RoundUnit
from qitong.appraisal.periods import parse_quarter
from qitong.appraisal.rules import DEFAULT_BANDS, Plan, score_round
from qitong.appraisal.sources import SOURCES, Figure, fetch_all
from qitong.appraisal.states import UnitScope
from qitong.reforms.models import ReportingUnit
from qitong.reforms.states import UnitKind


def units_for(scope: str) -> list[ReportingUnit]:
    """The active reporting units a scheme of this scope assesses, in their usual order."""
    qs = ReportingUnit.objects.filter(active=True).select_related("region")
    if scope == UnitScope.DEPARTMENT:
        qs = qs.filter(kind=UnitKind.DEPARTMENT)
    else:
        qs = qs.exclude(kind=UnitKind.DEPARTMENT)
    return list(qs.order_by("sort_order", "code"))


def manual_values(rnd: Round) -> dict[tuple[int, str], ManualValue]:
    """The latest entry per unit and indicator (earlier entries stay on record)."""
    latest: dict[tuple[int, str], ManualValue] = {}
    for mv in rnd.manual_values.order_by("entered_at", "id"):
        latest[(mv.unit_id, mv.indicator)] = mv
    return latest


def manual_figure(mv: ManualValue | None) -> Figure:
    if mv is None:
        return Figure(None, note="尚未录入")
    return Figure(float(mv.value), note=f"人工录入：{mv.evidence}")


def gather(rnd: Round, snapshot: dict[str, Any], now: dt.datetime) -> dict[int, dict[str, Any]]:
    """Every unit's input per indicator code (leaves and adjustments) as stored."""
    plan = Plan.of(snapshot)
    units = units_for(snapshot["scope"])
    nodes = [*plan.leaves(), *plan.adjustments]
    quarter = parse_quarter(rnd.period)
    fetched = fetch_all([n.source for n in nodes], units, quarter, now=now)
    manual = manual_values(rnd)
    out: dict[int, dict[str, Any]] = {}
    for unit in units:
        inputs: dict[str, Any] = {}
        for node in nodes:
            if SOURCES[node.source].fetch is None:
                figure = manual_figure(manual.get((unit.pk, node.code)))
            else:
                figure = fetched[node.source][unit.pk]
            inputs[node.code] = figure.as_dict()
        out[unit.pk] = inputs
    return out


def compute(rnd: Round, snapshot: dict[str, Any], now: dt.datetime) -> list[RoundUnit]:
    """Replace the round's unit rows with freshly snapshotted inputs, scored."""
    inputs = gather(rnd, snapshot, now)
    units = {u.pk: u for u in units_for(snapshot["scope"])}
    rnd.units.all().delete()
    rows = [
        RoundUnit(round=rnd, unit=units[pk], name=units[pk].name, inputs=values)
        for pk, values in inputs.items()
    ]
    RoundUnit.objects.bulk_create(rows)
    return rescore(rnd, snapshot)


def _d(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def rescore(rnd: Round, snapshot: dict[str, Any] | None = None) -> list[RoundUnit]:
    """Score the stored inputs of every unit (relative rules compare all units, so an upheld
    objection rescoring one unit may move the others'), rank and grade them."""
    plan = Plan.of(snapshot or rnd.snapshot)
    rows = list(rnd.units.select_related("unit"))
    by_unit = {
        row: {code: figure.get("value") for code, figure in row.inputs.items()} for row in rows
    }
    results = score_round(plan, by_unit, rnd.bands or DEFAULT_BANDS)
    ordered = sorted(results, key=lambda r: (r.rank == 0, r.rank, r.unit.unit.sort_order))
    for position, r in enumerate(ordered, start=1):
        row = r.unit
        row.position = position
        row.scores = {
            code: {"score": n.score, "explain": n.explain, "points": n.points}
            for code, n in r.nodes.items()
        }
        row.weighted, row.bonus, row.deduction = _d(r.weighted), _d(r.bonus), _d(r.deduction)
        row.total, row.rank, row.grade = _d(r.total), r.rank, r.grade
    RoundUnit.objects.bulk_update(
        rows, ["scores", "weighted", "bonus", "deduction", "total", "rank", "grade", "position"]
    )
    return sorted(rows, key=lambda row: row.position)


def totals(rows: list[RoundUnit]) -> dict[str, str]:
    """What the ledger keeps of a computation: each unit's total."""
    return {row.name: str(row.total) for row in rows}
