"""The demo's supervision work (issue 13 "Demo"): activities of each kind, problems in every
state, the 2022 figure "截至 4 月底共受理问题 37 个，已办结 9 个", 土右旗's 242 万元 closed after
payment, promoted tickets, two published quarters with nothing identifying on the public
page, a valid ledger; a second run adds nothing."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from qitong.accounts.models import User
from qitong.ledger.services import ledger_verify
from qitong.supervision.models import AccountabilityEntry, Activity, Problem
from qitong.supervision.states import ActivityKind, ProblemState

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def test_the_demo_reads_as_the_region_reported_and_every_state_is_there() -> None:
    call_command("demo", stdout=StringIO(), history=0, no_reforms=True)
    assert set(Activity.objects.values_list("kind", flat=True)) == set(ActivityKind.values)
    assert set(Problem.objects.values_list("state", flat=True)) == set(ProblemState.values)
    assert 110 <= Problem.objects.count() <= 140
    office = client_for("supervisor")
    april = office.get("/api/v1/supervision/stats?from=2022-01-01&to=2022-04-30").json()
    assert (april["reported_received"], april["reported_done"]) == (37, 9)
    page = office.get("/supervision/stats/?from=2022-01-01&to=2022-04-30").content.decode()
    assert (
        '共受理反映问题 <strong class="num">37</strong> 个，已办结 <strong class="num">9</strong> 个'
        in page
    )
    tuyou = Problem.objects.get(title__contains="242 万元")
    assert tuyou.state == "closed" and tuyou.amount == 2_420_000
    assert tuyou.closed_at is not None and (tuyou.closed_at.month, tuyou.closed_at.year) == (
        4,
        2022,
    )
    assert Problem.objects.filter(source="ticket").exists()
    assert Problem.objects.filter(long_term=True).exists()
    assert Problem.objects.filter(escalation__gte=1).exists()
    assert Problem.objects.filter(recurrence_of__isnull=False).exists()
    overdue = office.get("/api/v1/supervision/problems?overdue=true").json()
    assert overdue["count"] > 0
    public = Client().get("/api/v1/public/accountability").json()
    assert len(public) >= 2 and all(g["entries"] for g in public)
    shown = {e["id"]: json.dumps(e, ensure_ascii=False) for g in public for e in g["entries"]}
    for entry in AccountabilityEntry.objects.filter(state="published", public=True):
        for person in entry.persons:
            assert person["name"] not in shown[entry.pk]
        for ent in entry.enterprises:  # named only where it agreed
            assert (ent["name"] in shown[entry.pk]) == bool(ent["consented"])
    assert AccountabilityEntry.objects.filter(corrects__isnull=False).exists()
    coordinator = client_for("coordinator")  # 包头's: answers for the units of 包头
    mine = coordinator.get("/api/v1/supervision/problems").json()
    assert mine["count"] > 0
    assert ledger_verify().ok
    before = Problem.objects.count()
    call_command("demo", stdout=StringIO(), history=0, no_reforms=True)
    assert Problem.objects.count() == before
