"""The reference data the tickets hang on: the demo deployment plus the bench's own
enterprises (with contacts and an enterprise account each) and one handling account per
department and a few specialist accounts, so that every ledgered step has a real actor.

Everything created here is ledgered like the demo loader does it (one `*_create` event per
object, actor 系统); the bulk rows are hashed with the product's `event_hash`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.accounts.services import SCOPE_FIELDS
from qitong.core.workdays import load_calendar
from qitong.demo import DEMO_ENTERPRISES
from qitong.demo import catalogue as cat
from qitong.directory.models import Department, Desk, Region, Specialist
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import USCC_ALPHABET, org_code_check_char, uscc_check_char
from qitong.ledger.services import ledger_record_change, snapshot
from qitong.seeding import writer
from qitong.seeding.world import (
    CategoryRef,
    Dept,
    DeskRef,
    EntRef,
    Person,
    SpecialistRef,
    World,
)
from qitong.tickets.deadlines import load_policies
from qitong.tickets.models import Category

BENCH_SUFFIX = "（压测）"
UNUSABLE_PASSWORD = "!bench-no-login"  # nosec B105 # a marker Django never accepts as a hash, not a password
BATCH = 2000
# Where enterprises are: the big three 盟市 (Hohhot, Baotou, Ordos) hold half of them.
CITY_WEIGHTS = {
    "150100": 20,
    "150200": 17,
    "150600": 14,
    "150400": 9,
    "150500": 7,
    "150700": 6,
    "150800": 6,
    "150900": 5,
    "152500": 5,
    "150300": 4,
    "152200": 4,
    "152900": 3,
}

Out = Callable[[str], None]


def _person(user: User) -> Person:
    return Person(user.pk, (user.get_full_name() or user.username)[:100], user.role)


def _base31(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rest = divmod(value, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[rest])
    return "".join(reversed(digits))


def bench_credit_code(county_code: str, index: int) -> str:
    """A valid synthetic code (both check characters right); the organisation body starts
    with "BQ", which the demo's "MA…" codes never do, and encodes `index`, so it is unique."""
    body = "BQ" + _base31(index, 6)
    first17 = f"91{county_code}{body}{org_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(cat.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(cat.SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def _write_creations(subject_type: str, items: list[tuple[str, str, dict[str, object]]]) -> None:
    """One `<model>_create` event (seq 1, actor 系统) per new object, hashed in bulk."""
    rows = []
    now = dt.datetime.now(dt.UTC)
    for subject_id, action, payload in items:
        event = writer.ChainEvent(now, action, None, "系统", "system", "", "", payload)
        rows += writer.chain_rows(subject_type, subject_id, [event])
    writer.write(writer.EVENT, writer.EVENT.encode(connection.vendor, rows))


def _user_created(user: User) -> tuple[str, str, dict[str, object]]:
    changes = {k: [None, v] for k, v in snapshot(user, SCOPE_FIELDS).items()}
    return str(user.pk), "user_create", {"display": user.username, "changes": changes}


def ensure_accounts(out: Out) -> None:
    """A handler account for every department that has none, and accounts for two on-duty
    specialists per region, so departments sign and reply and specialists answer as people."""
    with transaction.atomic():
        staffed = set(
            User.objects.filter(role=Role.HANDLER, department__isnull=False).values_list(
                "department_id", flat=True
            )
        )
        rng = random.Random("bench-accounts")  # nosec B311 # generated data, not security
        new = [
            User(
                username=f"bench_h_{d.code}",
                password=UNUSABLE_PASSWORD,
                role=Role.HANDLER,
                display_name=_name(rng),
                department_id=d.pk,
            )
            for d in Department.objects.filter(active=True).order_by("id")
            if d.pk not in staffed
        ]
        User.objects.bulk_create(new, batch_size=BATCH)
        _write_creations("accounts.user", [_user_created(u) for u in new])
        wanted: list[Specialist] = []
        by_region: dict[int, int] = defaultdict(int)
        for s in Specialist.objects.filter(active=True, on_duty=True).order_by("id"):
            by_region[s.region_id] += s.user_id is not None
            if s.user_id is None and by_region[s.region_id] < 2:
                by_region[s.region_id] += 1
                wanted.append(s)
        users = [
            User(
                username=f"bench_s_{s.code}",
                password=UNUSABLE_PASSWORD,
                role=Role.SPECIALIST,
                display_name=s.name,
                phone=s.phone,
            )
            for s in wanted
        ]
        User.objects.bulk_create(users)
        _write_creations("accounts.user", [_user_created(u) for u in users])
        for specialist, user in zip(wanted, users, strict=True):
            before = snapshot(specialist)
            Specialist.objects.filter(pk=specialist.pk).update(user=user)
            specialist.user = user
            ledger_record_change(
                obj=specialist,
                action="specialist_update",
                actor=None,
                before=before,
                extra={"source": "bench"},
            )
    if new or users:
        out(f"  账号：新建承办人 {len(new)} 个、政策专员账号 {len(users)} 个")


