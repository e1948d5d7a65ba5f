"""The reforms API and pages (issue 12's contract): plans, stats, grid, unit tasks with their
reports, filing a report (JSON and multipart), the decisions, local plans and measures, the
refusals (422 naming the field, nothing changed), scope (404) and the report-once copies."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qitong.accounts.models import User
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.models import Event
from qitong.reforms.models import Measure, Report, UnitTask
from qitong.reforms.services import local_plan_create, measure_add, unit_task_act
from tests.factories import World
from tests.reform_factories import Reforms, accepted, filed, reforms

PDF = b"%PDF-1.4\n%evidence\n"


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    with clock.frozen(dt.datetime.combine(day, dt.time(hour), LOCAL_TZ)):
        yield


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def r(world: World) -> Reforms:
    with on(dt.date(2022, 2, 20)):
        return reforms(world)


def post(c: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return c.post(path, body, content_type="application/json", headers=headers)


# --- reads -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_plans_list_and_stats_follow_the_contract(r: Reforms) -> None:
    office = as_user(r.office)
    plans = office.get("/api/v1/reforms/plans").json()
    assert plans[0]["short_name"] == "3.0方案"
    assert (plans[0]["task_count"], plans[0]["unit_count"], plans[0]["state"]) == (3, 2, "in_force")
    with on(dt.date(2022, 3, 25)):
        accepted(r, filed(r, r.item(0, r.hohhot), r.coordinator, progress=100, done=True))
        accepted(r, filed(r, r.item(0, r.baotou), r.baotou_coordinator, progress=100, done=True))
        accepted(r, filed(r, r.item(1, r.baotou), r.baotou_coordinator, progress=60))
    with on(dt.date(2022, 5, 8)):
        body = office.get(f"/api/v1/reforms/plans/{r.plan.pk}/stats?as_of=2022-05-08").json()
        before = office.get(f"/api/v1/reforms/plans/{r.plan.pk}/stats?as_of=2022-03-01").json()
    assert set(body) >= {
        "as_of",
        "tasks",
        "units",
        "done_everywhere",
        "over_half_by_units",
        "over_half_by_progress",
        "ranking",
    }
    assert (body["as_of"], body["tasks"], body["units"]) == ("2022-05-08", 3, 2)
    assert (body["done_everywhere"], body["over_half_by_units"]) == (1, 1)
    assert body["over_half_by_progress"] == 1  # task 2's mean is 30 %
    first = body["ranking"][0]
    assert first["unit"] == {"code": "150200", "name": r.baotou.name}
    assert set(first) >= {"unit", "completion_rate", "on_time_rate", "rank"}
    assert first["rank"] == 1 and body["ranking"][1]["rank"] == 2
    assert before["done_everywhere"] == 0  # as of a day before any decision


@pytest.mark.django_db
def test_stats_refuse_a_bad_or_future_date_naming_it(r: Reforms) -> None:
    office = as_user(r.office)
    bad = office.get(f"/api/v1/reforms/plans/{r.plan.pk}/stats?as_of=2022-13-01")
    assert bad.status_code == 422
    future = office.get(f"/api/v1/reforms/plans/{r.plan.pk}/stats?as_of=2099-01-01")
    assert future.status_code == 422 and "as_of" in future.json()["fields"]


@pytest.mark.django_db
def test_grid_holds_every_task_and_unit_with_state_progress_and_warning(r: Reforms) -> None:
    with on(dt.date(2022, 3, 25)):
        accepted(r, filed(r, r.item(0, r.hohhot), r.coordinator, progress=40))
        body = as_user(r.office).get(f"/api/v1/reforms/plans/{r.plan.pk}/grid").json()
    assert [u["code"] for u in body["units"]] == ["150200", "150100"]
    assert body["total"] == 3 and len(body["rows"]) == 3
    cell = next(c for c in body["rows"][0]["cells"] if c["unit"] == "150100")
    assert (cell["state"], cell["progress"], cell["warning"]) == ("in_progress", 40, "none")


@pytest.mark.django_db
def test_unit_task_detail_names_the_current_period_and_its_reports(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 4, 12)):
        filed(r, item, r.coordinator, progress=20)
        body = as_user(r.coordinator).get(f"/api/v1/reforms/unit-tasks/{item.pk}").json()
    assert body["current_period"] == "2022-04"
    assert body["reports"][0]["state"] == "submitted"
    assert set(body) >= {"warning", "expected_progress", "current_period", "reports"}


@pytest.mark.django_db
def test_unit_task_list_filters_by_unit_state_and_warning(r: Reforms) -> None:
    office = as_user(r.office)
    all_items = office.get(f"/api/v1/reforms/unit-tasks?plan={r.plan.pk}").json()
    assert all_items["count"] == 6
    baotou = office.get("/api/v1/reforms/unit-tasks?unit=150200").json()
    assert baotou["count"] == 3
    by_id = office.get(f"/api/v1/reforms/unit-tasks?unit={r.baotou.pk}").json()
    assert by_id["count"] == 3
    assert {i["unit"]["code"] for i in baotou["items"]} == {"150200"}
    none = office.get("/api/v1/reforms/unit-tasks?state=done").json()
    assert none["count"] == 0
    bad = office.get("/api/v1/reforms/unit-tasks?state=finished")
    assert bad.status_code == 422 and "state" in bad.json()["fields"]
    bad_unit = office.get("/api/v1/reforms/unit-tasks?unit=999999")
    assert bad_unit.status_code == 422 and "unit" in bad_unit.json()["fields"]


# --- filing a report ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_files_a_report_by_json_with_evidence_and_the_office_accepts(
    r: Reforms,
) -> None:
    item = r.item(0, r.hohhot)
    evidence = {"name": "实施细则.pdf", "content_base64": base64.b64encode(PDF).decode()}
    with on(dt.date(2022, 3, 28)):
        made = post(
            as_user(r.coordinator),
            f"/api/v1/reforms/unit-tasks/{item.pk}/reports",
            {"progress": 40, "work_done": "出台细则", "attachments": [evidence]},
        )
        assert made.status_code == 201, made.content
        report = made.json()
        assert (report["state"], report["period"], report["progress"]) == (
            "submitted",
            "2022-03",
            40,
        )
        assert report["files"][0]["name"] == "实施细则.pdf"
        decided = post(
            as_user(r.office), f"/api/v1/reforms/reports/{report['id']}/actions/accept", {}
        )
    assert decided.status_code == 200 and decided.json()["state"] == "accepted"
    item.refresh_from_db()
    assert item.progress == 40
    file_url = report["files"][0]["url"]
    assert as_user(r.office).get(file_url).status_code == 200
    assert as_user(r.baotou_coordinator).get(file_url).status_code == 404


@pytest.mark.django_db
def test_a_report_by_multipart_carries_its_files(r: Reforms) -> None:
    item = r.item(1, r.baotou)
    with on(dt.date(2022, 3, 28)):
        made = as_user(r.baotou_coordinator).post(
            f"/api/v1/reforms/unit-tasks/{item.pk}/reports",
            {
                "progress": "100",
                "done": "true",
                "work_done": "已完成",
                "files": [SimpleUploadedFile("验收.pdf", PDF, "application/pdf")],
            },
        )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["done"] is True and len(body["files"]) == 1
    item.refresh_from_db()
    assert item.state == "claimed_done"


@pytest.mark.django_db
def test_an_idempotency_key_answers_a_retry_with_the_first_report(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    c = as_user(r.coordinator)
    path = f"/api/v1/reforms/unit-tasks/{item.pk}/reports"
    with on(dt.date(2022, 3, 28)):
        first = post(c, path, {"progress": 30}, **{"Idempotency-Key": "k-1"})
        again = post(c, path, {"progress": 30}, **{"Idempotency-Key": "k-1"})
        other = post(c, path, {"progress": 35}, **{"Idempotency-Key": "k-1"})
        twice = post(c, path, {"progress": 30})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert twice.status_code == 422 and "period" in twice.json()["fields"]
    assert Report.objects.filter(unit_task=item).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
        ({"progress": "half"}, "progress"),
        ({"progress": 90, "done": True}, "progress"),
        ({"progress": 10, "period": "2021-12"}, "period"),
        ({"progress": 10, "period": "2024-01"}, "period"),
        ({"progress": 10, "period": "2022/03"}, "period"),
        ({"progress": 10, "period": "2022-06"}, "period"),  # not begun yet
    ],
)
def test_bad_reports_are_refused_naming_the_field_and_change_nothing(
    r: Reforms, body: dict[str, Any], field: str
) -> None:
    item = r.item(0, r.hohhot)
    before = Event.objects.count()
    with on(dt.date(2022, 3, 28)):
        answer = post(as_user(r.coordinator), f"/api/v1/reforms/unit-tasks/{item.pk}/reports", body)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["fields"]
    assert Event.objects.count() == before and not Report.objects.exists()


@pytest.mark.django_db
def test_a_lower_progress_needs_a_reason_and_a_na_task_takes_no_report(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    c = as_user(r.coordinator)
    path = f"/api/v1/reforms/unit-tasks/{item.pk}/reports"
    with on(dt.date(2022, 3, 28)):
        accepted(r, filed(r, item, r.coordinator, progress=50))
    with on(dt.date(2022, 4, 20)):
        lower = post(c, path, {"progress": 30})
        assert lower.status_code == 422 and "regress_reason" in lower.json()["fields"]
        ok = post(c, path, {"progress": 30, "regress_reason": "验收发现问题，返工"})
        assert ok.status_code == 201
        other = r.item(1, r.hohhot)
        unit_task_act(pk=other.pk, action="mark_na", user=r.office, data={"reason": "本地无此业务"})
        na = post(c, f"/api/v1/reforms/unit-tasks/{other.pk}/reports", {"progress": 10})
    assert na.status_code == 422 and "unit_task" in na.json()["fields"]


@pytest.mark.django_db
def test_return_needs_a_comment_and_the_coordinator_resubmits(r: Reforms) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        report = filed(r, item, r.coordinator, progress=100, done=True)
        office = as_user(r.office)
        path = f"/api/v1/reforms/reports/{report.pk}/actions/return"
        bare = post(office, path, {})
        assert bare.status_code == 422 and "comment" in bare.json()["fields"]
        back = post(office, path, {"comment": "缺少验收材料"})
        assert back.status_code == 200 and back.json()["state"] == "returned"
        item.refresh_from_db()
        assert item.state == "returned"
        again = post(
            as_user(r.coordinator),
            f"/api/v1/reforms/reports/{report.pk}/actions/resubmit",
            {"progress": 100, "done": True, "work_done": "补充验收材料"},
        )
        assert again.status_code == 200 and again.json()["state"] == "submitted"
        done = post(office, f"/api/v1/reforms/reports/{report.pk}/actions/accept", {})
    assert done.json()["state"] == "accepted"
    item.refresh_from_db()
    assert item.state == "done"


@pytest.mark.django_db
def test_out_of_scope_is_404_and_a_wrong_role_cannot_decide(r: Reforms, world: World) -> None:
    item = r.item(0, r.hohhot)
    with on(dt.date(2022, 3, 28)):
        report = filed(r, item, r.coordinator, progress=20)
        other = as_user(r.baotou_coordinator)
        assert other.get(f"/api/v1/reforms/unit-tasks/{item.pk}").status_code == 404
        assert other.get(f"/api/v1/reforms/reports/{report.pk}").status_code == 404
        filed_out = post(other, f"/api/v1/reforms/unit-tasks/{item.pk}/reports", {"progress": 5})
        assert filed_out.status_code == 404
        own = post(
            as_user(r.coordinator), f"/api/v1/reforms/reports/{report.pk}/actions/accept", {}
        )
        assert own.status_code == 403  # a unit never verifies its own report on a reform task
        operator = as_user(world.users["operator"])
        assert operator.get(f"/api/v1/reforms/unit-tasks/{item.pk}").status_code == 404
        assert operator.get("/api/v1/reforms/plans").json() == []
    report.refresh_from_db()
    assert report.state == "submitted"


# --- local plans and the report-once copies ----------------------------------------------------


@pytest.fixture
def local(r: Reforms) -> Measure:
    with on(dt.date(2022, 2, 25)):
        plan = local_plan_create(
            user=r.office,
            unit=r.baotou,
            name="包头市优化营商环境“两个100条”",
            doc_number="包党办发〔2022〕5号",
            issued_on=dt.date(2022, 3, 1),
            deadline=dt.date(2023, 12, 31),
        )
        return measure_add(
            local_plan=plan,
            user=r.office,
            number="1",
            title="企业开办全程网办",
            leader="副市长",
            tasks=[r.tasks[0], r.tasks[1]],
        )


@pytest.mark.django_db
def test_local_plans_list_their_measures(r: Reforms, local: Measure) -> None:
    c = as_user(r.baotou_coordinator)
    plans = c.get("/api/v1/reforms/local-plans?unit=150200").json()
    assert (plans[0]["measure_count"], plans[0]["linked_count"]) == (1, 1)
    measures = c.get(f"/api/v1/reforms/local-plans/{plans[0]['id']}/measures").json()
    assert measures["items"][0]["tasks"][0]["number"] == "3.0-001"
    assert as_user(r.coordinator).get("/api/v1/reforms/local-plans").json() == []


@pytest.mark.django_db
def test_a_measure_report_counts_for_its_tasks_once_typed(r: Reforms, local: Measure) -> None:
    c = as_user(r.baotou_coordinator)
    with on(dt.date(2022, 3, 28)):
        accepted(r, filed(r, r.item(1, r.baotou), r.baotou_coordinator, progress=80))
        made = post(
            c,
            f"/api/v1/reforms/measures/{local.pk}/reports",
            {"progress": 50, "work_done": "上线一网通办", "for_tasks": True},
        )
    assert made.status_code == 201, made.content
    copies = Report.objects.filter(source_id=made.json()["id"])
    assert [c.unit_task.task.number for c in copies] == ["3.0-001"]  # 3.0-002 is at 80 %
    copy = copies.get()
    assert (copy.progress, copy.work_done, copy.state) == (50, "上线一网通办", "submitted")
    skipped = Event.objects.filter(subject_type="reforms.measure", action="report").get()
    assert "3.0-002" in skipped.payload["copies"]["skipped"]
    # The measure's own report is its coordinator's to verify; the copy is the office's.
    assert (
        as_user(r.baotou_coordinator)
        .post(
            f"/api/v1/reforms/reports/{made.json()['id']}/actions/accept",
            {},
            content_type="application/json",
        )
        .json()["state"]
        == "accepted"
    )
    local.refresh_from_db()
    assert local.progress == 50
    assert UnitTask.objects.get(pk=copy.unit_task_id).progress == 0  # until the office accepts


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_show_the_grid_stats_and_a_coordinators_home(r: Reforms) -> None:
    with on(dt.date(2022, 3, 28)):
        accepted(r, filed(r, r.item(0, r.hohhot), r.coordinator, progress=40))
        office = as_user(r.office)
        grid = office.get(f"/reforms/plans/{r.plan.pk}/grid/").content.decode()
        stats = office.get(f"/reforms/plans/{r.plan.pk}/stats/?as_of=2022-03-28").content.decode()
        home = as_user(r.baotou_coordinator).get("/reforms/").content.decode()
        bad = office.get(f"/reforms/plans/{r.plan.pk}/stats/?as_of=2099-01-01")
    assert "挂图作战" in grid and "3.0-001" in grid and "rf-cell--in-progress" in grid
    assert "单位排名" in stats and r.hohhot.name in stats
    assert "本单位改革任务" in home and "本期待报送（3 项）" in home
    assert bad.status_code == 200 and "截至日期应在" in bad.content.decode()


@pytest.mark.django_db
def test_a_report_filed_on_the_page_and_decided_in_the_review_queue(r: Reforms) -> None:
    item = r.item(0, r.baotou)
    page = as_user(r.baotou_coordinator)
    url = f"/reforms/unit-tasks/{item.pk}/act/report/"
    with on(dt.date(2022, 3, 28)):
        wrong = page.post(url, {"report-progress": "120", "report-work_done": "草稿保留"})
        assert wrong.status_code == 400
        text = wrong.content.decode()
        assert "进度应为 0 到 100 之间的整数" in text and "草稿保留" in text
        done = page.post(
            url,
            {
                "report-progress": "100",
                "report-done": "on",
                "report-work_done": "完成",
                "report-files": SimpleUploadedFile("证明.pdf", PDF, "application/pdf"),
            },
        )
        assert done.status_code == 302
        report = Report.objects.get(unit_task=item)
        assert report.files.count() == 1
        queue = as_user(r.office).get("/reforms/reviews/").content.decode()
        assert "3.0-001" in queue and "审核通过" in queue
        back = as_user(r.office).post(
            f"/reforms/reports/{report.pk}/act/return/",
            {"return-comment": "", "back": "reviews"},
        )
        assert back.status_code == 302
        report.refresh_from_db()
        assert report.state == "submitted"  # a return needs its reason
        as_user(r.office).post(
            f"/reforms/reports/{report.pk}/act/accept/", {"accept-comment": "", "back": "reviews"}
        )
    report.refresh_from_db()
    item.refresh_from_db()
    assert report.state == "accepted" and item.state == "done"


@pytest.mark.django_db
def test_pages_are_404_out_of_scope(r: Reforms, world: World) -> None:
    item = r.item(0, r.hohhot)
    assert as_user(r.baotou_coordinator).get(f"/reforms/unit-tasks/{item.pk}/").status_code == 404
    assert as_user(world.users["operator"]).get("/reforms/").status_code == 404
    assert as_user(r.coordinator).get(f"/reforms/unit-tasks/{item.pk}/").status_code == 200


def test_the_documents_closed_sets_match_the_states() -> None:
    from typing import get_args

    from qitong.reforms.api import ReportStateName, TaskStateName
    from qitong.reforms.states import ReportState, TaskState

    assert set(get_args(TaskStateName)) == set(TaskState.values)
    assert set(get_args(ReportStateName)) == set(ReportState.values)


@pytest.mark.django_db
def test_a_role_outside_every_unit_gets_404_on_a_measure_not_a_server_error(
    r: Reforms, local: Measure, world: World
) -> None:
    """Its scope is an empty subquery (units_visible_to: none), which the prepared lock once
    failed to compile (found by the API fuzzer)."""
    for role in ("operator", "enterprise", "specialist"):
        c = as_user(world.users[role])
        for action, body in (("mark_na", {"reason": "x"}), ("assign", {"leader": "x"})):
            answer = post(c, f"/api/v1/reforms/measures/{local.pk}/actions/{action}", body)
            assert answer.status_code == 404, (role, action, answer.content)
        assert c.get(f"/api/v1/reforms/measures/{local.pk}").status_code == 404


@pytest.mark.django_db
def test_the_admin_lists_every_reforms_model_and_edits_only_reference_data(
    r: Reforms, local: Measure, world: World
) -> None:
    with on(dt.date(2022, 3, 28)):
        filed(r, r.item(0, r.hohhot), r.coordinator, progress=10)
    c = as_user(world.users["admin"])
    for name in (
        "reportingunit", "taskarea", "actionplan", "reformtask", "unittask", "localplan",
        "measure", "report",
    ):  # fmt: skip
        assert c.get(f"/admin/reforms/{name}/").status_code == 200, name
    assert c.get("/admin/reforms/report/add/").status_code == 403
    assert c.get("/admin/reforms/reportingunit/add/").status_code == 200


@pytest.mark.django_db
def test_the_sweep_warns_a_measure_that_missed_its_reports(r: Reforms, local: Measure) -> None:
    from qitong.reforms.tasks import warnings_sweep

    with on(dt.date(2022, 6, 10)):
        warnings_sweep()
    local.refresh_from_db()
    assert local.warning == "red" and "缺报 3 期" in local.warning_reasons
    warned = Event.objects.filter(
        subject_type="reforms.measure", subject_id=local.pk, action="warn"
    )
    assert warned.count() == 1
    with on(dt.date(2022, 6, 11)):
        warnings_sweep()  # raised once
    assert warned.count() == 1
