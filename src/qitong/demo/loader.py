"""Turning the demo plan into rows: bulk inserts plus one ledger event per created object.

Idempotent by natural keys (region/department/desk codes, usernames, specialist codes, credit
codes): only what is missing is created, nothing that exists is changed, so a second run on a
loaded database writes nothing. The whole load is one transaction. Every user gets the same
password hash, computed once (argon2 is deliberately slow; 300 hashes would take minutes).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from qitong.accounts.models import User
from qitong.accounts.services import user_record_scope_change
from qitong.core import clock
from qitong.demo import catalogue as cat
from qitong.demo.accounts import DEMO_ENTERPRISES, DEMO_PASSWORD, DEMO_SPECIALIST_CODE
from qitong.demo.knowledge import load_knowledge
from qitong.demo.plan import DEMO_SEED, DepartmentSpec, Plan, build_plan
from qitong.directory.models import Department, Desk, PolicyDomain, Region, Specialist
from qitong.directory.regions import DEFAULT_REGION_FILE, load_regions
from qitong.enterprises.models import Contact, Enterprise
from qitong.ledger.services import ledger_record, ledger_record_change
from qitong.routing.models import Pairing

SOURCE = {"source": "demo"}


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def anything_created(self) -> bool:
        return any(self.created.values())


def ledger_created(objects: Iterable[models.Model], extra: dict[str, Any] | None = None) -> None:
    for obj in objects:
        ledger_record_change(
            obj=obj,
            action=f"{obj._meta.model_name}_create",
            actor=None,
            extra={**SOURCE, **(extra or {})},
        )


def _domains() -> int:
    existing = set(PolicyDomain.objects.values_list("code", flat=True))
    names = set(PolicyDomain.objects.values_list("name", flat=True))
    new = [
        PolicyDomain(code=code, name=name, sort_order=i)
        for i, (code, name, _) in enumerate(cat.POLICY_DOMAINS, start=1)
        if code not in existing and name not in names
    ]
    PolicyDomain.objects.bulk_create(new)
    ledger_created(new)
    return len(new)


def _departments(specs: list[DepartmentSpec], regions: dict[str, int]) -> int:
    """Autonomous-region departments first, so their 盟市 counterparts can point at them."""
    taken = set(Department.objects.values_list("code", flat=True))
    taken_names = set(Department.objects.values_list("region_id", "name"))
    created = 0
    for level in ("province", "city"):
        parents = dict(Department.objects.values_list("code", "pk"))
        new = [
            Department(
                code=s.code,
                name=s.name,
                short_name=s.short_name,
                region_id=regions[s.region_code],
                level=s.level,
                kind=s.kind,
                parent_id=parents.get(s.parent_code or ""),
                is_business_env_authority=s.business_env,
                phone=s.phone,
            )
            for s in specs
            if s.level == level
            and s.code not in taken
            and (regions[s.region_code], s.name) not in taken_names
        ]
        Department.objects.bulk_create(new)
        ledger_created(new)
        created += len(new)
    return created


def _desks(plan: Plan, regions: dict[str, int]) -> int:
    taken = set(Desk.objects.values_list("code", flat=True))
    new = [
        Desk(code=s.code, name=s.name, region_id=regions[s.region_code], phone="12345")
        for s in plan.desks
        if s.code not in taken
    ]
    Desk.objects.bulk_create(new)
    ledger_created(new)
    return len(new)


def _enterprises(plan: Plan, regions: dict[str, int]) -> int:
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    specs = [s for s in plan.enterprises if s.credit_code not in taken]
    new = [
        Enterprise(
            credit_code=s.credit_code,
            name=s.name,
            region_id=regions[s.region_code],
            industry=s.industry,
            size=s.size,
            address=s.address,
            legal_representative=s.legal_representative,
        )
        for s in specs
    ]
    Enterprise.objects.bulk_create(new)
    Contact.objects.bulk_create(
        Contact(
            enterprise=ent,
            name=c.name,
            position=c.position,
            phone=c.phone,
            phone_kind=c.kind,
            is_primary=c.is_primary,
        )
        for ent, spec in zip(new, specs, strict=True)
        for c in spec.contacts
    )
    for ent, spec in zip(new, specs, strict=True):
        ledger_record_change(
            obj=ent,
            action="enterprise_create",
            actor=None,
            extra={**SOURCE, "contacts": [c.phone for c in spec.contacts]},
        )
    return len(new)


def _users(plan: Plan, regions: dict[str, int]) -> int:
    taken = set(User.objects.values_list("username", flat=True))
    specs = [s for s in plan.users if s.username not in taken]
    if not specs:
        return 0
    password = make_password(DEMO_PASSWORD)  # once: every demo user shares this hash
    desks = dict(Desk.objects.values_list("code", "pk"))
    departments = dict(Department.objects.values_list("code", "pk"))
    enterprises = dict(Enterprise.objects.values_list("credit_code", "pk"))
    new = [
        User(
            username=s.username,
            password=password,
            role=s.role,
            display_name=s.display_name,
            phone=s.phone,
            desk_id=desks.get(s.desk_code or ""),
            department_id=departments.get(s.department_code or ""),
            region_id=regions.get(s.region_code or ""),
            enterprise_id=enterprises.get(s.enterprise_code or ""),
            is_staff=s.is_superuser,
            is_superuser=s.is_superuser,
        )
        for s in specs
    ]
    User.objects.bulk_create(new)
    for user in new:
        user_record_scope_change(user=user, before=None, actor=None)
    return len(new)


def _specialists(plan: Plan, regions: dict[str, int]) -> int:
    taken = set(Specialist.objects.values_list("code", flat=True))
    specs = [s for s in plan.specialists if s.code not in taken]
    departments = dict(Department.objects.values_list("code", "pk"))
    domains = dict(PolicyDomain.objects.values_list("code", "pk"))
    free_users = dict(
        User.objects.filter(specialist_profile__isnull=True).values_list("username", "pk")
    )
    specs = [s for s in specs if s.department_code in departments]
    new = [
        Specialist(
            code=s.code,
            name=s.name,
            phone=s.phone,
            user_id=free_users.get(s.username or ""),
            department_id=departments[s.department_code],
            region_id=regions[s.region_code],
            languages=list(s.languages),
            capacity=s.capacity,
            on_duty=s.on_duty,
        )
        for s in specs
    ]
    Specialist.objects.bulk_create(new)
    through = Specialist.domains.through
    through.objects.bulk_create(
        through(specialist_id=obj.pk, policydomain_id=domains[code])
        for obj, spec in zip(new, specs, strict=True)
        for code in spec.domain_codes
        if code in domains
    )
    for obj, spec in zip(new, specs, strict=True):
        ids = sorted(domains[c] for c in spec.domain_codes if c in domains)
        ledger_record_change(
            obj=obj,
            action="specialist_create",
            actor=None,
            extra={**SOURCE, "m2m": {"domains": ids}},
        )
    return len(new)


def _pairings() -> int:
    """The demo enterprise `enterprise` is paired with the demo specialist (S00001), so a
    consultation it raises is offered to the `specialist` account first."""
    enterprise = Enterprise.objects.filter(
        credit_code=DEMO_ENTERPRISES["enterprise"].credit_code
    ).first()
    specialist = Specialist.objects.filter(code=DEMO_SPECIALIST_CODE).first()
    if (
        enterprise is None
        or specialist is None
        or Pairing.objects.filter(enterprise=enterprise).exists()
    ):
        return 0
    pairing = Pairing.objects.create(
        enterprise=enterprise, specialist=specialist, paired_at=clock.now()
    )
    ledger_record(
        subject_type="enterprises.enterprise",
        subject_id=enterprise.pk,
        action="pair",
        actor=None,
        payload={"specialist": specialist.pk, "specialist_name": specialist.name, **SOURCE},
    )
    return 1 if pairing else 0


def load_demo(*, seed: int = DEMO_SEED) -> DemoResult:
    """Load the demo deployment (regions … accounts) in one transaction; returns what was new."""
    started = time.perf_counter()
    plan = build_plan(seed)
    result = DemoResult()
    with transaction.atomic():
        result.created["行政区划"] = load_regions(DEFAULT_REGION_FILE).created
        regions = dict(Region.objects.values_list("code", "pk"))
        result.created["政策领域"] = _domains()
        result.created["承办单位"] = _departments(plan.departments, regions)
        result.created["企业服务专席"] = _desks(plan, regions)
        result.created["企业"] = _enterprises(plan, regions)
        result.created["用户"] = _users(plan, regions)
        result.created["政策专员"] = _specialists(plan, regions)
        result.created["知识"] = load_knowledge()
        result.created["一对一结对"] = _pairings()
    result.seconds = time.perf_counter() - started
    return result
