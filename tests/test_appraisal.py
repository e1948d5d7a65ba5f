"""Quarterly assessment (issue 15): each computed source on hand-built data, a round's cycle
(compute → review with objections → publish), the snapshot that later data does not move, a
correction that references the round it corrects, the scheme's checks, and the API's 422s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from qitong.appraisal.models import Round, RoundUnit
from qitong.appraisal.periods import Quarter
from qitong.appraisal.schemes import scheme_create
from qitong.appraisal.sources import SOURCES
from qitong.core.errors import Conflict, ValidationFailed
from qitong.core.workdays import local_today
from qitong.ledger.models import Event
from qitong.reforms.models import ReportingUnit
from qitong.tickets.states import TicketState as S
from tests.appraisal_factories import Assessment, as_user, assessment, city_scheme_body
from tests.arrears_factories import books
from tests.factories import World
from tests.supervision_factories import desk
from tests.ticket_factories import ticket_in_state


@pytest.fixture
def a(world: World) -> Assessment:
    return assessment(world)


def fetch(a: Assessment, key: str, q: Quarter | None = None) -> dict[int, Any]:
    from qitong.appraisal.periods import quarter_of

    source = SOURCES[key]
    assert source.fetch is not None
    units = list(
        ReportingUnit.objects.filter(code__in=["150100", "150200"]).select_related("region")
    )
    return source.fetch(units, q or quarter_of(local_today()), {})


def row(rnd: Round, unit: ReportingUnit) -> RoundUnit:
    return RoundUnit.objects.get(round=rnd, unit=unit)


# --- sources ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hotline_response_rate_counts_the_units_tickets(a: Assessment, world: World) -> None:
    ticket_in_state(world, S.IN_PROGRESS)  # dispatched and signed within the limit
    ticket_in_state(world, S.DISPATCHED)  # dispatched, not signed
    got = fetch(a, "hotline.response_rate")
    hohhot = got[a.hohhot.pk]
    assert (hohhot.value, hohhot.numerator, hohhot.denominator) == (50.0, "1", "2")
    assert "fact=dispatched" in hohhot.url and "city=150100" in hohhot.url
    assert got[a.baotou.pk].value is None  # no ticket: no data


@pytest.mark.django_db
def test_arrears_clearance_rate_by_the_campaigns_rules(a: Assessment, world: World) -> None:
    b = books(world)
    claim = b.create()  # 2,420,000 owed by a 新城区 organ
    b.repay(b.act(claim, "verify"), "1210000")
    got = fetch(a, "arrears.clearance_rate")[a.hohhot.pk]
    assert got.value == 50.0
    assert (got.numerator, got.denominator) == ("1210000.00", "2420000.00")
    assert "region=150100" in got.url
    assert fetch(a, "arrears.clearance_rate")[a.baotou.pk].value is None


@pytest.mark.django_db
def test_problems_rectified_on_time_and_late(a: Assessment, world: World) -> None:
    d = desk(world)
    d.closed(d.create())
    got = fetch(a, "supervision.rectified_on_time")[a.hohhot.pk]
    assert (got.value, got.numerator, got.denominator) == (100.0, "1", "1")
    assert fetch(a, "supervision.late_rectified")[a.hohhot.pk].value == 0
    assert fetch(a, "supervision.rectified_on_time")[a.baotou.pk].value is None


@pytest.mark.django_db
def test_reform_tasks_due_in_a_quarter(a: Assessment, world: World) -> None:
    from tests.reform_factories import reforms

    reforms(world, tasks=3, deadline=dt.date(2023, 12, 31))
    got = fetch(a, "reforms.tasks_on_time", Quarter(2023, 4))[a.hohhot.pk]
    assert (got.value, got.numerator, got.denominator) == (0.0, "0", "3")
    assert "due_from=2023-10-01" in got.url
    assert fetch(a, "reforms.tasks_on_time", Quarter(2023, 3))[a.hohhot.pk].value is None
    done = fetch(a, "reforms.plan_done", Quarter(2023, 4))[a.hohhot.pk]
    assert (done.numerator, done.denominator) == ("0", "3")


# --- a round ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_compute_snapshots_and_later_data_does_not_move_it(a: Assessment, world: World) -> None:
    ticket_in_state(world, S.IN_PROGRESS)
    ticket_in_state(world, S.DISPATCHED)
    rnd = a.act(a.round(), "compute")
    assert rnd.state == "computed" and rnd.snapshot["version"] == 1
    before = row(rnd, a.hohhot)
    assert before.inputs["A1"]["value"] == 50.0
    # A1: 50 × 0.5 + A2 (no survey yet: zero) → A = 25; B has no data → the total is A's
    assert before.scores["A"]["score"] == 25
    assert before.total == Decimal("25.00")
    ticket_in_state(world, S.IN_PROGRESS)  # the data moves after compute…
    after = row(rnd, a.hohhot)
    assert after.inputs == before.inputs and after.total == before.total  # …the round does not
    event = Event.objects.filter(subject_type="appraisal.round", subject_id=str(rnd.pk)).last()
    assert event is not None and event.action == "compute"
    assert event.payload["totals"]["呼和浩特市"] == "25.00"


@pytest.mark.django_db
def test_a_manual_value_with_evidence_rescores(a: Assessment) -> None:
    rnd = a.act(a.round(), "compute")
    rnd = a.act(
        rnd, "record_value", unit=a.hohhot.pk, indicator="A2", value="90", evidence="第三方调查报告"
    )
    got = row(rnd, a.hohhot)
    assert got.inputs["A2"]["value"] == 90.0
    assert "第三方调查报告" in got.inputs["A2"]["note"]
    with pytest.raises(ValidationFailed) as bad:
        a.act(rnd, "record_value", unit=a.hohhot.pk, indicator="A1", value="1", evidence="x")
    assert "indicator" in bad.value.fields


@pytest.mark.django_db
def test_an_upheld_objection_changes_the_units_score_and_is_ledgered(a: Assessment) -> None:
    from qitong.appraisal.services import objection_act

    rnd = a.reviewed()
    old = row(rnd, a.hohhot).total
    objection = a.object(rnd, claimed_value="80")
    assert objection.unit == a.hohhot and objection.state == "open"
    with pytest.raises(ValidationFailed) as waiting:
        a.act(rnd, "publish", note="提前发布")
    assert "objections" in waiting.value.fields
    decided = objection_act(
        pk=objection.pk,
        action="uphold",
        user=a.office,
        data={"corrected_value": "80", "decision": "佐证属实，按 80 分计"},
    )
    assert decided.state == "upheld"
    new = row(rnd, a.hohhot).total
    assert new != old and decided.old_total == old and decided.new_total == new
    assert (
        row(rnd, a.hohhot).inputs["A2"]["original"] == 0
        or row(rnd, a.hohhot).inputs["A2"]["original"] is None
    )
    event = Event.objects.filter(
        subject_type="appraisal.objection", subject_id=str(objection.pk)
    ).last()
    assert event is not None and event.payload["new_total"] == str(new)


@pytest.mark.django_db
def test_publish_before_the_window_ends_needs_a_reason_then_freezes(a: Assessment) -> None:
    rnd = a.act(a.round(), "compute")
    rnd = a.act(rnd, "record_value", unit=a.hohhot.pk, indicator="A2", value="90", evidence="调查")
    rnd = a.act(rnd, "open_review")
    with pytest.raises(ValidationFailed) as early:
        a.act(rnd, "publish")
    assert "note" in early.value.fields
    rnd = a.act(rnd, "publish", note="各单位均已确认无异议")
    assert rnd.state == "published" and rnd.published_at is not None
    ranks = dict(RoundUnit.objects.filter(round=rnd).values_list("unit__code", "rank"))
    assert ranks == {"150100": 1, "150200": 2}
    with pytest.raises(Conflict):
        a.act(rnd, "compute")  # frozen


@pytest.mark.django_db
def test_an_objection_after_the_window_is_refused_naming_the_field(a: Assessment) -> None:
    rnd = a.reviewed()
    Round.objects.filter(pk=rnd.pk).update(objection_due=local_today() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as late:
        a.object(rnd)
    assert "round" in late.value.fields
    with pytest.raises(ValidationFailed) as unknown:
        Round.objects.filter(pk=rnd.pk).update(objection_due=local_today())
        a.object(rnd, indicator="Z9")
    assert "indicator" in unknown.value.fields


@pytest.mark.django_db
def test_a_correction_is_a_new_version_that_references_the_old(a: Assessment) -> None:
    first = a.act(a.reviewed(), "publish", note="按期发布")
    second = a.act(first, "correct", reason="清欠数据导入有误")
    assert second.pk != first.pk and second.corrects_id == first.pk and second.version == 2
    assert second.state == "draft"
    with pytest.raises(Conflict):
        a.act(first, "correct", reason="再次更正")  # one correction at a time
    second = a.act(a.act(a.act(second, "compute"), "open_review"), "publish", note="更正发布")
    first.refresh_from_db()
    assert first.state == "superseded"
    assert RoundUnit.objects.filter(round=first).count() == 2  # the old results stay


@pytest.mark.django_db
def test_round_creation_checks_the_period_and_the_scheme(a: Assessment) -> None:
    from qitong.appraisal.services import round_create

    for period, message in (("2026-3", "2026Q3"), ("2099Q1", "尚未开始")):
        with pytest.raises(ValidationFailed) as bad:
            round_create(user=a.office, scheme=a.scheme.pk, period=period)
        assert message in bad.value.fields["period"]
    with pytest.raises(ValidationFailed) as unknown:
        round_create(user=a.office, scheme=999999, period=a.period)
    assert "scheme" in unknown.value.fields
    a.round()
    with pytest.raises(Conflict):
        a.round()


# --- schemes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_weights_must_sum_to_100_and_leaves_need_a_source(a: Assessment) -> None:
    body = city_scheme_body(code="bad")
    body["indicators"][0]["weight"] = 50  # 50 + 40
    del body["indicators"][1]["children"][0]["source"]
    with pytest.raises(ValidationFailed) as bad:
        scheme_create(user=a.office, data=body)
    fields = bad.value.fields
    assert "权重之和应为 100，现为 90" in fields["indicators"]
    assert "indicators.1.children.0.source" in fields


@pytest.mark.django_db
def test_saving_an_existing_code_makes_the_next_version(a: Assessment) -> None:
    again = scheme_create(user=a.office, data=city_scheme_body(name="盟市营商环境季度考核（修订）"))
    assert again.version == 2 and again.replaces_id == a.scheme.pk
    a.scheme.refresh_from_db()
    assert not a.scheme.is_latest
    with pytest.raises(ValidationFailed) as old:
        a.round()
    assert "最新版本" in old.value.fields["scheme"]


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_round_cycle_and_results(a: Assessment) -> None:
    office = as_user(a.office)
    r = office.post(
        "/api/v1/appraisal/rounds",
        {"scheme": a.scheme.pk, "period": a.period},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["allowed_actions"][:2] == ["compute", "record_value"]
    r = office.post(
        f"/api/v1/appraisal/rounds/{pk}/actions/compute", {}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "computed"
    got = office.get(f"/api/v1/appraisal/rounds/{pk}/results").json()["results"]
    assert {g["unit"]["name"] for g in got} == {"呼和浩特市", "包头市"}
    a1 = next(i for i in got[0]["indicators"] if i["code"] == "A1")
    assert a1["rule_text"].startswith("线性") and "explain" in a1
    r = office.post(
        "/api/v1/appraisal/rounds",
        {"scheme": a.scheme.pk, "period": "2099Q1"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "period" in r.json()["fields"]


@pytest.mark.django_db
def test_api_scheme_422_names_the_path(a: Assessment) -> None:
    body = city_scheme_body(code="b2")
    body["indicators"][0]["children"][0]["weight"] = 70
    r = as_user(a.office).post("/api/v1/appraisal/schemes", body, content_type="application/json")
    assert r.status_code == 422
    assert "indicators.0.children" in r.json()["fields"]
    r = as_user(a.office).post(
        "/api/v1/appraisal/schemes", city_scheme_body(code="ok"), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["indicators"][0]["children"][0]["code"] == "A1"


# --- the lists the figures drill down to -------------------------------------------------------


@pytest.mark.django_db
def test_the_drill_down_lists_take_the_new_filters(a: Assessment, world: World) -> None:
    from tests.reform_factories import reforms

    r = reforms(world, tasks=3, deadline=dt.date(2023, 12, 31))
    office = as_user(r.office)
    due = office.get("/reforms/unit-tasks/?unit=150100&due_from=2023-10-01&due_to=2023-12-31")
    assert due.status_code == 200 and due.context["pager"].total == 3
    none = office.get("/reforms/unit-tasks/?unit=150100&due_from=2023-10-01&on_time=yes")
    assert none.context["pager"].total == 0
    bad = office.get("/reforms/unit-tasks/?due_from=2023-13-01")
    assert "日期格式应为 YYYY-MM-DD" in bad.content.decode()
    reports = office.get("/reforms/reports/?unit=150100&period_from=2023-10-01&on_time=yes")
    assert reports.status_code == 200 and "进展报告" in reports.content.decode()
    ticket_in_state(world, S.DISPATCHED)  # not answered yet: neither late nor on time
    lead = as_user(world.users["desk_lead"])
    assert lead.get("/tickets/").context["pager"].total == 1
    assert lead.get("/tickets/?replied_late=yes").context["pager"].total == 0
    assert lead.get("/tickets/?replied_late=no").context["pager"].total == 0


@pytest.mark.django_db
def test_units_are_told_when_the_review_opens_and_the_filer_when_decided(a: Assessment) -> None:
    from qitong.appraisal.services import objection_act
    from qitong.notifications.models import Notification

    rnd = a.reviewed()
    told = Notification.objects.filter(user=a.coordinator, kind="appraisal")
    assert told.count() == 1 and "已公示" in told.get().text and "呼和浩特市" in told.get().text
    assert Notification.objects.filter(user=a.baotou_supervisor, kind="appraisal").count() == 1
    objection = a.object(rnd)
    objection_act(pk=objection.pk, action="reject", user=a.office, data={"decision": "佐证不足"})
    assert told.filter(text__contains="异议不成立：佐证不足").exists()
    a.act(rnd, "publish", note="提前")
    assert told.filter(text__contains="结果已发布").exists()


@pytest.mark.django_db
def test_a_separately_listed_city_counts_and_drills_its_own_tickets(
    a: Assessment, world: World
) -> None:
    from qitong.appraisal.periods import quarter_of
    from qitong.reforms.states import UnitKind

    ticket_in_state(world, S.IN_PROGRESS)  # the world's enterprise is in 新城区 (150102)
    separate = ReportingUnit.objects.create(
        code="150102", name="新城区（计划单列）", kind=UnitKind.SEPARATE, region=world.xincheng
    )
    source = SOURCES["hotline.response_rate"]
    assert source.fetch is not None
    got = source.fetch([separate], quarter_of(local_today()), {})[separate.pk]
    assert (got.numerator, got.denominator) == ("1", "1")
    assert "county=150102" in got.url and "city=" not in got.url
    lead = as_user(world.users["desk_lead"])
    assert lead.get(got.url).context["pager"].total == 1
    assert lead.get("/tickets/?county=150203").context["pager"].total == 0
    bad = lead.get("/tickets/?county=15")
    assert "旗县市区代码应为 6 位数字" in bad.content.decode()
