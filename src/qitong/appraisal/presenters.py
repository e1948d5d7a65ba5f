"""How a round, a unit's scorecard and an objection are shown (the pages, the API and the
reports read the same dictionaries). Before publication a unit sees its own scores but not
its rank or grade (they depend on the others' figures, still under review)."""

from __future__ import annotations

from typing import Any

from qitong.accounts.actor import Actor
from qitong.appraisal.models import Objection, Round, RoundUnit, Scheme
from qitong.appraisal.rules import Node, Plan
from qitong.appraisal.schemes import snapshot_of
from qitong.appraisal.selectors import FINAL, reads_everything
from qitong.appraisal.sources import SOURCES
from qitong.appraisal.states import RuleKind
from qitong.appraisal.transitions import OBJECTION, ROUND

RULE_LABELS = dict(RuleKind.choices)


def plan_of(rnd: Round) -> dict[str, Any]:
    return rnd.snapshot or snapshot_of(rnd.scheme)


def rule_text(node: Node | dict[str, Any]) -> str:
    """The rule in words, as the scorecard and the report print it."""
    rule = node.rule if isinstance(node, Node) else node.get("rule", "")
    p = node.params if isinstance(node, Node) else node.get("params", {})
    up = (p.get("direction") or "up") == "up"
    if rule == RuleKind.LINEAR:
        return f"线性：{p.get('floor'):g} 得 0 分，{p.get('target'):g} 得 100 分"
    if rule == RuleKind.FRONTIER:
        floor = p.get("floor")
        worst = f"下限 {floor:g}" if floor is not None else "最差单位"
        return f"前沿距离：最优单位 100 分，{worst} 0 分（{'越高越好' if up else '越低越好'}）"
    if rule == RuleKind.RANK:
        return f"按排名：第一名 {p.get('top', 100):g} 分，最后一名 {p.get('bottom', 60):g} 分"
    if rule == RuleKind.STEPS:
        sign = "≥" if up else "≤"
        bands = "；".join(f"{sign}{b['bound']:g} 得 {b['score']:g}" for b in p.get("bands", []))
        return f"分档：{bands}；其余 {p.get('otherwise', 0):g} 分"
    if rule in (RuleKind.DEDUCTION, RuleKind.BONUS):
        verb = "扣" if rule == RuleKind.DEDUCTION else "加"
        cap = p.get("cap")
        return f"每件{verb} {p.get('per'):g} 分" + (
            f"，最多{verb} {cap:g} 分" if cap is not None else ""
        )
    return RULE_LABELS.get(rule, rule)


def present_scheme(scheme: Scheme, *, tree: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": scheme.pk,
        "code": scheme.code,
        "version": scheme.version,
        "name": scheme.name,
        "scope": scheme.scope,
        "scope_label": scheme.get_scope_display(),
        "description": scheme.description,
        "basis": scheme.basis,
        "objection_days": scheme.objection_days,
        "bands": scheme.bands,
        "replaces": scheme.replaces_id,
        "is_latest": scheme.is_latest,
        "created_at": scheme.created_at,
    }
    if tree:
        snap = snapshot_of(scheme)
        out |= {
            "indicators": snap["indicators"],
            "adjustments": snap["adjustments"],
            "bonus_cap": snap["bonus_cap"],
            "deduction_cap": snap["deduction_cap"],
        }
    return out


def present_round(rnd: Round, actor: Actor) -> dict[str, Any]:
    return {
        "id": rnd.pk,
        "scheme": rnd.scheme_id,
        "scheme_name": rnd.scheme.name,
        "scheme_version": rnd.scheme.version,
        "scope": rnd.scheme.scope,
        "period": rnd.period,
        "version": rnd.version,
        "corrects": rnd.corrects_id,
        "correction_reason": rnd.correction_reason,
        "state": rnd.state,
        "state_label": rnd.get_state_display(),
        "bands": rnd.bands,
        "computed_at": rnd.computed_at,
        "review_opened_at": rnd.review_opened_at,
        "objection_due": rnd.objection_due,
        "published_at": rnd.published_at,
        "publish_note": rnd.publish_note,
        "revision": rnd.revision,
        "allowed_actions": [a for a in ROUND.allowed(rnd, actor) if a != "supersede"],
    }


