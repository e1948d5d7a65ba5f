"""Indicator schemes: the check of a scheme's tree (weights, sources, rules — every bad field
named by its path, all at once), saving a version, and the snapshot a round scores with.

A scheme is never edited in place: saving a scheme whose code exists makes its next version
(`replaces` the latest), so a round keeps exactly the rules it was scored by.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.appraisal.models import Indicator, Scheme
from qitong.appraisal.rules import DEFAULT_BANDS
from qitong.appraisal.sources import SOURCES
from qitong.appraisal.states import (
    ADJUSTMENT_RULES,
    WEIGHTED_RULES,
    Direction,
    Missing,
    RuleKind,
    UnitScope,
)
from qitong.appraisal.transitions import is_assessor
from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, ValidationFailed
from qitong.ledger.services import ledger_record

SUBJECT = "appraisal.scheme"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
MAX_LEVELS = 3
MAX_NODES = 300
LEVEL_NAMES = {1: "维度", 2: "一级指标", 3: "二级指标"}


def _number(raw: Any, *, low: float | None = None, high: float | None = None) -> float | None:
    """A finite number (JSON number or digits), within bounds; None if it is not one."""
    if isinstance(raw, bool) or raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) > Decimal("1e9"):
        return None
    if (low is not None and value < Decimal(str(low))) or (
        high is not None and value > Decimal(str(high))
    ):
        return None
    return float(value)


def _text(raw: Any, limit: int) -> str | None:
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > limit:
        return None
    return raw.strip()


class _Checker:
    """Walks a posted scheme, collecting normalised nodes and every error by path."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.errors: dict[str, str] = {}
        self.codes: set[str] = set()
        self.count = 0

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def code(self, raw: Any, path: str) -> str:
        code = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not CODE_RE.match(code):
            self.fail(f"{path}.code", "编码应为 1–20 位字母、数字、点、横线或下划线，如 A1.2")
        elif code in self.codes:
            self.fail(f"{path}.code", f"编码 {code} 重复")
        self.codes.add(code)
        return code

    def source(self, raw: Any, path: str, *, counts_only: bool = False) -> str:
        key = raw if isinstance(raw, str) else ""
        found = SOURCES.get(key)
        if not key:
            self.fail(f"{path}.source", "末级指标须指定数据来源")
        elif found is None:
            self.fail(f"{path}.source", f"未知的数据来源：{key}")
        elif self.scope not in found.scopes:
            self.fail(f"{path}.source", f"“{found.label}”不适用于{UnitScope(self.scope).label}")
        elif counts_only and found.kind not in ("count", "value"):
            self.fail(f"{path}.source", "加减分项的数据来源应为计数类（件数）或人工录入")
        return key

    def params(self, rule: str, raw: Any, path: str, source: str) -> dict[str, Any]:
        p = raw if isinstance(raw, dict) else {}
        if raw not in (None, "") and not isinstance(raw, dict):
            self.fail(f"{path}.params", "规则参数应为对象（JSON object）")
        out: dict[str, Any] = {}
        default_direction = SOURCES[source].direction if source in SOURCES else Direction.UP
        direction = p.get("direction") or default_direction
        if not isinstance(direction, str) or direction not in Direction.values:
            self.fail(f"{path}.params.direction", "方向应为 up（越高越好）或 down（越低越好）")
        out["direction"] = direction
        if rule == RuleKind.LINEAR:
            floor, target = _number(p.get("floor")), _number(p.get("target"))
            if floor is None:
                self.fail(f"{path}.params.floor", "线性规则须填下限（得 0 分的数值）")
            if target is None:
                self.fail(f"{path}.params.target", "线性规则须填目标值（得 100 分的数值）")
            if floor is not None and target is not None and floor == target:
                self.fail(f"{path}.params.target", "目标值不能等于下限")
            out |= {"floor": floor, "target": target}
        elif rule == RuleKind.FRONTIER:
            if p.get("floor") not in (None, ""):
                floor = _number(p.get("floor"))
                if floor is None:
                    self.fail(f"{path}.params.floor", "下限应为数字")
                out["floor"] = floor
        elif rule == RuleKind.RANK:
            top = _number(p.get("top", 100), low=0, high=100)
            bottom = _number(p.get("bottom", 60), low=0, high=100)
            if top is None:
                self.fail(f"{path}.params.top", "第一名得分应为 0–100")
            if bottom is None:
                self.fail(f"{path}.params.bottom", "最后一名得分应为 0–100")
            if top is not None and bottom is not None and bottom > top:
                self.fail(f"{path}.params.bottom", "最后一名得分不能高于第一名")
            out |= {"top": top, "bottom": bottom}
        elif rule == RuleKind.STEPS:
            out |= self._steps(p, path, direction)
        elif rule in ADJUSTMENT_RULES:
            per = _number(p.get("per"), low=0)
            if per is None or per <= 0:
                self.fail(f"{path}.params.per", "每次分值应为大于 0 的数字")
            cap = None
            if p.get("cap") not in (None, ""):
                cap = _number(p.get("cap"), low=0, high=100)
                if cap is None:
                    self.fail(f"{path}.params.cap", "封顶分值应为 0–100")
            out |= {"per": per, "cap": cap}
        return out

    def _steps(self, p: dict[str, Any], path: str, direction: str) -> dict[str, Any]:
        bands = p.get("bands")
        if not isinstance(bands, list) or not bands:
            self.fail(f"{path}.params.bands", "分档规则须列出各档：[{bound: 95, score: 100}, …]")
            return {"bands": []}
        out = []
        for i, band in enumerate(bands):
            where = f"{path}.params.bands.{i}"
            b = band if isinstance(band, dict) else {}
            bound, score = _number(b.get("bound")), _number(b.get("score"), low=0, high=100)
            if bound is None:
                self.fail(f"{where}.bound", "档位界值应为数字")
            if score is None:
                self.fail(f"{where}.score", "档位得分应为 0–100")
            out.append({"bound": bound, "score": score})
        bounds = [b["bound"] for b in out if b["bound"] is not None]
        wanted = sorted(bounds, reverse=direction == Direction.UP)
        if bounds != wanted:
            order = "从高到低" if direction == Direction.UP else "从低到高"
            self.fail(f"{path}.params.bands", f"各档界值应{order}排列")
        otherwise = _number(p.get("otherwise", 0), low=0, high=100)
        if otherwise is None:
            self.fail(f"{path}.params.otherwise", "未达任何档次的得分应为 0–100")
        return {"bands": out, "otherwise": otherwise}

    def node(self, raw: Any, path: str, level: int) -> dict[str, Any]:
        self.count += 1
        d = raw if isinstance(raw, dict) else {}
        if not isinstance(raw, dict):
            self.fail(path, "指标应为对象（JSON object）")
        code = self.code(d.get("code"), path)
        name = _text(d.get("name"), 100)
        if name is None:
            self.fail(f"{path}.name", "请填写指标名称（最多 100 字）")
        weight = _number(d.get("weight"), low=0, high=100)
        if weight is None or weight <= 0 or weight != round(weight, 2):
            self.fail(f"{path}.weight", "权重应为大于 0、不超过 100 的数字，最多两位小数")
        node: dict[str, Any] = {"code": code, "name": name or "", "weight": weight or 0}
        node["description"] = str(d.get("description") or "")[:500]
        children = d.get("children") or []
        if not isinstance(children, list):
            self.fail(f"{path}.children", "下级指标应为列表")
            children = []
        if children and level >= MAX_LEVELS:
            self.fail(f"{path}.children", "指标最多三级：维度、一级指标、二级指标")
            children = []
        if children:
            if d.get("source"):
                self.fail(f"{path}.source", "有下级指标的指标不直接取数（由下级加权得分）")
            node["children"] = self.siblings(children, f"{path}.children", level + 1)
            return node
        node["source"] = self.source(d.get("source"), path)
        rule = d.get("rule") if isinstance(d.get("rule"), str) else ""
        if rule not in WEIGHTED_RULES:
            self.fail(
                f"{path}.rule", "评分规则应为 linear、frontier、rank 或 steps（加减分项另列）"
            )
            rule = ""
        node["rule"] = rule
        node["params"] = self.params(str(rule), d.get("params"), path, node["source"])
        missing = d.get("missing") or Missing.EXCLUDE
        if not isinstance(missing, str) or missing not in Missing.values:
            self.fail(f"{path}.missing", "无数据时应为 exclude、full 或 zero")
        node["missing"] = missing
        return node

    def siblings(self, items: list[Any], path: str, level: int) -> list[dict[str, Any]]:
        nodes = [self.node(item, f"{path}.{i}", level) for i, item in enumerate(items)]
        weights = [n["weight"] for n in nodes]
        if all(w for w in weights):
            total = sum(Decimal(str(w)) for w in weights)
            if total != 100:
                self.fail(path, f"同一上级下的{LEVEL_NAMES[level]}权重之和应为 100，现为 {total:g}")
        return nodes

    def adjustment(self, raw: Any, path: str) -> dict[str, Any]:
        d = raw if isinstance(raw, dict) else {}
        if not isinstance(raw, dict):
            self.fail(path, "加减分项应为对象（JSON object）")
        code = self.code(d.get("code"), path)
        name = _text(d.get("name"), 100)
        if name is None:
            self.fail(f"{path}.name", "请填写加减分项名称")
        rule = d.get("rule") if isinstance(d.get("rule"), str) else ""
        if rule not in ADJUSTMENT_RULES:
            self.fail(f"{path}.rule", "加减分项的规则应为 deduction（扣分）或 bonus（加分）")
            rule = ""
        source = self.source(d.get("source"), path, counts_only=True)
        return {
            "code": code,
            "name": name or "",
            "rule": rule,
            "source": source,
            "params": self.params(str(rule), d.get("params"), path, source),
            "description": str(d.get("description") or "")[:500],
        }


