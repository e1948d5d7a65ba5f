"""Scoring, pure (issue 15): no ORM, so every rule is tested on hand-built numbers.

A scheme is a tree: dimensions → first-level → second-level indicators. Each leaf scores a
unit 0–100 from its source's value by one rule; a parent scores the weighted mean of its
children (weights are shares of 100 among siblings); the total is the weighted mean of the
dimensions. A leaf without data for a unit follows its `missing` policy: left out (its
weight goes to its siblings, as B-READY re-weights a topic without data), full marks or
zero. Deductions (per event, capped) and bonus items (capped) then move the total.

Every score carries how it was reached (`explain`), shown on the scorecard and the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qitong.appraisal.states import Direction, Missing, RuleKind

NO_DATA = "无数据"
DEFAULT_BANDS: list[dict[str, Any]] = [
    {"label": "好", "min": 90},
    {"label": "较好", "min": 80},
    {"label": "一般", "min": 70},
    {"label": "较差", "min": 0},
]


def r2(x: float) -> float:
    """Two decimals, half away from zero on the decimal value (what a person checks by hand)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{r2(x):g}"


def clamp(x: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, x))


@dataclass(frozen=True)
class Scored:
    score: float | None  # 0–100; None: left out (no data, policy exclude)
    explain: str


# --- the rules ------------------------------------------------------------------------------


def linear(value: float, *, floor: float, target: float) -> Scored:
    """100 at or beyond the target, 0 at or beyond the floor, linear between. A floor above
    the target scores a lower-is-better value (a redo rate: floor 10 %, target 2 %)."""
    if floor == target:
        s = 100.0 if value >= target else 0.0
        return Scored(s, f"达到 {fmt(target)} 得 100 分，否则 0 分")
    s = clamp((value - floor) / (target - floor) * 100)
    return Scored(
        r2(s),
        f"({fmt(value)} − {fmt(floor)}) ÷ ({fmt(target)} − {fmt(floor)}) × 100 = {fmt(s)}",
    )


def frontier(
    value: float, values: Sequence[float], *, direction: str, floor: float | None = None
) -> Scored:
    """Distance to frontier: the best unit scores 100, the worst (or the set floor) 0."""
    up = direction == Direction.UP
    best = max(values) if up else min(values)
    worst = floor if floor is not None else (min(values) if up else max(values))
    if best == worst:
        return Scored(100.0, f"各单位相同（{fmt(best)}），均得 100 分")
    s = clamp((value - worst) / (best - worst) * 100)
    what = "下限" if floor is not None else "最差值"
    return Scored(
        r2(s),
        f"(本单位 {fmt(value)} − {what} {fmt(worst)}) ÷ (最优值 {fmt(best)} − {what} "
        f"{fmt(worst)}) × 100 = {fmt(s)}",
    )


def rank_of(value: float, values: Sequence[float], *, direction: str) -> int:
    """Competition ranking (1 = best; equal values share the better rank)."""
    if direction == Direction.UP:
        return 1 + sum(1 for v in values if v > value)
    return 1 + sum(1 for v in values if v < value)


def by_rank(
    value: float,
    values: Sequence[float],
    *,
    direction: str,
    top: float = 100.0,
    bottom: float = 60.0,
) -> Scored:
    """The first scores `top`, the last `bottom`, evenly spaced between by rank."""
    n = len(values)
    rank = rank_of(value, values, direction=direction)
    if n <= 1:
        return Scored(r2(top), f"仅 1 个单位有数据，得 {fmt(top)} 分")
    s = top - (rank - 1) * (top - bottom) / (n - 1)
    return Scored(
        r2(s),
        f"第 {rank} 名 / {n}：{fmt(top)} − ({rank} − 1) × ({fmt(top)} − {fmt(bottom)}) ÷ "
        f"({n} − 1) = {fmt(s)}",
    )


def steps(
    value: float, *, bands: Sequence[Mapping[str, float]], direction: str, otherwise: float = 0
) -> Scored:
    """Threshold steps: the first band the value reaches (≥ its bound when higher is better,
    ≤ when lower is better) gives its score; none reached gives `otherwise`."""
    up = direction == Direction.UP
    for band in bands:
        bound, score = float(band["bound"]), float(band["score"])
        if (value >= bound) if up else (value <= bound):
            sign = "≥" if up else "≤"
            return Scored(r2(score), f"{fmt(value)} {sign} {fmt(bound)}，得 {fmt(score)} 分")
    return Scored(r2(float(otherwise)), f"{fmt(value)} 未达到任何档次，得 {fmt(otherwise)} 分")


