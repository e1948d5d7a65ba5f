"""What a page and the API show of a unit task, a measure and a report: one dict each, built
for the reader (the contact's phone masked unless the reader coordinates or verifies the
item; the actions the reader may take now)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.core.privacy import mask_phone
from qitong.reforms import periods
from qitong.reforms.models import Measure, Report, ReportingUnit, UnitTask
from qitong.reforms.services import current_period, schedule, today
from qitong.reforms.states import ReportState, TaskState, Warning
from qitong.reforms.transitions import MEASURE, REPORT, UNIT_TASK, coordinates, is_office
from qitong.reforms.warnings import expected_progress

Item = UnitTask | Measure


def unit_ref(unit: ReportingUnit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _sees_contact(item: Item, actor: Actor) -> bool:
    return actor.role in ("admin", "auditor") or is_office(item, actor) or coordinates(item, actor)


def _item_common(item: Item, actor: Actor, day: dt.date) -> dict[str, Any]:
    code = current_period(item, day)
    phone = item.contact_phone
    return {
        "id": item.pk,
        "responsible_body": item.responsible_body,
        "leader": item.leader,
        "contact_name": item.contact_name,
        "contact_phone": phone if _sees_contact(item, actor) else mask_phone(phone),
        "planned_start": item.planned_start,
        "deadline": item.deadline,
        "original_deadline": item.original_deadline,
        "progress": item.progress,
        "expected_progress": expected_progress(item.planned_start, item.deadline, day),
        "state": item.state,
        "state_label": TaskState(item.state).label,
        "warning": item.warning or "none",
        "warning_label": Warning(item.warning).label,
        "warning_reasons": list(item.warning_reasons or []),
        "warning_since": item.warning_since,
        "done_on": item.done_on,
        "late_days": item.late_days,
        "na_reason": item.na_reason,
        "deferred_reason": item.deferred_reason,
        "current_period": code,
        "current_period_label": periods.label(code),
        "period_kind": schedule(item)[0],
        "version": item.revision,
    }


def present_unit_task(item: UnitTask, actor: Actor, *, reports: bool = False) -> dict[str, Any]:
    task = item.task
    out = _item_common(item, actor, today()) | {
        "plan": {"id": item.plan_id, "short_name": item.plan.short_name},
        "task": {
            "id": task.pk,
            "number": task.number,
            "title": task.title,
            "content": task.content,
            "target": task.target,
            "deliverable": task.deliverable,
            "quantity": _quantity(task),
            "area": task.area.name,
            "lead_department": (
                {"id": task.lead_department.pk, "name": task.lead_department.name}
                if task.lead_department is not None
                else None
            ),
            "deadline": task.deadline,
        },
        "unit": unit_ref(item.unit),
        "url": reverse("reforms:unit_task", args=[item.pk]),
        "allowed_actions": UNIT_TASK.allowed(item, actor),
    }
    if reports:
        out["reports"] = [present_report(r, actor) for r in _reports(item)]
        out["measures"] = [
            {"id": m.pk, "number": m.number, "title": m.title, "progress": m.progress}
            for m in item.task.measures.filter(local_plan__unit_id=item.unit_id)
        ]
    return out


def present_measure(item: Measure, actor: Actor, *, reports: bool = False) -> dict[str, Any]:
    out = _item_common(item, actor, today()) | {
        "local_plan": {"id": item.local_plan_id, "name": item.local_plan.name},
        "number": item.number,
        "title": item.title,
        "target": item.target,
        "parent": item.parent_id,
        "unit": unit_ref(item.local_plan.unit),
        "tasks": [{"id": t.pk, "number": t.number, "title": t.title} for t in item.tasks.all()],
        "url": reverse("reforms:measure", args=[item.pk]),
        "allowed_actions": MEASURE.allowed(item, actor),
    }
    if reports:
        out["reports"] = [present_report(r, actor) for r in _reports(item)]
    return out


def _quantity(task: Any) -> dict[str, Any] | None:
    """A quantitative target, if the task has one (baseline → target value, unit, direction)."""
    if task.target_value is None:
        return None
    return {
        "baseline": float(task.baseline) if task.baseline is not None else None,
        "target_value": float(task.target_value),
        "unit": task.value_unit,
        "direction": task.direction,
        "direction_label": task.get_direction_display() if task.direction else "",
    }


def _reports(item: Item) -> list[Report]:
    return list(
        item.reports.select_related("unit__region", "submitted_by", "decided_by", "source__measure")
        .prefetch_related("files", "source__files")
        .order_by("-period", "-id")
    )


def present_report(report: Report, actor: Actor) -> dict[str, Any]:
    files = [_file(report, f) for f in report.files.all()]
    source = None
    if report.source_id is not None:
        src = report.source
        assert src is not None
        files += [_file(src, f) for f in src.files.all()]
        measure = src.measure
        source = {
            "id": src.pk,
            "measure": {"id": measure.pk, "number": measure.number, "title": measure.title}
            if measure
            else None,
        }
    return {
        "id": report.pk,
        "unit_task": report.unit_task_id,
        "measure": report.measure_id,
        "unit": unit_ref(report.unit),
        "period": report.period,
        "period_label": periods.label(report.period),
        "progress": report.progress,
        "done": report.done,
        "work_done": report.work_done,
        "problems": report.problems,
        "next_steps": report.next_steps,
        "regress_reason": report.regress_reason,
        "state": report.state,
        "state_label": ReportState(report.state).label,
        "submitted_at": report.submitted_at,
        "submitted_by": _name(report.submitted_by),
        "on_time": report.on_time,
        "decided_at": report.decided_at,
        "decided_by": _name(report.decided_by) if report.decided_by_id else "",
        "comment": report.comment,
        "returned_count": report.returned_count,
        "source": source,
        "files": files,
        "version": report.revision,
        "allowed_actions": REPORT.allowed(report, actor),
    }


def _name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _file(report: Report, f: Any) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": f.original_name,
        "size": f.size,
        "sha256": f.sha256,
        "url": reverse("reforms:report_file", args=[report.pk, f.pk]),
    }