def parse_bands(raw: Any, field: str = "bands") -> list[dict[str, Any]]:
    """Grade bands from a list of {label, min} or text ("好 90" per line or comma): at least
    two, distinct labels, minimums 0–100, one of them 0 (every total gets a grade)."""
    items: list[tuple[Any, Any]] = []
    if isinstance(raw, str):
        for part in re.split(r"[\n,，;；]+", raw):
            if part.strip():
                bits = re.split(r"[\s:：=]+", part.strip())
                items.append((bits[0], bits[1] if len(bits) == 2 else None))
    elif isinstance(raw, list):
        items = [
            (b.get("label"), b.get("min")) if isinstance(b, dict) else (None, None) for b in raw
        ]
    else:
        raise ValidationFailed(fields={field: "等次划分应为列表或文字（每行“等次 最低分”）"})
    bands: list[dict[str, Any]] = []
    for label, low in items:
        value = _number(low, low=0, high=100)
        if not isinstance(label, str) or not label.strip() or len(label) > 10 or value is None:
            raise ValidationFailed(
                fields={field: "每档应为“等次 最低分”，等次最多 10 字，最低分 0–100，如“好 90”"}
            )
        bands.append({"label": label.strip(), "min": value})
    labels = [b["label"] for b in bands]
    if len(bands) < 2 or len(set(labels)) != len(labels):
        raise ValidationFailed(fields={field: "至少两档，等次名称不能重复"})
    if min(b["min"] for b in bands) != 0:
        raise ValidationFailed(fields={field: "最低一档的最低分应为 0，使每个总分都有等次"})
    if len({b["min"] for b in bands}) != len(bands):
        raise ValidationFailed(fields={field: "各档最低分不能相同"})
    return sorted(bands, key=lambda b: -b["min"])


