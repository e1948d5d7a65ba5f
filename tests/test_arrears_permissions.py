"""The permission matrix over the arrears endpoints and pages (issue 14): every role × every
endpoint, and a Baotou claim outside the Hohhot-scoped roles' reach.

The claims are kept by the world's Hohhot supervisor on a 新城区 organ that the world's
Hohhot department answers for; the world's enterprise is the creditor. Out of role is a 404
for reads; an action on a claim the role may read but never take is a 403."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from qitong.accounts.roles import Role
from qitong.arrears.services import claim_create
from tests.arrears_factories import baotou_body, books, claim_body
from tests.factories import World, credit_code, user
from tests.matrix import Case, check_case, matrix, matrix_ids

READERS = {
    "supervisor": 200,
    "handler": 200,
    "dept_leader": 200,
    "admin": 200,
    "auditor": 200,
    "enterprise": 200,
}
STAFF = {k: v for k, v in READERS.items() if k != "enterprise"}
FIGURES = {"supervisor": 200, "admin": 200, "auditor": 200}
SCOPED = frozenset({"supervisor", "handler", "dept_leader", "enterprise"})
_n = iter(range(9400, 99999))
PDF = base64.b64encode(b"%PDF-1.4\n%receipt\n").decode()


def _claim(world: World, state: str = "registered") -> int:
    key = f"_claim_{state}"
    cached: int | None = getattr(world, key, None)
    if cached is None:
        cached = books(world).reach(state).pk
        setattr(world, key, cached)
    return cached


def _baotou(world: World) -> int:
    cached: int | None = getattr(world, "_baotou_claim", None)
    if cached is None:
        office = user("region_office", Role.SUPERVISOR)
        cached = claim_create(user=office, data=baotou_body(world))[0].pk
        world._baotou_claim = cached  # type: ignore[attr-defined]
    return cached


def _debtor(world: World) -> int:
    from qitong.arrears.models import Claim

    return Claim.objects.get(pk=_claim(world)).debtor_id


def _baotou_debtor(world: World) -> int:
    from qitong.arrears.models import Claim

    return Claim.objects.get(pk=_baotou(world)).debtor_id


def _new(world: World) -> dict[str, Any]:
    books(world)
    body = claim_body(world, contract={"number": f"N-{next(_n)}"})
    body["debtor"]["credit_code"] = credit_code(next(_n), region="150102")
    return body


def _api(id: str, path: Any, expect: dict[str, int], **kw: Any) -> Case:
    return Case(id=id, method=kw.pop("method", "GET"), path=path, expect=expect, api=True, **kw)


def _page(id: str, path: Any, expect: dict[str, int], **kw: Any) -> Case:
    return Case(id=id, method="GET", path=path, expect=expect, **kw)


CASES = [
    _api("api-claims", lambda w: "/api/v1/arrears/claims", {}, default=200),
    _api("api-totals", lambda w: "/api/v1/arrears/claims/totals", {}, default=200),
    _api(
        "api-claim",
        lambda w: f"/api/v1/arrears/claims/{_claim(w)}",
        READERS,
        out_of_scope=lambda w: f"/api/v1/arrears/claims/{_baotou(w)}",
        scoped_roles=SCOPED,
    ),
    _api(
        "api-claim-create",
        lambda w: "/api/v1/arrears/claims",
        {"supervisor": 201},
        default=403,
        method="POST",
        body=_new,
    ),
    _api(
        "api-verify",
        lambda w: f"/api/v1/arrears/claims/{_claim(w)}/actions/verify",
        # the creditor and global readers may read it but never verify: 403
        {
            "supervisor": 200,
            "handler": 200,
            "dept_leader": 200,
            "enterprise": 403,
            "admin": 403,
            "auditor": 403,
        },
        method="POST",
        body=lambda w: {"note": "核实"},
        out_of_scope=lambda w: f"/api/v1/arrears/claims/{_baotou(w)}/actions/verify",
        scoped_roles=frozenset({"supervisor", "handler", "dept_leader"}),
    ),
    _api(
        "api-repay",
        lambda w: f"/api/v1/arrears/claims/{_claim(w, 'verified')}/repayments",
        {
            "supervisor": 201,
            "handler": 201,
            "dept_leader": 201,
            "enterprise": 403,
            "admin": 403,
            "auditor": 403,
        },
        method="POST",
        body=lambda w: {
            "paid_on": "2025-09-10",
            "amount": "1",
            "method": "transfer",
            "attachments": [{"name": "回单.pdf", "content_base64": PDF}],
        },
        out_of_scope=lambda w: f"/api/v1/arrears/claims/{_baotou(w)}/repayments",
        scoped_roles=frozenset({"supervisor", "handler", "dept_leader"}),
    ),
    _api("api-stats", lambda w: "/api/v1/arrears/stats", FIGURES, default=403),
    _api("api-disclosure", lambda w: "/api/v1/arrears/disclosure?year=2025", FIGURES, default=403),
    _api("api-debtors", lambda w: "/api/v1/arrears/debtors", {}, default=200),
    _api(
        "api-debtor",
        lambda w: f"/api/v1/arrears/debtors/{_debtor(w)}",
        STAFF,
        out_of_scope=lambda w: f"/api/v1/arrears/debtors/{_baotou_debtor(w)}",
        scoped_roles=frozenset({"supervisor", "handler", "dept_leader"}),
    ),
    _api("api-lpr", lambda w: "/api/v1/arrears/lpr", {}, default=200),
    _page("page-claims", lambda w: "/arrears/", READERS),
    _page("page-export", lambda w: "/arrears/claims.xlsx", STAFF),
    _page(
        "page-claim",
        lambda w: f"/arrears/claims/{_claim(w)}/",
        READERS,
        out_of_scope=lambda w: f"/arrears/claims/{_baotou(w)}/",
        scoped_roles=SCOPED,
    ),
    _page("page-new", lambda w: "/arrears/claims/new/", {"supervisor": 200}),
    _page("page-import", lambda w: "/arrears/claims/import/", {"supervisor": 200}),
    _page("page-template", lambda w: "/arrears/claims/template.xlsx", {"supervisor": 200}),
    _page(
        "page-debtor",
        lambda w: f"/arrears/debtors/{_debtor(w)}/",
        STAFF,
        out_of_scope=lambda w: f"/arrears/debtors/{_baotou_debtor(w)}/",
        scoped_roles=frozenset({"supervisor", "handler", "dept_leader"}),
    ),
    _page("page-stats", lambda w: "/arrears/stats/", FIGURES),
    _page("page-disclosure", lambda w: "/arrears/disclosure/", FIGURES),
]

PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)


@pytest.mark.django_db
def test_the_creditor_reads_only_its_own_claims_in_every_list(world: World) -> None:
    from django.test import Client

    mine = _claim(world)
    _baotou(world)
    c = Client()
    c.force_login(world.users["enterprise"])
    items = c.get("/api/v1/arrears/claims").json()["items"]
    assert [i["id"] for i in items] == [mine]
    assert c.get("/api/v1/arrears/claims/totals").json()["count"] == 1
    assert c.get("/api/v1/arrears/debtors").json()["count"] == 0
