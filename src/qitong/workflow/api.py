"""One documented API operation per action of a machine (`POST {path}/{id}/actions/{name}`),
its request body the action's input schema plus what every action body may carry (the
version the client saw, attachments). The ticket, reforms and supervision APIs build their
action endpoints with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router
from pydantic import BaseModel, create_model

from qitong.core.api import Id, UploadIn, body_version, json_body
from qitong.core.bounds import MAX_ID
from qitong.core.uploads import decode_base64_uploads
from qitong.workflow.inputs import inline_schema
from qitong.workflow.machine import Machine, Transition

# (request, id, action, body, version, files) → the response
Run = Callable[[HttpRequest, int, str, dict[str, Any], int | None, list[Any]], Any]


class ActionExtra(BaseModel):
    """What every action body may carry besides the action's own fields."""

    version: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="客户端看到的版本号（version）；已被他人改动则 409",
    )
    attachments: list[UploadIn] = Field(
        default_factory=list, max_length=10, description="随操作上传的附件（最多 10 个）"
    )


def create_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a create endpoint: the input's schema plus attachments."""
    schema = inline_schema(model)
    schema.setdefault("properties", {})["attachments"] = inline_schema(ActionExtra)["properties"][
        "attachments"
    ]
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def action_body_schema(transition: Transition) -> dict[str, Any]:
    model = create_model(
        f"{transition.input.__name__}Body", __base__=(transition.input, ActionExtra)
    )
    return inline_schema(model)


def action_endpoint(name: str, run: Run) -> Callable[[HttpRequest, Id], Any]:
    """Parse the JSON body; its fields are checked by the service after the scope and the
    transition, so an out-of-scope subject is a 404 whatever the body."""

    def endpoint(request: HttpRequest, item_id: Id) -> Any:
        body = json_body(request)
        version = body_version(body)
        files = decode_base64_uploads(body.pop("attachments", None) or [])
        return run(request, item_id, name, body, version, files)

    return endpoint


def add_action_operations(
    router: Router,
    *,
    path: str,
    machine: Machine[Any],
    out: Any,
    run: Run,
    skip: Iterable[str] = (),
    roles: Callable[[Transition], str] | None = None,
) -> None:
    """One operation per action a person takes (those in `skip`, the system's, are not
    offered), plus a catch-all that answers 409 unknown_action for any other name."""
    skipped = set(skip)
    prefix = machine.name.replace(".", "_")
    for transition in machine:
        if transition.name in skipped:
            continue
        name = transition.name
        endpoint = action_endpoint(name, run)
        endpoint.__name__ = f"{prefix}_{name}"
        who = f"\n\n可执行角色：{roles(transition)}。" if roles else ""
        router.add_api_operation(
            f"{path}/{{item_id}}/actions/{name}",
            ["POST"],
            endpoint,
            response=out,
            summary=f"{machine.subject_label}：{transition.label}",
            description=(
                f"{transition.input.hint}{who}\n\n"
                "409 当前状态或版本不允许，422 字段错误（fields 逐项说明），404 范围外。"
            ),
            operation_id=f"{prefix}_action_{name}",
            openapi_extra={
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": action_body_schema(transition)}},
                }
            },
        )
