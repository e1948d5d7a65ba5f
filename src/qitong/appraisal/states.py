"""The appraisal domain's status sets (issue 15): a round's cycle, an objection's, the units a
scheme applies to, and the kinds of scoring rule."""

from __future__ import annotations

from django.db import models


class RoundState(models.TextChoices):
    DRAFT = "draft", "草稿"  # created for a scheme and a quarter; manual values may be entered
    COMPUTED = "computed", "已计算"  # the platform's figures are snapshotted; units see nothing yet
    IN_REVIEW = "in_review", "公示复核中"  # units see their own scorecard and may object
    PUBLISHED = "published", "已发布"  # frozen, ranked and graded; everyone in scope sees it
    SUPERSEDED = "superseded", "已被更正"  # a correction round (a new version) was published


class ObjectionState(models.TextChoices):
    OPEN = "open", "待处理"
    UPHELD = "upheld", "异议成立"  # the assessor corrected the input; the round was rescored
    REJECTED = "rejected", "异议不成立"
    WITHDRAWN = "withdrawn", "已撤回"


class UnitScope(models.TextChoices):
    """Who a scheme assesses (盟市 and departments are scored by separate schemes)."""

    TERRITORIAL = "territorial", "盟市（含计划单列市）"
    DEPARTMENT = "department", "自治区部门"


class RuleKind(models.TextChoices):
    LINEAR = "linear", "线性插值（下限至目标值）"
    FRONTIER = "frontier", "前沿距离（最优 100、最差或下限 0）"
    RANK = "rank", "按排名赋分"
    STEPS = "steps", "分档赋分"
    DEDUCTION = "deduction", "按次扣分（封顶）"
    BONUS = "bonus", "加分（封顶）"


WEIGHTED_RULES = frozenset({RuleKind.LINEAR, RuleKind.FRONTIER, RuleKind.RANK, RuleKind.STEPS})
ADJUSTMENT_RULES = frozenset({RuleKind.DEDUCTION, RuleKind.BONUS})


class Missing(models.TextChoices):
    """What a weighted indicator scores when its source has no data for a unit (no tickets
    dispatched, no task due in the quarter)."""

    EXCLUDE = "exclude", "不计入（权重分给同级其他指标）"
    FULL = "full", "按满分计"
    ZERO = "zero", "按零分计"


class Direction(models.TextChoices):
    UP = "up", "越高越好"
    DOWN = "down", "越低越好"
