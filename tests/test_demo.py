"""`qitong demo`: the reference deployment, its accounts, reproducibility and idempotence."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.demo import DEMO_ACCOUNTS, DEMO_ENTERPRISES, DEMO_PASSWORD
from qitong.demo.plan import build_plan
from qitong.directory.models import (
    Department,
    DepartmentLevel,
    Desk,
    PolicyDomain,
    Region,
    RegionLevel,
    Specialist,
)
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import (
    credit_code_warnings,
    normalize_phone,
    validate_credit_code,
)
from qitong.ledger.models import Event
from qitong.ledger.services import ledger_verify

pytestmark = pytest.mark.django_db

MODELS = (Region, PolicyDomain, Department, Desk, Specialist, Enterprise, Contact, User, Event)


def run_demo(history: int = 0) -> str:
    out = StringIO()
    call_command("demo", stdout=out, history=history, no_reforms=True)  # test_reforms_demo
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_demo_loads_the_inner_mongolia_reference_deployment_and_its_accounts() -> None:
    output = run_demo()
    # Enterprises log in by SMS code: their rows name it instead of a password.
    enterprise_row = next(line for line in output.splitlines() if line.startswith("enterprise "))
    assert "qitong-demo" not in enterprise_row and "短信验证码" in enterprise_row
    operator_row = next(line for line in output.splitlines() if line.startswith("operator "))
    assert operator_row.rstrip().endswith("qitong-demo")

    assert Region.objects.filter(level=RegionLevel.CITY).count() == 12
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() == 103
    assert Desk.objects.count() == 41
    assert set(Desk.objects.values_list("region__level", flat=True)) == {"province", "city"}
    assert Desk.objects.values("region").distinct().count() == 13  # 自治区本级 + 12 盟市
    desk_staff = User.objects.filter(role__in=DESK_ROLES, desk__isnull=False)
    assert desk_staff.count() == 287
    assert User.objects.filter(role__in=DESK_ROLES, desk__isnull=True).count() == 0
    assert Specialist.objects.count() == 1000
    assert Enterprise.objects.count() >= 300
    # ~48 autonomous-region departments, counterparts in every 盟市 linked by kind and parent.
    province_departments = Department.objects.filter(level=DepartmentLevel.PROVINCE)
    assert province_departments.count() == 48
    for name in (
        "自治区市场监督管理局",
        "自治区工业和信息化厅",
        "自治区政务服务与数据管理局",
        "自治区自然资源厅",
        "自治区住房和城乡建设厅",
        "自治区发展和改革委员会",
        "自治区水利厅",
        "国家税务总局内蒙古自治区税务局",
    ):
        assert province_departments.filter(name=name).exists(), name
    assert province_departments.get(is_business_env_authority=True).name == "自治区营商环境建设局"
    city_departments = Department.objects.filter(level=DepartmentLevel.CITY).select_related(
        "parent"
    )
    assert city_departments.values("region").distinct().count() == 12
    assert all(d.parent is not None and d.parent.kind == d.kind for d in city_departments)
    assert (
        city_departments.get(region__name="包头市", kind="market_regulation").name
        == "包头市市场监督管理局"
    )
    # Specialists come from the 12 盟市 and the autonomous region's departments.
    per_region = dict(Specialist.objects.values_list("region__code").annotate(n=Count("id")))
    assert len(per_region) == 13 and all(n > 0 for n in per_region.values())
    domain_counts = Specialist.objects.annotate(n=Count("domains")).values_list("n", flat=True)
    assert set(domain_counts) <= {1, 2, 3}
    languages = [s.languages for s in Specialist.objects.only("languages")]
    assert 50 < sum("mn" in langs for langs in languages) < 500  # some serve in 蒙古语
    assert all("zh" in langs for langs in languages)
    assert (
        PolicyDomain.objects.filter(name__in=["税费", "金融", "用地", "劳动用工", "外贸"]).count()
        == 5
    )
    # Enterprises: valid synthetic codes, a county, 1-2 normalised contacts, obviously not real.
    for ent in Enterprise.objects.select_related("region").prefetch_related("contacts"):
        validate_credit_code(ent.credit_code)
        assert credit_code_warnings(ent.credit_code) == []
        assert ent.region.level == RegionLevel.COUNTY
        assert ent.name.endswith("（演示）")
        assert 1 <= len(ent.contacts.all()) <= 2
        for contact in ent.contacts.all():
            phone = normalize_phone(contact.phone)
            assert (phone.number, phone.kind) == (contact.phone, contact.phone_kind)
    # Every created object is ledgered and the chains verify.
    assert Event.objects.filter(action="department_create").count() == Department.objects.count()
    assert Event.objects.filter(action="user_create").count() == User.objects.count()
    assert ledger_verify().broken is None
    # The printed table lists every demo account.
    for username in DEMO_ACCOUNTS:
        assert username in output
    assert DEMO_PASSWORD in output
    check_demo_accounts()


def check_demo_accounts() -> None:
    """Every demo account exists with its role, its scope and the demo password."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_ACCOUNTS).select_related(
            "desk__region", "department", "region", "enterprise"
        )
    }

    assert set(users) == set(DEMO_ACCOUNTS)
    for username, account in DEMO_ACCOUNTS.items():
        assert users[username].role == account.role, username
        assert users[username].check_password(DEMO_PASSWORD), username
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["operator"].desk == users["desklead"].desk
    assert users["operator"].desk.region.code == "150000"
    assert users["desklead"].role == Role.DESK_LEAD
    assert users["handler"].department.name == "自治区市场监督管理局"
    assert users["leader"].department == users["handler"].department
    assert users["handler2"].department.name == "自治区住房和城乡建设厅"
    assert users["specialist"].specialist_profile.department.name == "自治区市场监督管理局"
    assert users["supervisor"].region.code == "150000"
    assert users["auditor"].scope_region() is None
    enterprise, enterprise2 = users["enterprise"], users["enterprise2"]
    assert enterprise.enterprise != enterprise2.enterprise
    for user in (enterprise, enterprise2):
        fixed = DEMO_ENTERPRISES[user.username]
        assert user.enterprise.credit_code == fixed.credit_code
        assert normalize_phone(user.phone).kind == "mobile"
        assert user.enterprise.contacts.filter(phone=user.phone).exists()
    # The demo enterprise's consultations go to the demo specialist first (一对一).
    from qitong.routing.models import Pairing

    pairing = Pairing.objects.get(enterprise=enterprise.enterprise, active=True)
    assert pairing.specialist.user == users["specialist"]
    # A few appeals in every stage, so the queues are not empty on a fresh demo.
    from qitong.tickets.models import Ticket

    states = set(Ticket.objects.values_list("state", flat=True))
    assert {"submitted", "registered", "dispatched", "in_progress", "with_specialist"} <= states
    assert {"awaiting_callback", "closed"} <= states
    offered = Ticket.objects.get(state="with_specialist")
    assert offered.specialist.user == users["specialist"] and offered.specialist_accepted
    assert Ticket.objects.filter(citations__isnull=False).exists()
    assert ledger_verify().broken is None
    # The demo knowledge base is loaded and searchable.
    from qitong.knowledge.models import ArticleVersion

    assert ArticleVersion.objects.filter(is_live=True).count() == 300