def check_scheme(data: dict[str, Any]) -> dict[str, Any]:
    """The posted scheme, normalised; ValidationFailed naming every bad field at once."""
    errors: dict[str, str] = {}
    scope = data.get("scope")
    if not isinstance(scope, str) or scope not in UnitScope.values:
        errors["scope"] = "考核对象应为 territorial（盟市）或 department（自治区部门）"
        scope = UnitScope.TERRITORIAL
    checker = _Checker(str(scope))
    name = _text(data.get("name"), 200)
    if name is None:
        errors["name"] = "请填写指标体系名称（最多 200 字）"
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        errors["code"] = "体系编码应为 1–20 位字母、数字、点、横线或下划线，如 city"
    days = data.get("objection_days", 5)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        errors["objection_days"] = "异议期应为 1–30 个工作日"
    indicators = data.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        errors["indicators"] = "请至少列出一个维度及其指标"
        indicators = []
    tree = checker.siblings(indicators, "indicators", 1)
    adjustments = data.get("adjustments") or []
    if not isinstance(adjustments, list):
        errors["adjustments"] = "加减分项应为列表"
        adjustments = []
    adj = [checker.adjustment(a, f"adjustments.{i}") for i, a in enumerate(adjustments)]
    if checker.count + len(adj) > MAX_NODES:
        errors["indicators"] = f"指标最多 {MAX_NODES} 个"
    caps = {}
    for key, label in (("bonus_cap", "加分合计上限"), ("deduction_cap", "扣分合计上限")):
        raw = data.get(key)
        caps[key] = None if raw in (None, "") else _number(raw, low=0, high=100)
        if raw not in (None, "") and caps[key] is None:
            errors[key] = f"{label}应为 0–100"
    bands = DEFAULT_BANDS
    if data.get("bands") not in (None, "", []):
        try:
            bands = parse_bands(data.get("bands"))
        except ValidationFailed as exc:
            errors |= exc.fields
    errors |= checker.errors
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "code": str(code).strip(),
        "name": name,
        "scope": scope,
        "description": str(data.get("description") or "")[:5000],
        "basis": str(data.get("basis") or "")[:300],
        "objection_days": days,
        "bands": bands,
        "indicators": tree,
        "adjustments": adj,
        **caps,
    }


