"""The scoring rules (appraisal.rules), table-driven on hand-built numbers: no database."""

from __future__ import annotations

import pytest

from qitong.appraisal import rules
from qitong.appraisal.periods import Quarter, parse_quarter, quarter_of
from qitong.appraisal.rules import Node, Plan, score_round, score_unit


@pytest.mark.parametrize(
    ("value", "floor", "target", "score"),
    [
        (95, 60, 95, 100),  # at the target
        (99, 60, 95, 100),  # beyond it: capped
        (60, 60, 95, 0),
        (50, 60, 95, 0),  # below the floor
        (77.5, 60, 95, 50),
        (92.3, 60, 95, 92.29),  # (32.3 / 35) × 100 = 92.2857…
        (5, 10, 2, 62.5),  # lower is better: a redo rate, floor 10 %, target 2 %
        (1, 10, 2, 100),
        (12, 10, 2, 0),
    ],
)
def test_linear(value: float, floor: float, target: float, score: float) -> None:
    assert rules.linear(value, floor=floor, target=target).score == score


def test_linear_explains_itself() -> None:
    got = rules.linear(77.5, floor=60, target=95)
    assert got.explain == "(77.5 − 60) ÷ (95 − 60) × 100 = 50"


@pytest.mark.parametrize(
    ("value", "values", "direction", "floor", "score"),
    [
        (90, [70, 80, 90], "up", None, 100),  # the best unit
        (70, [70, 80, 90], "up", None, 0),  # the worst
        (80, [70, 80, 90], "up", None, 50),
        (80, [70, 80, 90], "up", 50, 75),  # a set floor instead of the worst: (80-50)/(90-50)
        (40, [40, 80, 90], "up", 50, 0),  # below the floor: 0
        (2, [2, 4, 6], "down", None, 100),  # lower is better
        (4, [2, 4, 6], "down", None, 50),
        (6, [2, 4, 6], "down", None, 0),
        (5, [5, 5, 5], "up", None, 100),  # everyone equal: everyone at the frontier
    ],
)
def test_frontier(
    value: float, values: list[float], direction: str, floor: float | None, score: float
) -> None:
    assert rules.frontier(value, values, direction=direction, floor=floor).score == score


@pytest.mark.parametrize(
    ("value", "values", "direction", "score"),
    [
        (90, [90, 80, 70, 60, 50], "up", 100),  # first
        (50, [90, 80, 70, 60, 50], "up", 60),  # last
        (70, [90, 80, 70, 60, 50], "up", 80),  # third of five: 100 − 2 × 40 / 4
        (80, [90, 80, 80, 50], "up", 86.67),  # tied second: both rank 2
        (50, [90, 80, 80, 50], "up", 60),  # then fourth (competition ranking)
        (1, [1, 2, 3], "down", 100),
        (42, [42], "up", 100),  # alone
    ],
)
def test_by_rank(value: float, values: list[float], direction: str, score: float) -> None:
    assert rules.by_rank(value, values, direction=direction).score == score


def test_by_rank_with_own_range() -> None:
    assert rules.by_rank(3, [1, 2, 3], direction="up", top=100, bottom=80).score == 100
    assert rules.by_rank(1, [1, 2, 3], direction="up", top=100, bottom=80).score == 80


STEPS_UP = [{"bound": 95, "score": 100}, {"bound": 90, "score": 90}, {"bound": 80, "score": 70}]
STEPS_DOWN = [{"bound": 1, "score": 100}, {"bound": 3, "score": 80}]


@pytest.mark.parametrize(
    ("value", "bands", "direction", "otherwise", "score"),
    [
        (96, STEPS_UP, "up", 0, 100),
        (95, STEPS_UP, "up", 0, 100),  # on the bound
        (94.99, STEPS_UP, "up", 0, 90),
        (80, STEPS_UP, "up", 0, 70),
        (79, STEPS_UP, "up", 40, 40),  # below every step
        (0.5, STEPS_DOWN, "down", 0, 100),
        (2, STEPS_DOWN, "down", 0, 80),
        (4, STEPS_DOWN, "down", 10, 10),
    ],
)
def test_steps(
    value: float, bands: list[dict[str, float]], direction: str, otherwise: float, score: float
) -> None:
    assert rules.steps(value, bands=bands, direction=direction, otherwise=otherwise).score == score