def shows_rank(rnd: Round, actor: Actor) -> bool:
    return rnd.state in FINAL or reads_everything(actor)


def _figure(row: RoundUnit, node: Node) -> dict[str, Any]:
    source = SOURCES.get(node.source)
    figure = row.inputs.get(node.code, {})
    got = row.scores.get(node.code, {})
    return {
        "code": node.code,
        "name": node.name,
        "weight": node.weight,
        "source": node.source,
        "source_label": source.label if source else node.source,
        "formula": source.formula if source else "",
        "unit": source.unit if source else "",
        "rule": node.rule,
        "rule_text": rule_text(node),
        "value": figure.get("value"),
        "numerator": figure.get("numerator"),
        "denominator": figure.get("denominator"),
        "url": figure.get("url", ""),
        "numerator_url": figure.get("numerator_url", ""),
        "note": figure.get("note", ""),
        "original": figure.get("original"),
        "objection": figure.get("objection"),
        "score": got.get("score"),
        "points": got.get("points"),
        "explain": got.get("explain", ""),
    }


def _groups(row: RoundUnit, nodes: tuple[Node, ...], depth: int) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        got = row.scores.get(node.code, {})
        item: dict[str, Any] = {
            "code": node.code,
            "name": node.name,
            "weight": node.weight,
            "level": depth,
            "score": got.get("score"),
            "explain": got.get("explain", ""),
        }
        if node.is_leaf:
            item |= _figure(row, node)
        else:
            item["children"] = _groups(row, node.children, depth + 1)
        out.append(item)
    return out


def present_result(row: RoundUnit, plan: Plan, *, ranked: bool) -> dict[str, Any]:
    """A unit's scorecard: the total and how it was reached, down to each figure's records."""
    return {
        "unit": {"id": row.unit_id, "code": row.unit.code, "name": row.name},
        "total": float(row.total),
        "weighted": float(row.weighted),
        "bonus": float(row.bonus),
        "deduction": float(row.deduction),
        "rank": row.rank if ranked else None,
        "grade": row.grade if ranked else None,
        "dimensions": [
            {
                "code": d.code,
                "name": d.name,
                "weight": d.weight,
                "score": row.scores.get(d.code, {}).get("score"),
            }
            for d in plan.dimensions
        ],
        "tree": _groups(row, plan.dimensions, 1),
        "indicators": [_figure(row, leaf) for leaf in plan.leaves()],
        "adjustments": [_figure(row, a) for a in plan.adjustments],
    }


def present_objection(o: Objection, actor: Actor) -> dict[str, Any]:
    return {
        "id": o.pk,
        "round": o.round_id,
        "unit": {"id": o.unit_id, "name": o.unit.name},
        "indicator": o.indicator,
        "reason": o.reason,
        "claimed_value": None if o.claimed_value is None else str(o.claimed_value),
        "state": o.state,
        "state_label": o.get_state_display(),
        "decision": o.decision,
        "corrected_value": None if o.corrected_value is None else str(o.corrected_value),
        "old_value": None if o.old_value is None else str(o.old_value),
        "old_total": None if o.old_total is None else str(o.old_total),
        "new_total": None if o.new_total is None else str(o.new_total),
        "filed_at": o.filed_at,
        "decided_at": o.decided_at,
        "files": [
            {"id": f.pk, "name": f.original_name, "size": f.size, "sha256": f.sha256}
            for f in o.files.all()
        ],
        "version": o.version,
        "allowed_actions": OBJECTION.allowed(o, actor),
    }