def _save_nodes(
    scheme: Scheme, nodes: list[dict[str, Any]], parent: Indicator | None, level: int, at: list[int]
) -> None:
    for n in nodes:
        at[0] += 1
        row = Indicator.objects.create(
            scheme=scheme,
            parent=parent,
            code=n["code"],
            name=n["name"],
            level=level,
            position=at[0],
            weight=Decimal(str(n["weight"])),
            source=n.get("source", ""),
            rule=n.get("rule", ""),
            params=n.get("params", {}),
            missing=n.get("missing", Missing.EXCLUDE),
            description=n.get("description", ""),
        )
        _save_nodes(scheme, n.get("children", []), row, level + 1, at)


def scheme_create(*, user: User | None, data: dict[str, Any]) -> Scheme:
    """Save a scheme: a new code is version 1; an existing code gets its next version, which
    replaces the latest (rounds keep the version they were made with). Only the assessor."""
    if user is not None and not is_assessor(None, actor_of(user)):
        raise Forbidden("只有自治区营商环境办（全区督查人员）可以制定指标体系")
    checked = check_scheme(data)
    now = clock.now()
    try:
        with transaction.atomic():
            latest = (
                Scheme.objects.select_for_update()
                .filter(code=checked["code"])
                .order_by("-version")
                .first()
            )
            if latest is not None and latest.scope != checked["scope"]:
                raise ValidationFailed(
                    fields={
                        "scope": f"体系 {checked['code']} 的考核对象是{latest.get_scope_display()}，修订不能改变"
                    }
                )
            scheme = Scheme.objects.create(
                code=checked["code"],
                version=latest.version + 1 if latest else 1,
                name=checked["name"],
                scope=checked["scope"],
                description=checked["description"],
                basis=checked["basis"],
                objection_days=checked["objection_days"],
                bands=checked["bands"],
                bonus_cap=None
                if checked["bonus_cap"] is None
                else Decimal(str(checked["bonus_cap"])),
                deduction_cap=None
                if checked["deduction_cap"] is None
                else Decimal(str(checked["deduction_cap"])),
                replaces=latest,
                created_by=user,
                created_at=now,
            )
            at = [0]
            _save_nodes(scheme, checked["indicators"], None, 1, at)
            for a in checked["adjustments"]:
                at[0] += 1
                Indicator.objects.create(
                    scheme=scheme,
                    code=a["code"],
                    name=a["name"],
                    level=1,
                    position=at[0],
                    adjustment=True,
                    source=a["source"],
                    rule=a["rule"],
                    params=a["params"],
                    description=a["description"],
                )
            ledger_record(
                subject_type=SUBJECT,
                subject_id=scheme.pk,
                action="revise" if latest else "create",
                actor=user,
                payload={
                    "code": scheme.code,
                    "version": scheme.version,
                    "tree": snapshot_of(scheme),
                },
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        raise Conflict("该体系刚被他人修订，请刷新后重试", code="stale_version") from None
    return scheme


def _tree(rows: list[Indicator], parent: int | None) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.parent_id != parent or r.adjustment:
            continue
        node: dict[str, Any] = {
            "code": r.code,
            "name": r.name,
            "weight": float(r.weight),
            "description": r.description,
        }
        kids = _tree(rows, r.pk)
        if kids:
            node["children"] = kids
        else:
            node |= {"source": r.source, "rule": r.rule, "params": r.params, "missing": r.missing}
        out.append(node)
    return out


def snapshot_of(scheme: Scheme) -> dict[str, Any]:
    """The scheme as a round scores with it (appraisal.rules.Plan.of reads this)."""
    rows = list(scheme.indicators.order_by("position"))
    return {
        "scheme": scheme.pk,
        "code": scheme.code,
        "version": scheme.version,
        "name": scheme.name,
        "scope": scheme.scope,
        "indicators": _tree(rows, None),
        "adjustments": [
            {
                "code": r.code,
                "name": r.name,
                "rule": r.rule,
                "source": r.source,
                "params": r.params,
                "description": r.description,
            }
            for r in rows
            if r.adjustment
        ],
        "bonus_cap": None if scheme.bonus_cap is None else float(scheme.bonus_cap),
        "deduction_cap": None if scheme.deduction_cap is None else float(scheme.deduction_cap),
    }


# --- the editor's rows --------------------------------------------------------------------------
# The page edits a scheme as a flat table, one row per indicator in tree order (level 1–3, or
# "A" for a deduction/bonus item), its rule's parameters as text ("floor=60 target=100",
# "bands=95:100,90:90 otherwise=40", "per=2 cap=6"); the rows become the tree the API takes.

ROW_FIELDS = ("level", "code", "name", "weight", "source", "rule", "params", "missing")


PARAM_ORDER = ("floor", "target", "top", "bottom", "bands", "otherwise", "per", "cap", "direction")


def params_text(params: dict[str, Any]) -> str:
    """The parameters as the editor shows them, in one order whatever the database kept
    (PostgreSQL's jsonb reorders an object's keys)."""
    parts = []
    ordered = sorted(params.items(), key=lambda kv: (*PARAM_ORDER, kv[0]).index(kv[0]))
    for key, value in ordered:
        if value is None or (key == "direction" and (value == Direction.UP or "per" in params)):
            continue
        if key == "bands":
            value = ",".join(f"{b['bound']:g}:{b['score']:g}" for b in value)
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}={value}")
    return " ".join(parts)