@pytest.mark.parametrize(
    ("count", "per", "cap", "points"),
    [
        (0, 2, 10, 0),
        (3, 2, 10, 6),
        (5, 2, 10, 10),
        (9, 2, 10, 10),
        (9, 2, None, 18),
        (1, 0.5, 1, 0.5),
    ],
)
def test_per_event(count: float, per: float, cap: float | None, points: float) -> None:
    assert rules.per_event(count, per=per, cap=cap)[0] == points


def test_per_event_says_when_capped() -> None:
    assert rules.per_event(9, per=2, cap=10)[1] == "9 × 2 = 18，封顶 10"


def _leaf(code: str, weight: float, **kw: object) -> Node:
    return Node(code=code, name=code, weight=weight, source="manual", **kw)  # type: ignore[arg-type]


LINEAR = {"floor": 0, "target": 100}
PLAN = Plan(
    dimensions=(
        Node(
            "A",
            "甲",
            60,
            children=(
                _leaf("A1", 50, rule="linear", params=LINEAR),
                _leaf("A2", 50, rule="linear", params=LINEAR),
            ),
        ),
        Node("B", "乙", 40, children=(_leaf("B1", 100, rule="linear", params=LINEAR),)),
    ),
    adjustments=(
        Node("X", "问责", rule="deduction", source="manual", params={"per": 2, "cap": 6}),
        Node("Y", "创新", rule="bonus", source="manual", params={"per": 1, "cap": 3}),
    ),
)


def test_the_tree_is_a_weighted_mean_of_weighted_means() -> None:
    got = score_unit(PLAN, "u", {"A1": 80, "A2": 60, "B1": 90}, {})
    assert got.nodes["A"].score == 70
    assert got.nodes["B"].score == 90
    assert got.weighted == 78  # 70 × 0.6 + 90 × 0.4
    assert got.total == 78


def test_a_leaf_without_data_hands_its_weight_to_its_siblings() -> None:
    got = score_unit(PLAN, "u", {"A1": 80, "A2": None, "B1": 90}, {})
    assert got.nodes["A2"].score is None
    assert got.nodes["A"].score == 80
    assert got.weighted == 84


@pytest.mark.parametrize(("missing", "a"), [("full", 90), ("zero", 40)])
def test_missing_policies(missing: str, a: float) -> None:
    plan = Plan(
        dimensions=(
            Node(
                "A",
                "甲",
                100,
                children=(
                    _leaf("A1", 50, rule="linear", params=LINEAR),
                    _leaf("A2", 50, rule="linear", params=LINEAR, missing=missing),
                ),
            ),
        )
    )
    assert score_unit(plan, "u", {"A1": 80}, {}).total == a


def test_deductions_and_bonuses_are_capped_each_and_move_the_total() -> None:
    got = score_unit(PLAN, "u", {"A1": 80, "A2": 60, "B1": 90, "X": 5, "Y": 2}, {})
    assert got.deduction == 6  # 5 × 2 = 10, capped at 6
    assert got.bonus == 2
    assert got.total == 74  # 78 + 2 − 6
    assert got.nodes["X"].points == -6


def test_overall_caps_and_the_total_never_below_zero() -> None:
    plan = Plan(dimensions=PLAN.dimensions, adjustments=PLAN.adjustments, deduction_cap=4)
    assert score_unit(plan, "u", {"A1": 80, "A2": 60, "B1": 90, "X": 5}, {}).deduction == 4
    poor = score_unit(PLAN, "u", {"A1": 0, "A2": 0, "B1": 2, "X": 9}, {})
    assert poor.total == 0