def per_event(count: float, *, per: float, cap: float | None) -> tuple[float, str]:
    """Points for `count` events at `per` each, at most `cap` (deductions and bonuses)."""
    raw = count * per
    points = raw if cap is None else min(raw, cap)
    text = f"{fmt(count)} × {fmt(per)} = {fmt(raw)}"
    if cap is not None and raw > cap:
        text += f"，封顶 {fmt(cap)}"
    return r2(points), text


# --- a scheme as data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One indicator of a scheme's snapshot (what a round scores with, frozen at compute)."""

    code: str
    name: str
    weight: float = 0.0  # share of its parent (siblings sum to 100); adjustments: 0
    children: tuple[Node, ...] = ()
    source: str = ""
    rule: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    missing: str = Missing.EXCLUDE

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> Iterable[Node]:
        if self.is_leaf:
            yield self
        for child in self.children:
            yield from child.leaves()

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Node:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            weight=float(data.get("weight") or 0),
            children=tuple(cls.of(c) for c in data.get("children") or ()),
            source=str(data.get("source") or ""),
            rule=str(data.get("rule") or ""),
            params=dict(data.get("params") or {}),
            missing=str(data.get("missing") or Missing.EXCLUDE),
        )


@dataclass(frozen=True)
class Plan:
    """A scheme's snapshot: the weighted tree, the adjustments and their overall caps."""

    dimensions: tuple[Node, ...]
    adjustments: tuple[Node, ...] = ()
    bonus_cap: float | None = None
    deduction_cap: float | None = None

    @classmethod
    def of(cls, snapshot: Mapping[str, Any]) -> Plan:
        def cap(key: str) -> float | None:
            raw = snapshot.get(key)
            return None if raw in (None, "") else float(raw)

        return cls(
            dimensions=tuple(Node.of(d) for d in snapshot.get("indicators") or ()),
            adjustments=tuple(Node.of(a) for a in snapshot.get("adjustments") or ()),
            bonus_cap=cap("bonus_cap"),
            deduction_cap=cap("deduction_cap"),
        )

    def leaves(self) -> list[Node]:
        return [leaf for d in self.dimensions for leaf in d.leaves()]


def direction_of(node: Node) -> str:
    return str(node.params.get("direction") or Direction.UP)


def score_leaf(node: Node, value: float | None, peers: Sequence[float]) -> Scored:
    """One unit's score on one weighted leaf; `peers`: every unit's value (with data)."""
    if value is None:
        if node.missing == Missing.FULL:
            return Scored(100.0, "无数据，按满分计")
        if node.missing == Missing.ZERO:
            return Scored(0.0, "无数据，按零分计")
        return Scored(None, "无数据，不计入（权重分给同级其他指标）")
    p = node.params
    d = direction_of(node)
    if node.rule == RuleKind.LINEAR:
        return linear(value, floor=float(p["floor"]), target=float(p["target"]))
    if node.rule == RuleKind.FRONTIER:
        floor = p.get("floor")
        return frontier(
            value, peers, direction=d, floor=None if floor in (None, "") else float(floor)
        )
    if node.rule == RuleKind.RANK:
        return by_rank(
            value,
            peers,
            direction=d,
            top=float(p.get("top", 100)),
            bottom=float(p.get("bottom", 60)),
        )
    if node.rule == RuleKind.STEPS:
        return steps(
            value,
            bands=p["bands"],
            direction=d,
            otherwise=float(p.get("otherwise", 0)),
        )
    raise ValueError(f"{node.code}: rule {node.rule!r} does not score a weighted indicator")


# --- a round's scoring ------------------------------------------------------------------------


@dataclass
class NodeResult:
    code: str
    score: float | None
    explain: str = ""
    points: float | None = None  # adjustments: the points added or taken


@dataclass
class UnitResult:
    unit: Any
    weighted: float
    bonus: float
    deduction: float
    total: float
    nodes: dict[str, NodeResult]
    rank: int = 0  # 0: not ranked (no data on any indicator)
    grade: str = ""
    has_data: bool = True


