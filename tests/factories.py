"""Small, explicit builders for tests (no random states). `world()` makes two regions' worth of
reference data and one user per role, plus out-of-scope counterparts for permission matrices."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from qitong.accounts.models import User
from qitong.accounts.roles import Role
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
from qitong.enterprises.validators import USCC_ALPHABET, uscc_check_char
from qitong.tickets.categories import seed_defaults
from qitong.tickets.models import Category, SlaPolicy

_seq = count(1)
PASSWORD = "test-pass-123"


def credit_code(n: int | None = None, region: str = "150102") -> str:
    """A valid synthetic credit code (check character computed), unique per call."""
    n = next(_seq) if n is None else n
    body = f"91{region}{n:08d}"
    body = "".join(c if c in USCC_ALPHABET else "0" for c in body)[:16] + "0"
    return body + uscc_check_char(body)


def region(code: str, name: str, parent: Region | None = None) -> Region:
    level = (
        RegionLevel.PROVINCE
        if code.endswith("0000")
        else RegionLevel.CITY
        if code.endswith("00")
        else RegionLevel.COUNTY
    )
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


def department(name: str, reg: Region, **kw: object) -> Department:
    level = {
        RegionLevel.PROVINCE: DepartmentLevel.PROVINCE,
        RegionLevel.CITY: DepartmentLevel.CITY,
    }.get(RegionLevel(reg.level), DepartmentLevel.COUNTY)
    return Department.objects.create(
        code=f"D{next(_seq):05d}", name=name, region=reg, level=level, **kw
    )


def desk(name: str, reg: Region) -> Desk:
    return Desk.objects.create(code=f"K{next(_seq):05d}", name=name, region=reg)


def enterprise(name: str, reg: Region, phone: str = "") -> Enterprise:
    ent = Enterprise.objects.create(
        credit_code=credit_code(region=reg.code), name=name, region=reg, industry="C", size="small"
    )
    if phone:
        Contact.objects.create(
            enterprise=ent, name="联系人", phone=phone, phone_kind="mobile", is_primary=True
        )
    return ent


def user(username: str, role: Role, **scope: object) -> User:
    u = User(username=username, role=role, display_name=username, **scope)
    u.set_password(PASSWORD)
    u.save()
    return u


@dataclass
class World:
    province: Region
    hohhot: Region
    xincheng: Region
    baotou: Region
    kundulun: Region
    desk: Desk
    baotou_desk: Desk
    dept: Department
    baotou_dept: Department
    ent: Enterprise
    baotou_ent: Enterprise
    specialist: Specialist
    users: dict[str, User] = field(default_factory=dict)


def world() -> World:
    """Hohhot (in scope) and Baotou (out of scope for the Hohhot-scoped users)."""
    # Seeded by a data migration; a transactional test's flush empties them, so re-seed.
    seed_defaults(Category, SlaPolicy)
    prov = region("150000", "内蒙古自治区")
    hohhot = region("150100", "呼和浩特市", prov)
    xincheng = region("150102", "新城区", hohhot)
    baotou = region("150200", "包头市", prov)
    kundulun = region("150203", "昆都仑区", baotou)
    the_desk = desk("呼和浩特市企业服务专席", hohhot)
    baotou_desk = desk("包头市企业服务专席", baotou)
    dept = department("呼和浩特市市场监督管理局", hohhot)
    baotou_dept = department("包头市市场监督管理局", baotou)
    ent = enterprise("呼和浩特测试科技有限公司", xincheng, phone="13800000001")
    baotou_ent = enterprise("包头测试钢铁有限公司", kundulun, phone="13800000002")
    domain, _ = PolicyDomain.objects.get_or_create(code="tax", defaults={"name": "税费"})
    spec_user = user("specialist", Role.SPECIALIST)
    spec = Specialist.objects.create(
        code="S00001",
        name="专员甲",
        user=spec_user,
        department=dept,
        region=hohhot,
        languages=["zh"],
    )
    spec.domains.add(domain)
    users = {
        "operator": user("operator", Role.OPERATOR, desk=the_desk),
        "desk_lead": user("desklead", Role.DESK_LEAD, desk=the_desk),
        "handler": user("handler", Role.HANDLER, department=dept),
        "dept_leader": user("leader", Role.DEPT_LEADER, department=dept),
        "specialist": spec_user,
        "supervisor": user("supervisor", Role.SUPERVISOR, region=hohhot),
        "admin": user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
        "auditor": user("auditor", Role.AUDITOR),
        "enterprise": user("enterprise", Role.ENTERPRISE, enterprise=ent, phone="13800000001"),
    }
    return World(
        prov,
        hohhot,
        xincheng,
        baotou,
        kundulun,
        the_desk,
        baotou_desk,
        dept,
        baotou_dept,
        ent,
        baotou_ent,
        spec,
        users,
    )
