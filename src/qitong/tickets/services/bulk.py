"""Bulk actions where desks work in batches — 催办 a selection, dispatch a selection to one
department, accept replies: still ONE service call per ticket (ticket_act: its own transaction,
its own checks, its own ledger event), so one refused ticket changes nothing of the others and
each says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qitong.accounts.models import User
from qitong.core.errors import DomainError, Forbidden, ValidationFailed
from qitong.tickets.models import Ticket
from qitong.tickets.services.actions import ticket_act
from qitong.tickets.transitions import TICKET

BULK_ACTIONS = {"remind": "催办", "dispatch": "派单", "accept_reply": "审核通过"}
MAX_BULK = 200


@dataclass(frozen=True)
class BulkResult:
    ticket_id: int
    number: str
    ok: bool
    state: str = ""
    error: str = ""


def _message(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed) and exc.fields:
        return "；".join(exc.fields.values())
    return exc.message


def ticket_bulk_act(
    *, user: User, action: str, ticket_ids: list[int], data: dict[str, Any]
) -> list[BulkResult]:
    """Take `action` on each ticket in turn (at most MAX_BULK, each once)."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed(fields={"action": "批量操作只支持催办、派单和审核通过"})
    if user.role not in TICKET[action].roles:
        raise Forbidden(f"您的角色不能{BULK_ACTIONS[action]}")
    if action == "dispatch" and not data.get("department"):
        raise ValidationFailed(fields={"department": "请选择派往的承办单位"})
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise ValidationFailed(fields={"tickets": "请先勾选要处理的工单"})
    if len(ids) > MAX_BULK:
        raise ValidationFailed(fields={"tickets": f"一次最多处理 {MAX_BULK} 张工单"})
    numbers = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "number"))
    results = []
    for pk in ids:
        try:
            saved = ticket_act(ticket_id=pk, action=action, user=user, data=dict(data))
        except DomainError as exc:
            # out of scope looks the same as missing: the number is not shown then
            number = numbers.get(pk, "") if exc.code != "not_found" else ""
            results.append(BulkResult(pk, number, False, error=_message(exc)))
        else:
            results.append(BulkResult(pk, saved.number, True, state=saved.get_state_display()))
    return results
