"""POST /tickets/{id}/actions/<action>: one documented operation per action of the ticket
machine, its request body derived from the action's input schema (tickets.inputs)."""

from typing import Any

from django.http import HttpRequest

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import Role
from qitong.core.api import Id, body_version, json_body
from qitong.core.errors import NotFound
from qitong.core.uploads import decode_base64_uploads
from qitong.tickets.api.router import router
from qitong.tickets.api.schemas import TicketOut
from qitong.tickets.presenters import present
from qitong.tickets.selectors import still_visible
from qitong.tickets.services import ticket_act_changes
from qitong.tickets.transitions import TICKET
from qitong.workflow.api import action_body_schema
from qitong.workflow.machine import Transition


def _act(request: HttpRequest, ticket_id: Id, action: str) -> dict[str, Any]:
    """Parse the JSON body (its fields are the action's schema, checked by the service after
    the scope and the transition, so an out-of-scope ticket is a 404 whatever the body)."""
    body = json_body(request)
    user = user_of(request)
    version = body_version(body)
    files = decode_base64_uploads(body.pop("attachments", None) or [])
    ticket, changed = ticket_act_changes(
        ticket_id=ticket_id,
        action=action,
        user=user,
        data=body,
        expected_version=version,
        files=files,
    )
    actor = actor_of(user)
    if not still_visible(ticket, actor, changed):
        raise NotFound()  # handed on out of the caller's scope (a declined offer)
    return present(ticket, actor)


ROLE_LABELS = dict(Role.choices) | {"system": "系统（定时巡查）"}


def _add_action(transition: Transition) -> None:
    """One documented operation per action: its body is the action's input schema."""
    name = transition.name

    def endpoint(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
        return _act(request, ticket_id, name)

    endpoint.__name__ = f"ticket_{name}"
    roles = "、".join(ROLE_LABELS.get(r, r) for r in transition.roles)  # noqa: RUF100
    router.add_api_operation(
        f"/tickets/{{ticket_id}}/actions/{name}",
        ["POST"],
        endpoint,
        response=TicketOut,
        summary=f"工单操作：{transition.label}",
        description=(
            f"{transition.input.hint}\n\n可执行角色：{roles}。"
            "409 当前状态或版本不允许，422 字段错误（fields 逐项说明），404 范围外。"
        ),
        operation_id=f"ticket_action_{name}",
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": action_body_schema(transition)}},
            }
        },
    )


for _transition in TICKET:
    _add_action(_transition)


@router.post("/tickets/{ticket_id}/actions/{action}", response=TicketOut, include_in_schema=False)
def act_on_ticket(request: HttpRequest, ticket_id: Id, action: str) -> dict[str, Any]:
    """Any other action name: the service answers 409 unknown_action (or 404 out of scope)."""
    return _act(request, ticket_id, action)
