"""The API base: auth, one error shape, /me, the directory endpoints and enterprises."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from qitong.enterprises.models import Enterprise
from qitong.ledger.models import Event
from tests.factories import World, credit_code
from tests.matrix import client_for

pytestmark = pytest.mark.django_db


def _enterprise_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "credit_code": "914403001922038216",
        "name": "示例新登记有限公司",
        "region": "150102",
        "industry": "I",
        "size": "micro",
        "contacts": [{"name": "王五", "phone": "+86 139-1234-5678"}],
    }
    body.update(overrides)
    return body


def test_openapi_document_is_valid(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    for path in ["/api/v1/me", "/api/v1/regions", "/api/v1/departments", "/api/v1/enterprises"]:
        assert path in spec["paths"], path


def test_unauthenticated_gets_the_error_shape(client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "message": "请先登录，或提供有效的访问令牌",
        "fields": {},
    }


def test_me_for_staff_names_its_unit(world: World) -> None:
    data = client_for(world, "operator").get("/api/v1/me").json()
    assert data["role"] == "operator"
    assert data["desk"] == {"id": world.desk.pk, "code": world.desk.code, "name": world.desk.name}
    assert data["region"]["code"] == "150100"
    handler = client_for(world, "handler").get("/api/v1/me").json()
    assert handler["department"]["id"] == world.dept.pk
    assert handler["desk"] is None


def test_me_for_enterprise_user_gives_its_enterprise(world: World) -> None:
    data = client_for(world, "enterprise").get("/api/v1/me").json()
    assert data["role"] == "enterprise"
    assert data["enterprise"] == {
        "id": world.ent.pk,
        "credit_code": world.ent.credit_code,
        "name": world.ent.name,
    }


def test_regions_filter_by_parent_and_level(world: World) -> None:
    client = client_for(world, "operator")
    data = client.get("/api/v1/regions", {"parent": "150100"}).json()
    assert [r["code"] for r in data["items"]] == ["150102"]
    data = client.get("/api/v1/regions", {"level": "city"}).json()
    assert {r["code"] for r in data["items"]} == {"150100", "150200"}
    assert data["items"][0]["parent_code"] == "150000"


def test_departments_filter_by_name_and_region_subtree(world: World) -> None:
    client = client_for(world, "operator")
    data = client.get("/api/v1/departments", {"region": "150200"}).json()
    assert [d["name"] for d in data["items"]] == ["包头市市场监督管理局"]
    data = client.get("/api/v1/departments", {"name": "市场监督", "region": "150000"}).json()
    assert data["count"] == 2
    assert set(data["items"][0]) == {"id", "code", "name", "level", "region", "region_code"}
    assert client.get("/api/v1/departments", {"region": "999999"}).json()["count"] == 0


def test_enterprise_lookup_by_code_name_and_phone(world: World) -> None:
    client = client_for(world, "operator")
    for q in [world.ent.credit_code, world.ent.credit_code[:8], "测试科技", "138 0000 0001"]:
        items = client.get("/api/v1/enterprises", {"q": q}).json()["items"]
        assert [i["id"] for i in items] == [world.ent.pk], q


def test_enterprise_user_sees_only_its_own_enterprise(world: World) -> None:
    client = client_for(world, "enterprise")
    items = client.get("/api/v1/enterprises").json()["items"]
    assert [i["id"] for i in items] == [world.ent.pk]


@pytest.mark.parametrize("code", ["914403001922038216", "9144030071526726XG", "91110000600037341L"])
def test_create_enterprise_accepts_valid_credit_codes(world: World, code: str) -> None:
    response = client_for(world, "operator").post(
        "/api/v1/enterprises", _enterprise_body(credit_code=code), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["credit_code"] == code
    assert data["contacts"][0]["phone"] == "13912345678"
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (
        Event.objects.filter(
            subject_type="enterprises.enterprise", subject_id=str(enterprise.pk)
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "914403001922038217",
            "统一社会信用代码校验位（第 18 位）不正确：应为 6，实为 7，请核对是否抄错",
        ),
        ("91440300192203821I", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 I）"),
        ("9144030019220382O6", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 O）"),
        ("91440300192203821", "统一社会信用代码应为 18 位，当前为 17 位"),
        ("9144030019220382160", "统一社会信用代码应为 18 位，当前为 19 位"),
    ],
)
def test_create_enterprise_rejects_bad_credit_codes(world: World, code: str, message: str) -> None:
    before = Enterprise.objects.count()
    response = client_for(world, "operator").post(
        "/api/v1/enterprises", _enterprise_body(credit_code=code), content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["credit_code"] == message
    assert Enterprise.objects.count() == before


def test_create_enterprise_names_every_bad_field_and_changes_nothing(world: World) -> None:
    before = (Enterprise.objects.count(), Event.objects.count())
    response = client_for(world, "operator").post(
        "/api/v1/enterprises",
        _enterprise_body(
            name=" ",
            region="150100",
            industry="Z",
            size="huge",
            contacts=[{"name": "", "phone": "12345"}],
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert fields == {
        "name": "请填写企业名称",
        "region": "请选择企业所在的旗县市区（第三级区划）",
        "industry": "行业门类应为 A-T 之一（GB/T 4754）",
        "size": "企业规模应为 large、medium、small 或 micro",
        "contacts.0.name": "请填写联系人姓名",
        "contacts.0.phone": "手机号码应为 1 开头的 11 位数字（当前 5 位）",
    }
    assert (Enterprise.objects.count(), Event.objects.count()) == before


def test_create_enterprise_missing_field_is_named(world: World) -> None:
    body = _enterprise_body()
    del body["credit_code"]
    response = client_for(world, "operator").post(
        "/api/v1/enterprises", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"credit_code": "必填"}


def test_create_enterprise_twice_is_a_conflict(world: World) -> None:
    client = client_for(world, "operator")
    body = _enterprise_body(credit_code=credit_code())
    assert (
        client.post("/api/v1/enterprises", body, content_type="application/json").status_code == 201
    )
    again = client.post("/api/v1/enterprises", body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["fields"] == {"credit_code": "该统一社会信用代码已登记"}
    assert Enterprise.objects.filter(credit_code=body["credit_code"]).count() == 1


def test_handler_may_not_register_enterprises(world: World) -> None:
    response = client_for(world, "handler").post(
        "/api/v1/enterprises", _enterprise_body(), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_desk_registers_only_inside_its_jurisdiction(world: World) -> None:
    """A Hohhot operator cannot register a Baotou enterprise (it could never see it again)."""
    response = client_for(world, "operator").post(
        "/api/v1/enterprises", _enterprise_body(region="150203"), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"region": "请选择本专席辖区内的旗县市区"}
    assert not Enterprise.objects.filter(credit_code="914403001922038216").exists()
    admin = client_for(world, "admin").post(
        "/api/v1/enterprises", _enterprise_body(region="150203"), content_type="application/json"
    )
    assert admin.status_code == 201