def _credit_codes_of_a_fresh_load() -> list[str]:
    with transaction.atomic():
        run_demo()
        codes = sorted(Enterprise.objects.values_list("credit_code", flat=True))
        transaction.set_rollback(True)  # back to an empty database for the next load
    return codes


def test_demo_is_reproducible_and_a_second_run_changes_nothing() -> None:
    first = _credit_codes_of_a_fresh_load()
    assert not Enterprise.objects.exists()

    output = run_demo()
    second = sorted(Enterprise.objects.values_list("credit_code", flat=True))
    assert first == second
    assert "新增" in output
    before = table_counts()
    rows_before = list(
        Specialist.objects.order_by("code").values_list("code", "name", "department__code")
    )

    again = run_demo()

    assert "演示数据已存在，未作任何修改" in again
    assert "enterprise2" in again
    assert table_counts() == before
    assert (
        list(Specialist.objects.order_by("code").values_list("code", "name", "department__code"))
        == rows_before
    )


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    assert build_plan() == build_plan()
    assert build_plan(seed=1).enterprises != build_plan().enterprises


def test_the_demo_has_a_year_of_history_behind_its_dashboards() -> None:
    """`qitong demo` adds past tickets (the bench seeder's writer) with valid ledger chains and
    the hotline rollup built; run again, it adds none."""
    from qitong.tickets.models import HotlineDay, Ticket
    from qitong.tickets.rollup import rollup_recount

    run_demo(history=300)
    staged = Ticket.objects.filter(idempotency_key__startswith="demo-").count()
    assert Ticket.objects.count() == staged + 300
    first = Ticket.objects.order_by("created_at").first()
    assert (
        first is not None
        and (Ticket.objects.latest("created_at").created_at - first.created_at).days > 200
    )
    assert (
        Ticket.objects.filter(state="closed").exists()
        and Ticket.objects.filter(resolved=False).exists()
    )
    assert ledger_verify().ok
    kept = {
        (r.grain, r.day, r.city, r.department, r.desk, r.created)
        for r in HotlineDay.objects.all()
        if r.created
    }  # type: ignore[attr-defined]
    mains, _ = rollup_recount()
    assert kept == {(r.grain, r.day, r.city, r.department, r.desk, r.created) for r in mains}  # type: ignore[attr-defined]
    assert "历史工单" not in run_demo(history=300)
    assert Ticket.objects.count() == staged + 300
