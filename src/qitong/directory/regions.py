"""Loading administrative regions (行政区划, GB/T 2260) from a region file.

A region file is JSON: ``{"province": "150000", "source": "...", "regions": [{"code", "name",
"level", "parent", "sort_order"}, ...]}`` with parents listed before their children. The
product ships ``fixtures/regions_150000.json`` (内蒙古自治区); another province is loaded the
same way from its own file. Loading is idempotent: rows are matched by code, only real changes
are written, and each created or changed region is ledgered in the same transaction.

`sort_order` carries the official order: a city gets ``100 × position`` and its counties
``100 × position + n``, so ordering by `sort_order` walks the tree depth-first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from qitong.core.errors import ValidationFailed
from qitong.directory.models import Region, RegionLevel
from qitong.ledger.services import ledger_record_change, snapshot

if TYPE_CHECKING:
    from qitong.accounts.models import User

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
DEFAULT_REGION_FILE = "regions_150000"
# A bare name resolves inside FIXTURES_DIR only; it can never climb out of it.
_FIXTURE_NAME_RE = re.compile(r"^(?:regions_)?(\d{6})(?:\.json)?$")
_CODE_RE = re.compile(r"^\d{6}$")
_REGION_FIELDS = ("code", "name", "level", "parent_id", "sort_order")


@dataclass(frozen=True)
class RegionLoadResult:
    source: str
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def resolve_region_file(path_or_name: str | Path) -> Path:
    """A file path, or a shipped fixture by name: ``150000``, ``regions_150000(.json)``."""
    match = _FIXTURE_NAME_RE.match(str(path_or_name))
    if match:
        candidate = FIXTURES_DIR / f"regions_{match.group(1)}.json"
        if candidate.is_file():
            return candidate
    path = Path(path_or_name)
    if path.is_file():
        return path
    raise ValidationFailed(f"找不到行政区划文件：{path_or_name}", code="region_file")


def _expected_level(code: str) -> str:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def _check_entries(entries: Any, known_codes: set[str]) -> list[dict[str, Any]]:
    """Validate every entry; report all problems at once, naming entry and field."""
    if not isinstance(entries, list) or not entries:
        raise ValidationFailed("行政区划文件应包含非空的 regions 列表", code="region_file")
    errors: dict[str, str] = {}
    seen: set[str] = set()
    clean: list[dict[str, Any]] = []
    for n, entry in enumerate(entries, start=1):
        where = f"第 {n} 条"
        if not isinstance(entry, dict):
            errors[where] = "应为对象"
            continue
        code = str(entry.get("code") or "")
        name = str(entry.get("name") or "").strip()
        level = entry.get("level")
        parent = entry.get("parent")
        if not _CODE_RE.match(code):
            errors[f"{where} code"] = f"区划代码应为 6 位数字（{code or '空'}）"
            continue
        if code in seen:
            errors[f"{where} code"] = f"区划代码 {code} 重复"
        if not name or len(name) > 50:
            errors[f"{where} name"] = "名称不能为空且不超过 50 字"
        if level not in RegionLevel.values:
            errors[f"{where} level"] = "层级应为 province、city 或 county"
        elif level != _expected_level(code):
            errors[f"{where} level"] = f"区划代码 {code} 的层级应为 {_expected_level(code)}"
        if level == RegionLevel.PROVINCE:
            if parent:
                errors[f"{where} parent"] = "省级区划不应有上级"
        elif not parent or (parent not in seen and parent not in known_codes):
            errors[f"{where} parent"] = f"上级区划 {parent or '（空）'} 不存在或排在本条之后"
        sort_order = entry.get("sort_order", 0)
        if not isinstance(sort_order, int) or sort_order < 0:
            errors[f"{where} sort_order"] = "排序应为非负整数"
        seen.add(code)
        clean.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent": parent or None,
                "sort_order": sort_order,
            }
        )
    if errors:
        raise ValidationFailed("行政区划文件有误", fields=errors, code="region_file")
    return clean


def load_regions(
    path_or_name: str | Path = DEFAULT_REGION_FILE, *, actor: User | None = None
) -> RegionLoadResult:
    """Create or update the regions of a region file (update_or_create by code), all or nothing."""
    path = resolve_region_file(path_or_name)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"无法读取行政区划文件：{exc}", code="region_file") from exc
    entries = document.get("regions") if isinstance(document, dict) else document
    existing = {r.code: r for r in Region.objects.all()}
    clean = _check_entries(entries, set(existing))
    created = updated = unchanged = 0
    with transaction.atomic():
        by_code = dict(existing)
        for entry in clean:
            parent = by_code[entry["parent"]] if entry["parent"] else None
            defaults = {
                "name": entry["name"],
                "level": entry["level"],
                "parent": parent,
                "sort_order": entry["sort_order"],
            }
            current = by_code.get(entry["code"])
            before = snapshot(current, _REGION_FIELDS) if current else None
            wanted = {"code": entry["code"], **defaults, "parent_id": parent.pk if parent else None}
            del wanted["parent"]
            if before is not None and before == snapshot(Region(**wanted), _REGION_FIELDS):
                unchanged += 1
                continue
            region, was_created = Region.objects.update_or_create(
                code=entry["code"], defaults=defaults
            )
            by_code[region.code] = region
            if was_created:
                created += 1
                ledger_record_change(
                    obj=region, action="region_create", actor=actor, extra={"source": path.name}
                )
            else:
                updated += 1
                ledger_record_change(
                    obj=region,
                    action="region_change",
                    actor=actor,
                    before=before,
                    extra={"source": path.name},
                )
    return RegionLoadResult(path.name, created, updated, unchanged)
