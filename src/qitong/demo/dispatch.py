"""The demo's 派单目录: for the region's own level and each 盟市, every top-level category of
the shipped category tree goes to the department of that level whose function serves it (the
same pairing of categories and functions the history generator dispatches by), with a second
function's department assisting where there is one."""

from __future__ import annotations

from django.db import transaction

from qitong.directory.models import Department, Region, RegionLevel
from qitong.ledger.services import ledger_record_change
from qitong.seeding.distributions import KINDS_BY_TOP
from qitong.tickets.catalogue import finish_version, new_version
from qitong.tickets.models import Category, DispatchRule

BASIS = "演示数据：按部门职能（“三定”规定）"


def load_demo_catalogue() -> int:
    """Create the demo catalogue once (never over an administrator's); returns the rules made."""
    if DispatchRule.objects.exists():
        return 0
    tops = {c.code: c for c in Category.objects.filter(parent__isnull=True, active=True)}
    regions = Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY])
    by_kind: dict[tuple[int, str], Department] = {}
    for d in Department.objects.filter(active=True, region__in=regions).order_by("code"):
        by_kind.setdefault((d.region_id, d.kind), d)
    made = 0
    with transaction.atomic():
        version = new_version("演示派单目录", None)
        for region in regions.order_by("code"):
            for code, category in tops.items():
                kinds = [
                    k
                    for k in dict.fromkeys(KINDS_BY_TOP.get(code, ()))
                    if (region.pk, k) in by_kind
                ]
                if not kinds:
                    continue
                lead = by_kind[(region.pk, kinds[0])]
                helpers = [by_kind[(region.pk, k)].pk for k in kinds[1:2]]
                rule = DispatchRule.objects.create(
                    region=region, category=category, lead=lead, assisting=helpers, basis=BASIS,
                    version=version,
                )  # fmt: skip
                ledger_record_change(
                    obj=rule, action="dispatchrule_create", actor=None, extra={"source": "demo"}
                )
                made += 1
        finish_version(version)
    return made
