"""How zones, results, projects and uses are shown (the pages, the API and the export)."""

from __future__ import annotations

from typing import Any

from qitong.area_assessments.models import Project, Result, Use, Zone
from qitong.area_assessments.selectors import Acting
from qitong.area_assessments.transitions import RESULT, SYSTEM_ACTIONS
from qitong.core.workdays import local_today


def present_zone(z: Zone) -> dict[str, Any]:
    return {
        "id": z.pk,
        "code": z.code,
        "name": z.name,
        "level": z.level,
        "level_label": z.get_level_display(),
        "region": {"code": z.region.code, "name": z.region.name},
        "managing_body": z.managing_body,
        "area_km2": None if z.area_km2 is None else str(z.area_km2),
        "has_boundary": bool(z.boundary),
    }


def present_result(r: Result, a: Acting) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "zone": {"id": r.zone_id, "name": r.zone.name},
        "type": {"id": r.type_id, "name": r.type.name},
        "title": r.title,
        "commissioned_by": r.commissioned_by,
        "assessed_by": r.assessed_by,
        "department": {"id": r.department_id, "name": r.department.name},
        "document_number": r.document_number,
        "approved_on": r.approved_on,
        "valid_until": r.valid_until,
        "conditions": r.conditions,
        "obligations": r.obligations,
        "state": r.state,
        "state_label": r.get_state_display(),
        "valid_today": r.valid_on(local_today()),
        "published_on": r.published_on,
        "publicity_days": r.publicity_days,
        "external_id": r.external_id,
        "collected_on": r.collected_on,
        "ended_on": r.ended_on,
        "revoke_reason": r.revoke_reason,
        "supersedes": r.supersedes_id,
        "files": [
            {"id": f.pk, "name": f.original_name, "size": f.size, "sha256": f.sha256}
            for f in r.files.all()
        ],
        "version": r.version,
        "allowed_actions": [x for x in RESULT.allowed(r, a) if x not in SYSTEM_ACTIONS],
    }


def present_project(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "owner": None if p.owner_id is None else {"id": p.owner_id, "name": p.owner_name},
        "owner_name": p.owner_name,
        "zone": {"id": p.zone_id, "name": p.zone.name},
        "lng": None if p.lng is None else str(p.lng),
        "lat": None if p.lat is None else str(p.lat),
        "address": p.address,
        "investment_wan": str(p.investment),
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        # a list annotates the count (one query for the page); a single project counts its own
        "uses": p.n_uses if hasattr(p, "n_uses") else p.uses.count(),
    }


def present_use(u: Use) -> dict[str, Any]:
    return {
        "id": u.pk,
        "project": {"id": u.project_id, "code": u.project.code, "name": u.project.name},
        "result": {
            "id": u.result_id,
            "number": u.result.number,
            "title": u.result.title,
            "type": u.result.type.name,
        },
        "used_on": u.used_on,
        "approval": u.approval,
        "saved_days": u.saved_days,
        "saved_money_wan": str(u.saved_money),
        "basis": u.basis,
        "recorded_as": u.recorded_as,
        "recorded_as_label": u.get_recorded_as_display(),
    }