def ensure_enterprises(target: int, out: Out) -> None:
    """Create bench enterprises until there are `target` of them (named "…（压测）")."""
    have = Enterprise.objects.filter(name__endswith=BENCH_SUFFIX).count()
    if have >= target:
        return
    counties: dict[str, list[Region]] = defaultdict(list)
    for region in Region.objects.filter(level="county").select_related("parent"):
        counties[region.parent.code].append(region)  # type: ignore[union-attr]
    cities = [c for c in CITY_WEIGHTS if c in counties]
    weights = [CITY_WEIGHTS[c] for c in cities]
    sections = sorted(cat.TRADES)
    trade_weights = [cat.TRADES[s][1] for s in sections]
    city_names = dict(Region.objects.filter(level="city").values_list("code", "name"))
    started = dt.datetime.now()
    for start in range(have, target, BATCH):
        stop = min(target, start + BATCH)
        with transaction.atomic():
            _enterprise_batch(
                range(start, stop), counties, cities, weights, sections, trade_weights, city_names
            )
        if stop == target or (stop - have) % 10000 == 0:
            rate = (stop - have) / max(0.001, (dt.datetime.now() - started).total_seconds())
            out(f"  企业：{stop:,}/{target:,}（{rate:,.0f} 家/秒）")


def _enterprise_batch(
    indexes: range,
    counties: dict[str, list[Region]],
    cities: list[str],
    weights: list[int],
    sections: list[str],
    trade_weights: list[int],
    city_names: dict[str, str],
) -> None:
    ents, contacts, people = [], [], []
    for i in indexes:
        rng = random.Random(f"bench-enterprise-{i}")  # nosec B311 # generated data, not security
        city = rng.choices(cities, weights)[0]
        county = rng.choice(counties[city])
        industry = rng.choices(sections, trade_weights)[0]
        size = rng.choices(list(cat.SIZE_WEIGHTS), list(cat.SIZE_WEIGHTS.values()))[0]
        short = city_names[city].removesuffix("市").removesuffix("盟")
        legal = _name(rng)
        suffix = "股份有限公司" if size == "large" else "有限公司"
        ents.append(
            Enterprise(
                credit_code=bench_credit_code(county.code, i),
                name=f"{short}{rng.choice(cat.BRAND_WORDS)}{rng.choice(cat.TRADES[industry][0])}{suffix}{BENCH_SUFFIX}",
                region=county,
                industry=industry,
                size=size,
                address=f"{city_names[city]}{county.name}{rng.choice(cat.ROAD_WORDS)}路{rng.randint(1, 399)}号",
                legal_representative=legal,
            )
        )
        mobile = _mobile(rng)
        mine = [
            Contact(
                name=legal,
                position="法定代表人",
                phone=mobile,
                phone_kind="mobile",
                is_primary=True,
            )
        ]
        if rng.random() < 0.4:
            mine.append(
                Contact(
                    name=_name(rng),
                    position=rng.choice(cat.CONTACT_POSITIONS[1:]),
                    phone=_mobile(rng),
                    phone_kind="mobile",
                    is_primary=False,
                )
            )
        contacts.append(mine)
        people.append((legal, mobile))
    Enterprise.objects.bulk_create(ents)
    for ent, mine in zip(ents, contacts, strict=True):
        for contact in mine:
            contact.enterprise = ent
    Contact.objects.bulk_create([c for mine in contacts for c in mine])
    users = [
        User(
            username=f"e{ent.credit_code}",
            password=UNUSABLE_PASSWORD,
            role=Role.ENTERPRISE,
            display_name=legal,
            phone=mobile,
            enterprise=ent,
        )
        for ent, (legal, mobile) in zip(ents, people, strict=True)
    ]
    User.objects.bulk_create(users)
    _write_creations(
        "enterprises.enterprise",
        [
            (
                str(ent.pk),
                "enterprise_create",
                {
                    "display": str(ent),
                    "changes": {k: [None, v] for k, v in snapshot(ent).items()},
                    "source": "bench",
                    "contacts": [c.phone for c in mine],
                },
            )
            for ent, mine in zip(ents, contacts, strict=True)
        ],
    )
    _write_creations("accounts.user", [_user_created(u) for u in users])