def _mean(node: Node, scores: dict[str, NodeResult]) -> NodeResult:
    parts = [(c, scores[c.code].score) for c in node.children]
    counted = [(c.weight, s) for c, s in parts if s is not None]
    total_weight = sum(w for w, _ in counted)
    if not counted or total_weight <= 0:
        return NodeResult(node.code, None, "下级指标均无数据，不计入")
    s = sum(w * v for w, v in counted) / total_weight
    terms = " + ".join(f"{fmt(v)} × {fmt(w)}" for w, v in counted)
    return NodeResult(node.code, r2(s), f"({terms}) ÷ {fmt(total_weight)} = {fmt(s)}")


def score_unit(
    plan: Plan,
    unit: Any,
    values: Mapping[str, float | None],
    peers: Mapping[str, Sequence[float]],
) -> UnitResult:
    """A unit's result from its values per leaf code (adjustments: event counts)."""
    scores: dict[str, NodeResult] = {}

    def walk(node: Node) -> NodeResult:
        if node.is_leaf:
            got = score_leaf(node, values.get(node.code), peers.get(node.code, ()))
            result = NodeResult(node.code, got.score, got.explain)
        else:
            for child in node.children:
                walk(child)
            result = _mean(node, scores)
        scores[node.code] = result
        return result

    for dim in plan.dimensions:
        walk(dim)
    root = _mean(Node("", "", children=plan.dimensions), scores)
    weighted = root.score or 0.0
    bonus = deduction = 0.0
    for adj in plan.adjustments:
        count = float(values.get(adj.code) or 0)
        cap = adj.params.get("cap")
        points, text = per_event(
            count, per=float(adj.params["per"]), cap=None if cap in (None, "") else float(cap)
        )
        sign = -1 if adj.rule == RuleKind.DEDUCTION else 1
        scores[adj.code] = NodeResult(adj.code, None, text, sign * points)
        if sign < 0:
            deduction += points
        else:
            bonus += points
    if plan.bonus_cap is not None:
        bonus = min(bonus, plan.bonus_cap)
    if plan.deduction_cap is not None:
        deduction = min(deduction, plan.deduction_cap)
    total = max(0.0, weighted + bonus - deduction)
    result = UnitResult(unit, r2(weighted), r2(bonus), r2(deduction), r2(total), scores)
    result.has_data = root.score is not None
    return result


def peers_of(
    plan: Plan, by_unit: Mapping[Any, Mapping[str, float | None]]
) -> dict[str, list[float]]:
    """Every unit's value (with data) per leaf: what relative rules compare against."""
    out: dict[str, list[float]] = {}
    for leaf in plan.leaves():
        out[leaf.code] = [v[leaf.code] for v in by_unit.values() if v.get(leaf.code) is not None]  # type: ignore[misc]
    return out


def grade_of(total: float, bands: Sequence[Mapping[str, Any]]) -> str:
    """The first band (highest minimum first) whose minimum the total reaches."""
    ordered = sorted(bands, key=lambda b: -float(b["min"]))
    for band in ordered:
        if total >= float(band["min"]):
            return str(band["label"])
    return str(ordered[-1]["label"]) if ordered else ""


def score_round(
    plan: Plan,
    by_unit: Mapping[Any, Mapping[str, float | None]],
    bands: Sequence[Mapping[str, Any]] = DEFAULT_BANDS,
) -> list[UnitResult]:
    """Every unit's result, ranked by total (competition ranking: ties share the rank) and
    graded by the bands. A unit without data on any weighted indicator (no ticket, no task,
    no problem in the quarter) is not ranked or graded: it is listed last as 无数据."""
    peers = peers_of(plan, by_unit)
    results = [score_unit(plan, unit, values, peers) for unit, values in by_unit.items()]
    totals = [r.total for r in results if r.has_data]
    for r in results:
        if r.has_data:
            r.rank = rank_of(r.total, totals, direction=Direction.UP)
            r.grade = grade_of(r.total, bands)
        else:
            r.rank, r.grade = 0, NO_DATA
    return sorted(results, key=lambda r: (r.rank == 0, r.rank, str(r.unit)))