def parse_params(text: str) -> dict[str, Any] | str:
    """The parameters typed on the page, or the reason they cannot be read."""
    out: dict[str, Any] = {}
    for part in re.split(r"[\s,，;；]+(?=[a-z_]+=)|\s+", text.strip()):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not re.fullmatch(r"[a-z_]+", key):
            return f"无法识别“{part}”：参数应写成 名称=值，如 floor=60 target=100"
        if key == "bands":
            bands = []
            for item in value.split(","):
                bound, colon, score = item.partition(":")
                if not colon:
                    return "分档写成 bands=界值:得分,界值:得分，如 bands=95:100,90:90"
                bands.append({"bound": bound, "score": score})
            out[key] = bands
        else:
            out[key] = value
    return out


def rows_of(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """A scheme's tree as the editor's rows."""
    rows: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], level: int) -> None:
        for n in nodes:
            rows.append(
                {
                    "level": str(level),
                    "code": n["code"],
                    "name": n["name"],
                    "weight": f"{n['weight']:g}",
                    "source": n.get("source", ""),
                    "rule": n.get("rule", ""),
                    "params": params_text(n.get("params") or {}),
                    "missing": n.get("missing", ""),
                }
            )
            walk(n.get("children", []), level + 1)

    walk(snapshot["indicators"], 1)
    for a in snapshot["adjustments"]:
        rows.append({"level": "A", "code": a["code"], "name": a["name"], "weight": "",
                     "source": a["source"], "rule": a["rule"], "params": params_text(a["params"]),
                     "missing": ""})  # fmt: skip
    return rows