def build_world(now: dt.datetime) -> World:
    """Everything a story needs, as plain values (no database access afterwards)."""
    regions = {r.pk: r for r in Region.objects.select_related("parent")}

    def city_of(region: Region) -> str:
        if region.level == "county" and region.parent is not None:
            return region.parent.code
        return region.code

    handlers: dict[int, Person] = {}
    for user in User.objects.filter(role=Role.HANDLER, department__isnull=False).order_by("-id"):
        handlers[user.department_id] = _person(user)  # type: ignore[index]
    departments: dict[tuple[str, str], Dept] = {}
    for d in Department.objects.filter(active=True).order_by("id"):
        if d.pk in handlers:
            region = regions[d.region_id]
            departments[(region.code, d.kind)] = Dept(
                d.pk, d.name, d.kind, region.code, handlers[d.pk], d.is_business_env_authority
            )
    staff: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(desk__isnull=False, is_active=True).order_by("id"):
        staff[user.desk_id].append(user)  # type: ignore[index]
    desks: dict[str, list[DeskRef]] = defaultdict(list)
    online: dict[str, DeskRef] = {}
    for desk in Desk.objects.filter(active=True).order_by("id"):
        people = staff.get(desk.pk, [])
        leads = [_person(u) for u in people if u.role == Role.DESK_LEAD]
        operators = tuple(_person(u) for u in people if u.role == Role.OPERATOR)
        if not leads or not operators:
            continue
        code = regions[desk.region_id].code
        ref = DeskRef(desk.pk, code, leads[0], operators)
        desks[code].append(ref)
        online[code] = ref  # the last by id, as intake._desk_for picks it
    specialists: dict[str, list[SpecialistRef]] = defaultdict(list)
    for s in Specialist.objects.filter(
        active=True, on_duty=True, user__isnull=False
    ).select_related("user"):
        code = regions[s.region_id].code
        specialists[code].append(SpecialistRef(s.pk, s.name, code, _person(s.user)))  # type: ignore[arg-type]
    categories: dict[str, list[CategoryRef]] = defaultdict(list)
    for c in Category.objects.filter(active=True, parent__isnull=False).select_related("parent"):
        categories[c.parent.code].append(CategoryRef(c.pk, c.code, c.parent.code))  # type: ignore[union-attr]
    enterprises, weights, demo = _enterprise_refs(regions, city_of)
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return World(
        now=now,
        categories=dict(categories),
        departments=departments,
        desks=dict(desks),
        online_desk=online,
        specialists=dict(specialists),
        enterprises=enterprises,
        enterprise_cum_weights=cum,
        demo_enterprise=demo,
        policies=load_policies(),
        overrides=dict(load_calendar().overrides),
    )


def _enterprise_refs(
    regions: dict[int, Region], city_of: Callable[[Region], str]
) -> tuple[list[EntRef], list[float], int | None]:
    """Every enterprise with its primary contact and account, and a weight: a few enterprises
    call very often, most rarely (log-normal). The demo `enterprise` account's own enterprise
    gets weight 0: the seeder gives it a fixed share instead."""
    primary: dict[int, tuple[str, str]] = {}
    # Ordered so that the primary contact (the first one if several) is written last and wins.
    for ent_id, name, phone in Contact.objects.order_by("is_primary", "-id").values_list(
        "enterprise_id", "name", "phone"
    ):
        primary[ent_id] = (name, phone)
    accounts: dict[int, Person] = {}
    for user in User.objects.filter(role=Role.ENTERPRISE, enterprise__isnull=False).order_by("-id"):
        accounts[user.enterprise_id] = _person(user)  # type: ignore[index]
    demo_code = DEMO_ENTERPRISES["enterprise"].credit_code
    refs: list[EntRef] = []
    weights: list[float] = []
    demo: int | None = None
    for ent in Enterprise.objects.order_by("id").values_list(
        "id", "credit_code", "name", "region_id"
    ):
        ent_id, code, name, region_id = ent
        region = regions[region_id]
        contact_name, phone = primary.get(ent_id, ("", "13900000000"))
        refs.append(
            EntRef(
                ent_id,
                code,
                name,
                region.code,
                region.name,
                city_of(region),
                contact_name,
                phone,
                accounts.get(ent_id),
            )
        )
        if code == demo_code:
            demo = len(refs) - 1
            weights.append(0.0)
        else:
            weights.append(math.exp(0.9 * random.Random(f"bench-weight-{ent_id}").gauss(0, 1)))  # nosec B311 # generated data
    return refs, weights, demo
