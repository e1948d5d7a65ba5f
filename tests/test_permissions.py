"""The permission matrix for every view and API endpoint that exists so far."""

from __future__ import annotations

import pytest

from tests.factories import World, credit_code
from tests.matrix import ROLES, Case, check_case, matrix, matrix_ids

ALL_SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}
SCOPED = frozenset(
    {"enterprise", "operator", "desk_lead", "handler", "dept_leader", "specialist", "supervisor"}
)


def _new_enterprise(world: World) -> dict[str, object]:
    return {
        "credit_code": credit_code(region="150102"),
        "name": "矩阵测试有限公司",
        "region": "150102",
        "industry": "C",
        "size": "small",
        "contacts": [{"name": "张三", "phone": "13912345678"}],
    }


def _home(url: str, *roles: str) -> Case:
    return Case(
        id=f"page{url}", method="GET", path=lambda w: url, expect={role: 200 for role in roles}
    )


CASES = [
    Case(id="api-me", method="GET", path=lambda w: "/api/v1/me", expect=ALL_SIGNED_IN, api=True),
    Case(
        id="api-regions",
        method="GET",
        path=lambda w: "/api/v1/regions",
        expect=ALL_SIGNED_IN,
        api=True,
    ),
    Case(
        id="api-departments",
        method="GET",
        path=lambda w: "/api/v1/departments",
        expect=ALL_SIGNED_IN,
        api=True,
    ),
    Case(
        id="api-enterprises-search",
        method="GET",
        path=lambda w: "/api/v1/enterprises?q=测试",
        expect=ALL_SIGNED_IN,
        api=True,
    ),
    Case(
        id="api-enterprise-detail",
        method="GET",
        path=lambda w: f"/api/v1/enterprises/{w.ent.pk}",
        expect=ALL_SIGNED_IN,
        api=True,
        out_of_scope=lambda w: f"/api/v1/enterprises/{w.baotou_ent.pk}",
        scoped_roles=SCOPED,
    ),
    Case(
        id="api-enterprise-create",
        method="POST",
        path=lambda w: "/api/v1/enterprises",
        body=_new_enterprise,
        expect={"operator": 201, "desk_lead": 201, "admin": 201},
        default=403,
        api=True,
    ),
    _home("/desk/", "operator", "desk_lead"),
    _home("/department/", "handler", "dept_leader"),
    _home("/specialist/", "specialist"),
    _home("/my/", "enterprise"),
    _home("/overview/", "supervisor"),
    _home("/config/", "admin"),
    _home("/audit/", "auditor"),
    # Knowledge base and specialists (issue 4).
    Case(
        id="api-knowledge-search",
        method="GET",
        path=lambda w: "/api/v1/knowledge/articles?q=所得税",
        expect=ALL_SIGNED_IN,
        api=True,
    ),
    Case(
        id="api-knowledge-draft",
        method="GET",
        path=lambda w: f"/api/v1/knowledge/articles/{_draft(w)}",
        expect={"handler": 200, "dept_leader": 200, "admin": 200, "auditor": 200},
        api=True,
    ),
    Case(
        id="api-knowledge-create",
        method="POST",
        path=lambda w: "/api/v1/knowledge/articles",
        body=lambda w: {
            "title": "矩阵测试知识",
            "body": "<p>正文</p>",
            "kind": "qa",
            "effective_from": "2024-01-01",
        },
        # an administrator must name the maintaining department: 422 on that field
        expect={"handler": 201, "dept_leader": 201, "admin": 422},
        default=403,
        api=True,
    ),
    Case(
        id="api-specialists",
        method="GET",
        path=lambda w: "/api/v1/specialists",
        expect={"operator": 200, "desk_lead": 200, "supervisor": 200, "admin": 200, "auditor": 200},
        default=403,
        api=True,
    ),
    _home("/knowledge/", *[r for r in ROLES if r != "anonymous"]),
    _home("/knowledge/suggest/?content=所得税", "operator", "desk_lead"),
    _home("/knowledge/mine/", "handler", "dept_leader", "admin"),
    _home("/knowledge/new/", "handler", "dept_leader", "admin"),
    _home(
        "/knowledge/gaps/", "desk_lead", "supervisor", "admin", "auditor", "handler", "dept_leader"
    ),
    _home("/routing/stats/", "desk_lead", "supervisor", "admin", "auditor"),
    # The staff ticket list, its search and its export (issue 11).
    *(
        _home(
            url, "operator", "desk_lead", "handler", "dept_leader", "supervisor", "admin", "auditor"
        )
        for url in ("/tickets/", "/tickets/?q=QT20260101000001", "/tickets/export.xlsx?state=open")
    ),
    # 显示号码 (a personal-data view, ledgered): the desk, the lead department; 404 outside.
    Case(
        id="api-ticket-phone-reveal",
        method="POST",
        path=lambda w: f"/api/v1/tickets/{_awaiting_callback(w)}/phone/reveal",
        # the specialist does not read the ticket (404); the others read it but may not reveal
        expect={
            **{r: 200 for r in ("operator", "desk_lead", "handler", "dept_leader")},
            "specialist": 404,
        },
        default=403,
        api=True,
        out_of_scope=lambda w: f"/api/v1/tickets/{_baotou_ticket(w)}/phone/reveal",
        scoped_roles=frozenset(
            {
                "operator",
                "desk_lead",
                "handler",
                "dept_leader",
                "supervisor",
                "enterprise",
                "specialist",
            }
        ),
    ),
    Case(
        id="api-bulk-remind",
        method="POST",
        path=lambda w: "/api/v1/tickets/bulk-actions/remind",
        body=lambda w: {"tickets": [_awaiting_callback(w)]},
        expect={"desk_lead": 200, "supervisor": 200},
        default=403,
        api=True,
    ),
    Case(
        id="api-dispatch-catalogue",
        method="GET",
        path=lambda w: "/api/v1/dispatch-catalogue?category=tax.policy&region=150102",
        expect={r: 200 for r in ROLES if r not in ("anonymous", "enterprise")},
        default=403,
        api=True,
    ),
    # The hotline dashboards and their API (a department's figures are its own unit's).
    _home("/department/stats/", "handler", "dept_leader"),
    _home("/desk/stats/", "operator", "desk_lead"),
    Case(
        id="api-stats-hotline",
        method="GET",
        path=lambda w: "/api/v1/stats/hotline?unit_kind=region",
        expect={
            **{r: 200 for r in ("operator", "desk_lead", "handler", "dept_leader")},
            **{r: 200 for r in ("supervisor", "admin", "auditor")},
        },
        default=403,
        api=True,
    ),
    Case(
        id="api-stats-hotline-unit",
        method="GET",
        path=lambda w: f"/api/v1/stats/hotline?unit_kind=department&unit={w.dept.pk}",
        expect={
            r: 200
            for r in (
                "handler",
                "dept_leader",
                "supervisor",
                "admin",
                "auditor",
                "operator",
                "desk_lead",
            )
        },
        default=403,
        api=True,
        out_of_scope=lambda w: (
            f"/api/v1/stats/hotline?unit_kind=department&unit={w.baotou_dept.pk}"
        ),
        scoped_roles=frozenset({"operator", "desk_lead", "handler", "dept_leader", "supervisor"}),
    ),
]