def test_a_round_ranks_with_ties_and_grades_by_bands() -> None:
    by_unit = {
        "甲": {"A1": 100, "A2": 100, "B1": 100},
        "乙": {"A1": 80, "A2": 80, "B1": 80},
        "丙": {"A1": 80, "A2": 80, "B1": 80},
        "丁": {"A1": 50, "A2": 50, "B1": 50},
    }
    got = {r.unit: r for r in score_round(PLAN, by_unit)}
    assert [got[u].rank for u in "甲乙丙丁"] == [1, 2, 2, 4]
    assert [got[u].grade for u in "甲乙丙丁"] == ["好", "较好", "较好", "较差"]


def test_relative_rules_compare_the_units_of_the_round() -> None:
    plan = Plan(
        dimensions=(
            Node(
                "A",
                "甲",
                100,
                children=(_leaf("A1", 100, rule="frontier", params={"direction": "up"}),),
            ),
        )
    )
    got = {
        r.unit: r.total
        for r in score_round(plan, {"a": {"A1": 90}, "b": {"A1": 70}, "c": {"A1": 80}})
    }
    assert got == {"a": 100, "b": 0, "c": 50}


@pytest.mark.parametrize(
    ("total", "grade"),
    [(90, "好"), (89.99, "较好"), (80, "较好"), (70, "一般"), (69.9, "较差"), (0, "较差")],
)
def test_default_bands(total: float, grade: str) -> None:
    assert rules.grade_of(total, rules.DEFAULT_BANDS) == grade


def test_plan_reads_a_snapshot() -> None:
    snapshot = {
        "indicators": [
            {"code": "A", "name": "甲", "weight": 100, "children": [
                {"code": "A1", "name": "x", "weight": 100, "source": "manual", "rule": "linear",
                 "params": LINEAR, "missing": "zero"}]}
        ],
        "adjustments": [{"code": "X", "name": "扣", "rule": "deduction", "source": "manual", "params": {"per": 1}}],
        "bonus_cap": None,
        "deduction_cap": 5,
    }  # fmt: skip
    plan = Plan.of(snapshot)
    assert [leaf.code for leaf in plan.leaves()] == ["A1"]
    assert plan.leaves()[0].missing == "zero"
    assert plan.deduction_cap == 5


@pytest.mark.parametrize(
    ("raw", "key", "start", "end"),
    [
        ("2026Q3", "2026Q3", "2026-07-01", "2026-09-30"),
        (" 2026q1 ", "2026Q1", "2026-01-01", "2026-03-31"),
        ("2025Q4", "2025Q4", "2025-10-01", "2025-12-31"),
    ],
)
def test_quarters(raw: str, key: str, start: str, end: str) -> None:
    q = parse_quarter(raw)
    assert (q.key, q.start.isoformat(), q.end.isoformat()) == (key, start, end)


@pytest.mark.parametrize("raw", ["2026Q5", "2026-3", "Q3", "", None, "1999Q1", "2026Q0"])
def test_bad_quarters(raw: object) -> None:
    with pytest.raises(ValueError, match="2026Q3"):
        parse_quarter(raw)


def test_quarter_arithmetic() -> None:
    import datetime as dt

    assert quarter_of(dt.date(2026, 12, 4)) == Quarter(2026, 4)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 3).label == "2026年第三季度"


def test_a_unit_without_any_data_is_not_ranked_or_graded() -> None:
    by_unit = {"甲": {"A1": 90, "A2": 90, "B1": 90}, "乙": {"A1": None, "A2": None, "B1": None}}
    got = {r.unit: r for r in score_round(PLAN, by_unit)}
    assert (got["甲"].rank, got["甲"].grade) == (1, "好")
    assert (got["乙"].rank, got["乙"].grade, got["乙"].has_data) == (0, "无数据", False)
    assert [r.unit for r in score_round(PLAN, by_unit)] == ["甲", "乙"]
