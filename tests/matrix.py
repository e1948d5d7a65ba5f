"""Permission-matrix harness (STYLE habit 9): every endpoint x every role x an object outside
the role's scope. Later features add `Case`s to their own lists and reuse `check_case`.

A case names the status each role gets for an in-scope request; roles not named get
`default` (404 for pages and objects: out of role is indistinguishable from missing).
`out_of_scope` gives the same endpoint on an object outside every scoped role's reach:
every role in `scoped_roles` must get 404 there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from tests.factories import World

ROLES = (
    "anonymous",
    "enterprise",
    "operator",
    "desk_lead",
    "handler",
    "dept_leader",
    "specialist",
    "supervisor",
    "admin",
    "auditor",
)


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: Callable[[World], str]
    expect: Mapping[str, int]
    default: int = 404
    body: Callable[[World], dict[str, Any]] | None = None
    out_of_scope: Callable[[World], str] | None = None
    scoped_roles: frozenset[str] = field(default_factory=frozenset)
    api: bool = False
    anonymous: int | None = None  # None: 302 (to login) for pages, 401 for the API

    def expected(self, role: str) -> int:
        if role == "anonymous":
            if self.anonymous is not None:
                return self.anonymous
            return 401 if self.api else 302
        return self.expect.get(role, self.default)


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def request(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "GET":
        return client.get(path)
    return client.generic(
        method, path, data=json.dumps(body or {}), content_type="application/json"
    )


def check_case(world: World, case: Case, role: str) -> None:
    client = client_for(world, role)
    path = case.path(world)
    body = case.body(world) if case.body else None
    response = request(client, case.method, path, body)
    expected = case.expected(role)
    assert response.status_code == expected, (
        f"{case.id} as {role}: expected {expected}, got {response.status_code}: "
        f"{response.content[:300]!r}"
    )
    if case.out_of_scope and role in case.scoped_roles:
        outside = request(client, case.method, case.out_of_scope(world), body)
        assert outside.status_code == 404, (
            f"{case.id} as {role} on an out-of-scope object: expected 404, got "
            f"{outside.status_code}"
        )


def matrix(cases: Iterable[Case]) -> list[tuple[Case, str]]:
    """pytest parametrization: every case x every role."""
    return [(case, role) for case in cases for role in ROLES]


def matrix_ids(params: list[tuple[Case, str]]) -> list[str]:
    return [f"{case.id}-{role}" for case, role in params]