def _awaiting_callback(world: World) -> int:
    from qitong.tickets.states import TicketState
    from tests.ticket_factories import ticket_in_state

    return ticket_in_state(world, TicketState.AWAITING_CALLBACK).pk


def _baotou_ticket(world: World) -> int:
    from qitong.tickets.states import TicketState
    from tests.test_ticket_pages import _baotou

    return _baotou(world, TicketState.REGISTERED).pk


def _draft(world: World) -> int:
    """A draft of the world's department (only its unit, admins and auditors may read it)."""
    from qitong.knowledge.services import ArticleInput, article_create

    return article_create(
        data=ArticleInput(title="草稿", body="<p>x</p>", kind="qa", effective_from="2024-01-01"),
        user=world.users["handler"],
    ).pk


PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)


@pytest.mark.django_db
def test_enterprise_search_is_scoped(world: World) -> None:
    """A Hohhot operator never sees a Baotou enterprise in search results, however it is asked."""
    from tests.matrix import client_for

    client = client_for(world, "operator")
    for q in [world.baotou_ent.credit_code, "包头测试", "13800000002"]:
        items = client.get("/api/v1/enterprises", {"q": q}).json()["items"]
        assert items == [], q
    admin = client_for(world, "admin")
    assert (
        admin.get("/api/v1/enterprises", {"q": world.baotou_ent.credit_code}).json()["count"] == 1
    )
    # A reverse lookup by phone is the desk's caller lookup alone (test_enterprise_privacy).
    assert admin.get("/api/v1/enterprises", {"q": "13800000002"}).json()["count"] == 0
