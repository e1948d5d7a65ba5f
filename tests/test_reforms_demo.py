"""The demo's reform plans (issue 12 "Demo"): the 3.0 plan's statistics as of 2022-05-08
through the API and the page, the live current plan, the coordinator's queue, a valid ledger;
a second run adds nothing. One test: the load takes a while."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from qitong.accounts.models import User
from qitong.ledger.services import ledger_verify
from qitong.reforms.models import ActionPlan, LocalPlan, Measure, Report, UnitTask

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def test_the_demo_reads_as_the_region_reported_on_2022_05_08_and_is_live_today() -> None:
    out = StringIO()
    call_command("demo", stdout=out, history=0)
    assert "coordinator" in out.getvalue()
    plan = ActionPlan.objects.get(short_name="3.0方案")
    office = client_for("supervisor")
    stats = office.get(f"/api/v1/reforms/plans/{plan.pk}/stats?as_of=2022-05-08").json()
    assert (stats["tasks"], stats["units"]) == (181, 12)
    assert (stats["done_everywhere"], stats["over_half_by_units"]) == (6, 42)
    top = [r["unit"]["name"] for r in stats["ranking"][:4]]
    assert top == ["包头市", "鄂尔多斯市", "赤峰市", "呼和浩特市"]
    assert [r["rank"] for r in stats["ranking"][:4]] == [1, 2, 3, 4]

    page = office.get(f"/reforms/plans/{plan.pk}/stats/?as_of=2022-05-08").content.decode()
    strip = re.sub(r"\s+", " ", page)
    assert re.search(r"各单位均完成</dt><dd><a class=\"num\" href=\"[^\"]+\">6</a>", strip)
    assert re.search(
        r"完成 50% 以上（按单位）</dt><dd><a class=\"num\" href=\"[^\"]+\">42</a>", strip
    )
    assert strip.index("包头市") < strip.index("鄂尔多斯市") < strip.index("赤峰市")

    # The local plans as the issue names them.
    sizes = {
        lp.unit.name: lp.measures.filter(parent=None).count()
        for lp in LocalPlan.objects.filter(plan=plan)
    }
    assert sizes == {
        "包头市": 200,
        "鄂尔多斯市": 500,
        "通辽市": 257,
        "兴安盟": 400,
        "自治区市场监管局": 30,
    }
    assert Measure.objects.filter(local_plan__unit__code="D-SCJG").count() == 120  # 30 + 90 items

    # The current plan is live: warnings raised, reports waiting, one returned, a queue.
    current = ActionPlan.objects.get(state="in_force")
    live = UnitTask.objects.filter(plan=current)
    assert live.filter(warning="red").exists() and live.filter(warning="yellow").exists()
    assert Report.objects.filter(unit_task__plan=current, state="submitted").exists()
    assert Report.objects.filter(unit_task__plan=current, state="returned").exists()
    assert Report.objects.filter(source__isnull=False).exists()  # reported once, counted twice
    home = client_for("coordinator").get("/reforms/").content.decode()
    assert "本单位改革任务" in home and "包头市" in home and "本期待报送" in home
    # the measures that count are those of the plan in force (包头's 20), not the closed plan's
    assert re.search(
        r"本地举措（预警）</dt><dd><a class=\"num\" href=\"[^\"]+\">20（\d+）</a>", home
    )
    assert "supervisor" in out.getvalue()
    reviews = office.get("/reforms/reviews/").content.decode()
    assert "审核通过" in reviews

    assert ledger_verify().ok
    again = StringIO()
    before = Report.objects.count()
    call_command("demo", stdout=again, history=0)
    assert Report.objects.count() == before
