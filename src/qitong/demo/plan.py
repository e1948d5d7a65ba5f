"""The demo data as a plan: plain values computed from a fixed seed, without the database.

Everything random is drawn here, from one `random.Random` per section seeded with
"<seed>-<section>", so the same seed gives the same departments, people and credit codes on
every machine and every database, and a change to one section does not reshuffle the others.
The loader (demo.loader) only turns this plan into rows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from qitong.accounts.roles import Role
from qitong.demo import catalogue as cat
from qitong.demo.accounts import (
    DEMO_COORDINATOR_REGION,
    DEMO_DEPARTMENT,
    DEMO_DEPARTMENT_2,
    DEMO_DESK_CODE,
    DEMO_ENTERPRISES,
    DEMO_SPECIALIST_CODE,
    DEMO_SUPERVISOR_REGION,
)
from qitong.directory.regions import DEFAULT_REGION_FILE, resolve_region_file
from qitong.enterprises.validators import USCC_ALPHABET, org_code_check_char, uscc_check_char

DEMO_SEED = 12345


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: str
    parent: str | None

    @property
    def short(self) -> str:
        """呼和浩特市 → 呼和浩特, 兴安盟 → 兴安 (used in some official names)."""
        return self.name[:-1] if self.name.endswith(("市", "盟")) else self.name


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    short_name: str
    region_code: str
    level: str
    kind: str
    parent_code: str | None
    business_env: bool
    phone: str


@dataclass(frozen=True)
class DeskSpec:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    display_name: str
    phone: str = ""
    desk_code: str | None = None
    department_code: str | None = None
    region_code: str | None = None
    enterprise_code: str | None = None
    is_superuser: bool = False


@dataclass(frozen=True)
class SpecialistSpec:
    code: str
    name: str
    phone: str
    department_code: str
    region_code: str
    domain_codes: tuple[str, ...]
    languages: tuple[str, ...]
    capacity: int
    on_duty: bool
    username: str | None = None


@dataclass(frozen=True)
class ContactSpec:
    name: str
    position: str
    phone: str
    kind: str
    is_primary: bool


@dataclass(frozen=True)
class EnterpriseSpec:
    credit_code: str
    name: str
    region_code: str
    industry: str
    size: str
    address: str
    legal_representative: str
    contacts: tuple[ContactSpec, ...]


@dataclass
class Plan:
    regions: dict[str, RegionInfo]
    departments: list[DepartmentSpec] = field(default_factory=list)
    desks: list[DeskSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)
    specialists: list[SpecialistSpec] = field(default_factory=list)
    enterprises: list[EnterpriseSpec] = field(default_factory=list)

    @property
    def cities(self) -> list[RegionInfo]:
        return [r for r in self.regions.values() if r.level == "city"]

    @property
    def counties(self) -> list[RegionInfo]:
        return [r for r in self.regions.values() if r.level == "county"]


def read_regions() -> dict[str, RegionInfo]:
    """The shipped region file, in its official order (the demo's tree, without the DB)."""
    document = json.loads(resolve_region_file(DEFAULT_REGION_FILE).read_text(encoding="utf-8"))
    return {
        e["code"]: RegionInfo(e["code"], e["name"], e["level"], e["parent"])
        for e in document["regions"]
    }


class People:
    """Synthetic names and phone numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self, mongolian: bool = False) -> str:
        if mongolian and self.rng.random() < 0.5:
            return self.rng.choice(cat.MONGOLIAN_GIVEN_NAMES)
        given = "".join(self.rng.choice(cat.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(cat.SURNAMES) + given

    def mobile(self) -> str:
        return f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}"

    def landline(self, area: str) -> str:
        return f"{area}-{self.rng.randint(2, 9)}{self.rng.randrange(10**6):06d}"


def _departments(plan: Plan, rng: random.Random) -> None:
    people = People(rng)
    for index, kind in enumerate(cat.DEPARTMENT_KINDS, start=1):
        code = f"{cat.PROVINCE_CODE}{index:03d}"
        plan.departments.append(
            DepartmentSpec(
                code,
                kind.name,
                kind.short_name,
                cat.PROVINCE_CODE,
                "province",
                kind.kind,
                None,
                kind.business_env,
                people.landline(cat.AREA_CODES[cat.PROVINCE_CODE]),
            )
        )
    for city in plan.cities:
        for index, kind in enumerate(cat.DEPARTMENT_KINDS, start=1):
            if kind.city_name is None:
                continue
            plan.departments.append(
                DepartmentSpec(
                    f"{city.code}{index:03d}",
                    kind.city_name.format(city=city.name, city_short=city.short),
                    "",
                    city.code,
                    "city",
                    kind.kind,
                    f"{cat.PROVINCE_CODE}{index:03d}",
                    kind.business_env,
                    people.landline(cat.AREA_CODES[city.code]),
                )
            )


def _desks_and_staff(plan: Plan, rng: random.Random) -> None:
    people = People(rng)
    for region_code, count in cat.DESKS_PER_REGION.items():
        region = plan.regions[region_code]
        prefix = cat.PROVINCE_LEVEL_NAME if region.level == "province" else region.name
        for i in range(1, count + 1):
            desk = DeskSpec(
                f"ZX{region_code}{i:02d}",
                f"{prefix}企业服务专席（{cat.DESK_THEMES[i - 1]}）",
                region_code,
            )
            plan.desks.append(desk)
            for j in range(cat.OPERATORS_PER_DESK + 1):
                role = Role.DESK_LEAD if j == 0 else Role.OPERATOR
                username = f"{desk.code.lower()}_{j}"
                if desk.code == DEMO_DESK_CODE and j < 2:
                    username = "desklead" if j == 0 else "operator"
                plan.users.append(UserSpec(username, role, people.name(), desk_code=desk.code))


def _demo_staff(plan: Plan, rng: random.Random) -> None:
    people = People(rng)
    by_name = {d.name: d.code for d in plan.departments if d.region_code == cat.PROVINCE_CODE}
    plan.users += [
        UserSpec("admin", Role.ADMIN, "系统管理员", is_superuser=True),
        UserSpec("handler", Role.HANDLER, people.name(), department_code=by_name[DEMO_DEPARTMENT]),
        UserSpec(
            "leader", Role.DEPT_LEADER, people.name(), department_code=by_name[DEMO_DEPARTMENT]
        ),
        UserSpec(
            "handler2", Role.HANDLER, people.name(), department_code=by_name[DEMO_DEPARTMENT_2]
        ),
        UserSpec("specialist", Role.SPECIALIST, people.name(mongolian=True)),
        UserSpec("supervisor", Role.SUPERVISOR, people.name(), region_code=DEMO_SUPERVISOR_REGION),
        UserSpec("auditor", Role.AUDITOR, people.name()),
    ]
    # Each 盟市's reform-task coordinator (a supervisor of exactly that city); 包头's is the
    # demo account `coordinator`.
    plan.users += [
        UserSpec(
            "coordinator" if code == DEMO_COORDINATOR_REGION else f"coordinator_{code}",
            Role.SUPERVISOR,
            people.name(),
            region_code=code,
        )
        for code in sorted(cat.AREA_CODES)
        if code != cat.PROVINCE_CODE
    ]


def _specialists(plan: Plan, rng: random.Random) -> None:
    people = People(rng)
    domains = {code: kinds for code, _, kinds in cat.POLICY_DOMAINS}
    by_region_kind = {(d.region_code, d.kind): d for d in plan.departments}
    demo_user = next(u for u in plan.users if u.username == "specialist")
    market = by_region_kind[(cat.PROVINCE_CODE, "market_regulation")]
    plan.specialists.append(
        SpecialistSpec(
            DEMO_SPECIALIST_CODE,
            demo_user.display_name,
            people.mobile(),
            market.code,
            cat.PROVINCE_CODE,
            ("market_access", "intellectual_property"),
            ("zh", "mn"),
            8,
            True,
            username="specialist",
        )
    )
    number = 1
    for region_code, count in cat.SPECIALISTS_PER_REGION.items():
        share = cat.MONGOLIAN_SHARE.get(region_code, cat.MONGOLIAN_SHARE_DEFAULT)
        for _ in range(count - (1 if region_code == cat.PROVINCE_CODE else 0)):
            number += 1
            chosen = rng.sample(sorted(domains), rng.choice((1, 1, 2, 2, 3)))
            kinds = [k for k in domains[chosen[0]] if (region_code, k) in by_region_kind]
            department = by_region_kind[(region_code, rng.choice(kinds or ["development_reform"]))]
            mongolian = rng.random() < share
            plan.specialists.append(
                SpecialistSpec(
                    f"S{number:05d}",
                    people.name(mongolian),
                    people.mobile(),
                    department.code,
                    region_code,
                    tuple(chosen),
                    ("zh", "mn") if mongolian else ("zh",),
                    rng.choice((3, 4, 5, 5, 6, 8, 10)),
                    rng.random() < 0.9,
                )
            )


def _credit_code(rng: random.Random, region_code: str, taken: set[str]) -> str:
    while True:
        org_body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        first17 = f"91{region_code}{org_body}{org_code_check_char(org_body)}"
        code = first17 + uscc_check_char(first17)
        if code not in taken:
            taken.add(code)
            return code


def _enterprises(plan: Plan, rng: random.Random) -> None:
    """The named demo enterprises, then synthetic ones with valid codes and contacts (one
    loop per kind; long because each enterprise lists its fields)."""
    people = People(rng)
    taken = {ent.credit_code for ent in DEMO_ENTERPRISES.values()}
    names = {ent.name for ent in DEMO_ENTERPRISES.values()}
    for username, ent in DEMO_ENTERPRISES.items():
        contact = ContactSpec(people.name(), "总经理", ent.mobile, "mobile", True)
        plan.enterprises.append(
            EnterpriseSpec(
                ent.credit_code,
                ent.name,
                ent.region_code,
                ent.industry,
                ent.size,
                _address(plan, rng, ent.region_code),
                contact.name,
                (contact,),
            )
        )
        plan.users.append(
            UserSpec(
                username,
                Role.ENTERPRISE,
                contact.name,
                phone=ent.mobile,
                enterprise_code=ent.credit_code,
            )
        )
    sections = sorted(cat.TRADES)
    weights = [cat.TRADES[s][1] for s in sections]
    counties = plan.counties
    while len(plan.enterprises) < cat.ENTERPRISE_COUNT:
        county = rng.choice(counties)
        city = plan.regions[county.parent or ""]
        industry = rng.choices(sections, weights)[0]
        size = rng.choices(list(cat.SIZE_WEIGHTS), list(cat.SIZE_WEIGHTS.values()))[0]
        name = f"{city.short}{rng.choice(cat.BRAND_WORDS)}{rng.choice(cat.TRADES[industry][0])}"
        name += "股份有限公司（演示）" if size == "large" else "有限公司（演示）"
        if name in names:
            continue
        names.add(name)
        legal = people.name()
        contacts = [ContactSpec(legal, "法定代表人", people.mobile(), "mobile", True)]
        if rng.random() < 0.5:
            landline = rng.random() < 0.6
            contacts.append(
                ContactSpec(
                    people.name(),
                    rng.choice(cat.CONTACT_POSITIONS[1:]),
                    people.landline(cat.AREA_CODES[city.code]) if landline else people.mobile(),
                    "landline" if landline else "mobile",
                    False,
                )
            )
        plan.enterprises.append(
            EnterpriseSpec(
                _credit_code(rng, county.code, taken),
                name,
                county.code,
                industry,
                size,
                _address(plan, rng, county.code),
                legal,
                tuple(contacts),
            )
        )


def _address(plan: Plan, rng: random.Random, county_code: str) -> str:
    county = plan.regions[county_code]
    city = plan.regions[county.parent or ""]
    return f"{city.name}{county.name}{rng.choice(cat.ROAD_WORDS)}路{rng.randint(1, 399)}号"


def build_plan(seed: int = DEMO_SEED) -> Plan:
    plan = Plan(regions=read_regions())

    def rng(section: str) -> random.Random:
        return random.Random(f"{seed}-{section}")  # nosec B311 # demo data only, not security

    _departments(plan, rng("departments"))
    _desks_and_staff(plan, rng("desks"))
    _demo_staff(plan, rng("staff"))
    _specialists(plan, rng("specialists"))
    _enterprises(plan, rng("enterprises"))
    return plan
