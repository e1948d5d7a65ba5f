"""Admin pages of the directory, enterprises and accounts.

Every save through the admin writes a ledger event in the same transaction, by the signed-in
administrator; reference data cannot be deleted, only deactivated; the enterprise form checks
credit codes with the model's validator (Chinese messages) and normalises contact phones; the
user form refuses a role without its scope.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.directory.models import Department, PolicyDomain, Specialist
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import org_code_check_char, uscc_check_char
from qitong.ledger.models import Event
from tests import factories

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Qt-strong-pass-2024!"


@pytest.fixture
def admin_client(world: factories.World) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("id"))


# --- departments ------------------------------------------------------------------------------


def department_form(world: factories.World, **overrides: Any) -> dict[str, Any]:
    data = {
        "code": "150100099",
        "name": "呼和浩特市营商环境建设局",
        "short_name": "营商局",
        "region": world.hohhot.pk,
        "level": "city",
        "kind": "business_environment",
        "parent": "",
        "is_business_env_authority": "on",
        "phone": "(0471) 660-1234",
        "active": "on",
    }
    return {**data, **overrides}


def test_creating_a_department_writes_a_ledger_event_by_the_admin(
    admin_client: Client, world: factories.World
) -> None:
    response = admin_client.post(reverse("admin:directory_department_add"), department_form(world))

    assert response.status_code == 302
    dept = Department.objects.get(code="150100099")
    assert dept.phone == "0471-6601234"  # normalised
    (event,) = events("department_create")
    assert (event.subject_type, event.subject_id) == ("directory.department", str(dept.pk))
    assert event.actor_id == world.users["admin"].pk
    assert event.payload["source"] == "admin"
    assert event.payload["changes"]["name"] == [None, "呼和浩特市营商环境建设局"]


def test_changing_a_department_records_before_and_after(
    admin_client: Client, world: factories.World
) -> None:
    url = reverse("admin:directory_department_change", args=[world.dept.pk])
    data = department_form(
        world,
        code=world.dept.code,
        name="呼和浩特市市场监管局",
        kind="market_regulation",
        is_business_env_authority="",
        phone="",
    )

    assert admin_client.post(url, data).status_code == 302
    assert admin_client.post(url, data).status_code == 302  # saved again without a change

    (event,) = events("department_change")
    assert event.payload["changes"]["name"] == ["呼和浩特市市场监督管理局", "呼和浩特市市场监管局"]
    assert event.actor_id == world.users["admin"].pk


def test_department_level_must_match_its_region(
    admin_client: Client, world: factories.World
) -> None:
    response = admin_client.post(
        reverse("admin:directory_department_add"), department_form(world, level="province")
    )

    assert response.status_code == 200
    assert "层级与所属区划不符：呼和浩特市的部门应为「盟市级」" in response.content.decode()
    assert not Department.objects.filter(code="150100099").exists()
    assert not events("department_create")


def test_reference_data_cannot_be_deleted_only_deactivated(
    admin_client: Client, world: factories.World
) -> None:
    delete_url = reverse("admin:directory_department_delete", args=[world.dept.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Department.objects.filter(pk=world.dept.pk).exists()  # refused, not just hidden
    changelist = reverse("admin:directory_department_changelist")
    assert "delete_selected" not in admin_client.get(changelist).content.decode()
    # The bulk action posted by hand (it is not offered) deletes nothing either.
    admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [world.dept.pk], "post": "yes"},
    )
    assert Department.objects.filter(pk=world.dept.pk).exists()

    response = admin_client.post(
        changelist,
        {
            "action": "deactivate_selected",
            "_selected_action": [world.dept.pk, world.baotou_dept.pk],
        },
    )

    assert response.status_code == 302
    assert Department.objects.filter(active=True).count() == 0
    deactivated = events("department_deactivate")
    assert len(deactivated) == 2
    assert deactivated[0].payload["changes"]["active"] == [True, False]
    for name in ("desk", "specialist", "region", "policydomain"):
        url = reverse(f"admin:directory_{name}_changelist")
        assert admin_client.get(url).status_code == 200


def test_changing_a_specialists_domains_is_ledgered(
    admin_client: Client, world: factories.World
) -> None:
    land = PolicyDomain.objects.create(code="land", name="用地")
    spec = world.specialist
    url = reverse("admin:directory_specialist_change", args=[spec.pk])
    data = {
        "code": spec.code,
        "name": spec.name,
        "phone": "",
        "user": spec.user_id,
        "department": spec.department_id,
        "region": spec.region_id,
        "domains": [d.pk for d in spec.domains.all()] + [land.pk],
        "languages": ["mn", "zh"],
        "capacity": 6,
        "on_duty": "on",
        "active": "on",
    }

    assert admin_client.post(url, data).status_code == 302

    spec.refresh_from_db()
    assert spec.languages == ["zh", "mn"]
    (event,) = events("specialist_change")
    before, after = event.payload["m2m"]["domains"]
    assert land.pk not in before and land.pk in after
    assert event.payload["changes"]["capacity"] == [5, 6]


def test_change_lists_use_a_bounded_number_of_queries(
    admin_client: Client, world: factories.World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        factories.department(f"测试部门{n}", world.hohhot)
        factories.enterprise(f"测试企业{n}（演示）", world.xincheng, phone=f"1390000{n:04d}")
        factories.user(f"op{n}", Role.OPERATOR, desk=world.desk)
    for name in (
        "directory_department",
        "directory_specialist",
        "directory_desk",
        "enterprises_enterprise",
        "accounts_user",
        "directory_region",
    ):
        with django_assert_max_num_queries(10):
            response = admin_client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name


# --- enterprises: credit code and contacts ----------------------------------------------------


def enterprise_form(world: factories.World, credit_code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "credit_code": credit_code,
        "name": "测试企业有限公司（演示）",
        "region": world.xincheng.pk,
        "address": "",
        "industry": "C",
        "size": "small",
        "legal_representative": "",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-name": "王经理",
        "contacts-0-position": "总经理",
        "contacts-0-phone": "+86 138-0000-1234",
        "contacts-0-is_primary": "on",
        "contacts-1-name": "李会计",
        "contacts-1-position": "财务",
        "contacts-1-phone": "(0471) 660 1234 转 806",
    }
    return {**data, **overrides}


@pytest.mark.parametrize("code", ["914403001922038216", "9144030071526726XG", "91110000600037341L"])
def test_admin_accepts_valid_credit_codes_and_normalises_phones(
    admin_client: Client, world: factories.World, code: str
) -> None:
    response = admin_client.post(
        reverse("admin:enterprises_enterprise_add"), enterprise_form(world, code)
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    ent = Enterprise.objects.get(credit_code=code)
    contacts = {c.name: (c.phone, c.phone_kind) for c in Contact.objects.filter(enterprise=ent)}
    assert contacts == {
        "王经理": ("13800001234", "mobile"),
        "李会计": ("0471-6601234-806", "landline"),
    }
    (event,) = events("enterprise_create")
    assert event.payload["related"]["contacts"]["added"] == [
        "王经理 13800001234",
        "李会计 0471-6601234-806",
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "914403001922038217",
            "统一社会信用代码校验位（第 18 位）不正确：应为 6，实为 7，请核对是否抄错",
        ),
        ("9144030019220382I6", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 I）"),
        ("91440300O92203821E", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 O）"),
        ("914403001922038Z16", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 Z）"),
        ("91440300192203S216", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 S）"),
        ("9144030019220V8216", "统一社会信用代码不能含字母 I、O、Z、S、V（发现 V）"),
        ("91440300192203821", "统一社会信用代码应为 18 位，当前为 17 位"),
        ("9144030019220382160", "统一社会信用代码应为 18 位，当前为 19 位"),
    ],
)
def test_admin_rejects_bad_credit_codes_with_the_validators_message(
    admin_client: Client, world: factories.World, code: str, message: str
) -> None:
    response = admin_client.post(
        reverse("admin:enterprises_enterprise_add"), enterprise_form(world, code)
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["credit_code"] == [message]
    assert message in response.content.decode()
    assert not Enterprise.objects.filter(name="测试企业有限公司（演示）").exists()
    assert not events("enterprise_create")


def test_admin_rejects_a_bad_contact_phone_and_a_city_as_region(
    admin_client: Client, world: factories.World
) -> None:
    data = enterprise_form(
        world, "914403001922038216", region=world.hohhot.pk, **{"contacts-0-phone": "1380000123"}
    )

    response = admin_client.post(reverse("admin:enterprises_enterprise_add"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "手机号码应为 1 开头的 11 位数字（当前 10 位）" in page
    assert "请选择企业所在的旗县市区（第三级区划），而不是盟市或自治区" in page
    assert not Enterprise.objects.filter(credit_code="914403001922038216").exists()


def test_an_organisation_code_mismatch_saves_with_a_warning(
    admin_client: Client, world: factories.World
) -> None:
    body = "MA0QT001"
    wrong = "2" if org_code_check_char(body) != "2" else "3"
    first17 = f"91150102{body}{wrong}"
    code = first17 + uscc_check_char(first17)

    response = admin_client.post(
        reverse("admin:enterprises_enterprise_add"), enterprise_form(world, code), follow=True
    )

    assert Enterprise.objects.filter(credit_code=code).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]
    assert any("组织机构代码（第 9-17 位）的校验位与标准不符" in t for t in texts)


def test_enterprises_cannot_be_deleted(admin_client: Client, world: factories.World) -> None:
    url = reverse("admin:enterprises_enterprise_delete", args=[world.ent.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


# --- users: role and scope --------------------------------------------------------------------


def user_add_form(**fields: Any) -> dict[str, Any]:
    data = {
        "username": "newuser",
        "usable_password": "true",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "role": Role.OPERATOR,
        "display_name": "新用户",
        "phone": "",
        "desk": "",
        "department": "",
        "region": "",
        "enterprise": "",
    }
    return {**data, **fields}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": Role.OPERATOR}, "desk", "「话务员」必须选择所属专席"),
        ({"role": Role.DESK_LEAD}, "desk", "「班长」必须选择所属专席"),
        ({"role": Role.HANDLER}, "department", "「承办人」必须选择所属单位"),
        ({"role": Role.DEPT_LEADER}, "department", "「部门领导」必须选择所属单位"),
        ({"role": Role.SUPERVISOR}, "region", "「督查人员」必须选择管辖区域"),
        (
            {"role": Role.ENTERPRISE, "phone": "13900000009"},
            "enterprise",
            "「企业用户」必须选择所属企业",
        ),
        (
            {"role": Role.ENTERPRISE, "enterprise": "ENT"},
            "phone",
            "企业用户必须填写手机号码（用于短信验证码登录）",
        ),
        (
            {"role": Role.ENTERPRISE, "enterprise": "ENT", "phone": "0471-6601234"},
            "phone",
            "请填写手机号码（11 位），固定电话不能接收短信验证码",
        ),
        (
            {"role": Role.ENTERPRISE, "enterprise": "ENT", "phone": "138 0000 0001"},
            "phone",
            "该企业已有使用此手机号码的用户",
        ),
        ({"role": Role.AUDITOR, "desk": "DESK"}, "desk", "「审计员」不使用所属专席，请留空"),
        (
            {"role": Role.HANDLER, "department": "DEPT", "enterprise": "ENT"},
            "enterprise",
            "「承办人」不使用所属企业，请留空",
        ),
    ],
)
def test_user_admin_refuses_a_role_without_its_scope(
    admin_client: Client, world: factories.World, fields: dict[str, Any], field: str, message: str
) -> None:
    ids = {"ENT": world.ent.pk, "DESK": world.desk.pk, "DEPT": world.dept.pk}
    data = user_add_form(**{k: ids.get(v, v) for k, v in fields.items()})

    response = admin_client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert not User.objects.filter(username="newuser").exists()


def test_user_admin_creates_a_scoped_user_and_ledgers_role_changes(
    admin_client: Client, world: factories.World
) -> None:
    data = user_add_form(role=Role.ENTERPRISE, enterprise=world.ent.pk, phone="+86 139 0000 0009")

    response = admin_client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 302
    user = User.objects.get(username="newuser")
    assert (user.role, user.enterprise, user.phone) == (Role.ENTERPRISE, world.ent, "13900000009")
    (created,) = events("user_create")
    assert created.payload["changes"]["role"] == [None, "enterprise"]
    assert created.actor_id == world.users["admin"].pk

    change = {
        "username": "newuser",
        "display_name": "新用户",
        "phone": "",
        "email": "",
        "role": Role.OPERATOR,
        "desk": world.desk.pk,
        "department": "",
        "region": "",
        "enterprise": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    }
    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), change)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (scope_change,) = events("user_scope_change")
    assert scope_change.payload["changes"]["role"] == ["enterprise", "operator"]
    assert scope_change.payload["changes"]["desk_id"] == [None, world.desk.pk]
    (profile_change,) = events("user_profile_change")
    assert profile_change.payload["changes"]["phone"] == ["13900000009", ""]
    assert "password" not in str(profile_change.payload)


def test_only_an_administrator_may_be_superuser(
    admin_client: Client, world: factories.World
) -> None:
    user = world.users["auditor"]
    change = {
        "username": user.username,
        "display_name": "审计",
        "phone": "",
        "email": "",
        "role": Role.AUDITOR,
        "desk": "",
        "department": "",
        "region": "",
        "enterprise": "",
        "is_active": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    }

    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), change)

    assert response.context["adminform"].form.errors["is_superuser"] == [
        "只有「系统管理员」可以设为超级用户"
    ]


def test_a_password_set_by_the_admin_is_ledgered_without_the_password(
    admin_client: Client, world: factories.World
) -> None:
    user = world.users["operator"]
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_client.post(
        url,
        {
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "usable_password": "true",
            "set-password": "1",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    (event,) = events("user_password_set")
    assert event.subject_id == str(user.pk)
    assert STRONG_PASSWORD not in str(event.payload) and user.password not in str(event.payload)


def test_users_cannot_be_deleted(admin_client: Client, world: factories.World) -> None:
    url = reverse("admin:accounts_user_delete", args=[world.users["operator"].pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


def test_specialist_form_offers_only_specialist_accounts(
    admin_client: Client, world: factories.World
) -> None:
    response = admin_client.get(reverse("admin:directory_specialist_add"))
    choices = {str(c) for c in response.context["adminform"].form.fields["user"].queryset}
    assert choices == {"specialist"}
    assert Specialist.objects.count() == 1


def test_every_add_and_change_page_renders_in_chinese(
    admin_client: Client, world: factories.World
) -> None:
    objects = {
        "directory_region": world.xincheng,
        "directory_policydomain": PolicyDomain.objects.first(),
        "directory_department": world.dept,
        "directory_desk": world.desk,
        "directory_specialist": world.specialist,
        "enterprises_enterprise": world.ent,
        "accounts_user": world.users["enterprise"],
    }
    for name, obj in objects.items():
        assert obj is not None
        add = admin_client.get(reverse(f"admin:{name}_add"))
        change = admin_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert add.status_code == change.status_code == 200, name
    page = admin_client.get(
        reverse("admin:accounts_user_change", args=[world.users["enterprise"].pk])
    ).content.decode()
    assert "角色与范围" in page and "所属企业" in page
    page = admin_client.get(
        reverse("admin:enterprises_enterprise_change", args=[world.ent.pk])
    ).content.decode()
    assert "企业联系人" in page and "统一社会信用代码" in page
