"""The demo's area-assessment registry (issue 16 "Demo"): ~62 zones, some with boundaries;
results for most zone × item pairs; the figures for 2022-01-01..2022-05-08 as reported (615
published, 536 collected, 800+ projects, 1,800+ uses, 4,900+ 亿元, 5,000+ 万元 saved); renewals
that superseded old results and old ones expired by date; a valid ledger; idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from qitong.area_assessments.models import Result, Zone
from qitong.area_assessments.stats import area_stats, coverage
from qitong.ledger.services import ledger_verify

pytestmark = pytest.mark.django_db


def test_the_demo_registry_reads_as_the_data_bureau_reported() -> None:
    quiet = {"stdout": StringIO(), "history": 0, "no_reforms": True, "no_arrears": True,
             "no_supervision": True, "no_appraisal": True}  # fmt: skip
    call_command("demo", **quiet)
    assert 60 <= Zone.objects.count() <= 64
    assert Zone.objects.exclude(boundary=None).count() >= 15
    t = area_stats(dt.date(2022, 1, 1), dt.date(2022, 5, 8)).total
    assert (t.published, t.collected) == (615, 536)
    assert t.projects >= 800 and t.uses >= 1800
    assert t.investment_yi >= Decimal(4900) and t.saved_wan >= Decimal(5000)
    states = set(Result.objects.values_list("state", flat=True))
    assert {"collected", "published", "superseded", "expired"} <= states
    gaps = sum(row["missing"] for row in coverage()["rows"])
    assert 0 < gaps < Zone.objects.count() * 10
    assert ledger_verify().broken is None
    before = Result.objects.count()
    call_command("demo", **quiet)
    assert Result.objects.count() == before