def tree_of(
    rows: list[dict[str, str]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int], dict[int, str]]:
    """The rows as (indicators, adjustments), with each node's API path → its row, and the
    rows that cannot be placed (a level-3 row with no level-2 row above it…) with why."""
    indicators: list[dict[str, Any]] = []
    adjustments: list[dict[str, Any]] = []
    paths: dict[str, int] = {}
    problems: dict[int, str] = {}
    stack: list[tuple[dict[str, Any], str]] = []  # (node, path) of the open ancestors
    for i, row in enumerate(rows):
        params = parse_params(row.get("params", ""))
        if isinstance(params, str):
            problems[i] = params
            params = {}
        node: dict[str, Any] = {
            "code": row.get("code", "").strip(),
            "name": row.get("name", "").strip(),
        }
        if row.get("level") == "A":
            node |= {"rule": row.get("rule", ""), "source": row.get("source", ""), "params": params}
            paths[f"adjustments.{len(adjustments)}"] = i
            adjustments.append(node)
            continue
        try:
            level = int(row.get("level", ""))
        except ValueError:
            problems[i] = "请选择层级"
            continue
        node["weight"] = row.get("weight", "").strip()
        if row.get("source"):
            node |= {"source": row["source"], "rule": row.get("rule", ""), "params": params}
            if row.get("missing"):
                node["missing"] = row["missing"]
        if level - 1 > len(stack) or level < 1:
            problems[i] = "层级不连贯：二级指标须在一级指标之下，一级指标须在维度之下"
            continue
        stack = stack[: level - 1]
        if stack:
            parent, parent_path = stack[-1]
            parent.pop("source", None)
            siblings = parent.setdefault("children", [])
            path = f"{parent_path}.children.{len(siblings)}"
        else:
            siblings = indicators
            path = f"indicators.{len(siblings)}"
        siblings.append(node)
        paths[path] = i
        stack.append((node, path))
    return indicators, adjustments, paths, problems


def row_errors(
    errors: dict[str, str], paths: dict[str, int]
) -> tuple[dict[int, list[str]], list[str]]:
    """Each error by the row it names (the longest path that is a row's), the rest apart."""
    by_row: dict[int, list[str]] = {}
    rest: list[str] = []
    for path, message in errors.items():
        best = max(
            (p for p in paths if path == p or path.startswith(p + ".")), key=len, default=None
        )
        if best is None:
            rest.append(message)
            continue
        field = path[len(best) + 1 :].split(".")[0] if path != best else ""
        label = {"weight": "权重", "code": "编码", "name": "名称", "source": "数据来源", "rule": "评分规则",
                 "params": "参数", "missing": "无数据时", "children": "下级权重"}.get(field, "")  # fmt: skip
        by_row.setdefault(paths[best], []).append(f"{label}：{message}" if label else message)
    return by_row, rest
