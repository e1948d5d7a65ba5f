"""The demo's assessment (issue 15 "Demo"): a 盟市 scheme and a department scheme on the
published structure, four published quarters (one with an upheld objection) and the current
quarter in review; the 盟市 supervisor sees its own scorecard and may object; a valid ledger;
a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from qitong.accounts.models import User
from qitong.appraisal.models import Objection, Round, Scheme
from qitong.appraisal.periods import quarter_of
from qitong.core.workdays import local_today
from qitong.ledger.services import ledger_verify

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def test_the_demo_assessment_has_four_published_quarters_and_the_current_in_review() -> None:
    call_command("demo", stdout=StringIO(), history=300, no_reforms=True, no_arrears=True)
    assert set(Scheme.objects.values_list("scope", flat=True)) == {"territorial", "department"}
    city = Scheme.objects.get(code="city-2025")
    assert city.indicators.filter(level=1, adjustment=False).count() == 4  # four dimensions
    current = quarter_of(local_today())
    for scheme in Scheme.objects.all():
        rounds = Round.objects.filter(scheme=scheme).order_by("period")
        assert [r.state for r in rounds] == ["published"] * 4 + ["in_review"]
        assert rounds.last().period == current.key  # type: ignore[union-attr]
        assert all(r.units.exists() for r in rounds)
    upheld = Objection.objects.get()
    assert upheld.state == "upheld" and upheld.unit.name == "包头市"
    assert upheld.new_total is not None and upheld.new_total > upheld.old_total  # type: ignore[operator]
    assert ledger_verify().broken is None
    review = Round.objects.get(scheme=city, state="in_review")
    coordinator = client_for("coordinator")  # 包头市
    got = coordinator.get(f"/api/v1/appraisal/rounds/{review.pk}/results").json()["results"]
    assert [r["unit"]["name"] for r in got] == ["包头市"]
    page = coordinator.get(f"/appraisal/rounds/{review.pk}/units/{got[0]['unit']['id']}/")
    assert page.status_code == 200 and "提出异议" in page.content.decode()
    before = Round.objects.count()
    call_command("demo", stdout=StringIO(), history=0, no_reforms=True, no_arrears=True)
    assert Round.objects.count() == before
