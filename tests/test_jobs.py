"""Background jobs (qitong.jobs): queued with the change that calls for them, run by a worker
under a lease, retried with backoff, run again after a worker dies — and notifications as a
transactional outbox whose SMS goes out once.

The crash tests run real `qitong worker` processes against their own database (as
tests/test_serve.py does) and kill them with SIGKILL mid-job.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from qitong.accounts.sms import MemorySmsBackend
from qitong.core import clock
from qitong.jobs.models import Job
from qitong.jobs.services import job_enqueue
from qitong.jobs.worker import Worker, backoff, drain, lease
from qitong.notifications.models import Notification
from qitong.notifications.services import notify
from tests import jobs_tasks
from tests.test_serve import ServeEnv, serve_env  # noqa: F401 — the subprocess database

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clean() -> None:
    jobs_tasks.CALLS.clear()
    MemorySmsBackend.outbox.clear()
    MemorySmsBackend.keys.clear()


# --- in-process ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_job_is_queued_with_its_transaction_or_not_at_all() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue("tests.jobs_tasks.record", "lost")
        raise RuntimeError("the change fails")
    assert not Job.objects.exists()
    with transaction.atomic():
        job_enqueue("tests.jobs_tasks.record", "kept")
    assert Job.objects.count() == 1

    assert drain() == 1
    assert jobs_tasks.CALLS == ["kept"] and not Job.objects.exists()  # ran once, then deleted


@pytest.mark.django_db
def test_a_failing_job_is_retried_with_backoff_then_kept_as_failed() -> None:
    with clock.frozen(T0):
        job = job_enqueue("tests.jobs_tasks.fail", "x")
    Job.objects.filter(pk=job.pk).update(max_attempts=3)
    at = T0
    for attempt in (1, 2, 3):
        with clock.frozen(at):
            drain()
        job.refresh_from_db()
        assert job.attempts == attempt and "job x fails" in job.last_error
        if attempt < 3:
            assert job.failed_at is None and job.run_at == at + backoff(attempt)
            with clock.frozen(at + backoff(attempt) - dt.timedelta(seconds=1)):
                assert drain() == 0  # not due before its backoff
            at = job.run_at
    assert job.failed_at is not None and jobs_tasks.CALLS == ["x", "x", "x"]
    with clock.frozen(at + dt.timedelta(days=1)):
        assert drain() == 0  # a failed job stays for the administrator (admin: 后台任务)


@pytest.mark.django_db
def test_a_dead_workers_job_is_run_by_another_once_its_lease_is_over() -> None:
    with clock.frozen(T0):
        job_enqueue("tests.jobs_tasks.record", "once")
        dead = Worker(name="dead")
        assert [j.func for j in dead._claim()] == ["tests.jobs_tasks.record"]  # then it dies
        assert Worker(name="other").run_once(periodics=False) == 0  # leased: nobody else takes it
    with clock.frozen(T0 + lease() + dt.timedelta(seconds=1)):
        assert Worker(name="other").run_once(periodics=False) == 1
    assert jobs_tasks.CALLS == ["once"] and not Job.objects.exists()


@pytest.mark.django_db
def test_a_worker_whose_lease_ran_out_does_not_run_the_job_again() -> None:
    with clock.frozen(T0):
        job_enqueue("tests.jobs_tasks.record", "late")
        slow = Worker(name="slow")
        claimed = slow._claim()
    with clock.frozen(T0 + lease() + dt.timedelta(seconds=1)):
        Worker(name="quick").run_once(periodics=False)
        for job in claimed:
            assert slow._run(job) is False
    assert jobs_tasks.CALLS == ["late"]


@pytest.mark.django_db
def test_periodic_jobs_are_queued_once_per_slot_however_many_workers(settings) -> None:
    from qitong.jobs.models import Periodic

    Periodic.objects.create(
        name="t", func="tests.jobs_tasks.record", every_seconds=60, next_run_at=T0
    )
    with clock.frozen(T0 + dt.timedelta(seconds=1)):
        for name in ("a", "b", "c"):
            Worker(name=name)._queue_periodics()
    assert Job.objects.filter(func="tests.jobs_tasks.record").count() == 1
    assert Periodic.objects.get(name="t").next_run_at == T0 + dt.timedelta(seconds=61)


@pytest.mark.django_db
def test_notifications_are_an_outbox_delivered_once(world) -> None:
    with transaction.atomic():
        notify(kind="test", text="您的诉求已受理", phone="13800000009")
    row = Notification.objects.get(kind="test")
    # Nothing sent in the request and no job per notification: the row itself is due.
    assert row.sms_sent_at is None and row.sms_due_at is not None and not Job.objects.exists()
    drain()
    row.refresh_from_db()
    assert row.sms_sent_at is not None and row.sms_due_at is None and row.sms_attempts == 1
    assert MemorySmsBackend.outbox == [("13800000009", "【企通】您的诉求已受理")]
    assert not Job.objects.exists()  # the delivery run is done and gone
    # The same row due again (as if the worker died between sending and marking) is handed to
    # the gateway with the same key, which delivers it once.
    Notification.objects.filter(pk=row.pk).update(sms_sent_at=None, sms_due_at=clock.now())
    drain()
    assert len(MemorySmsBackend.outbox) == 1


class _FlakyGateway:
    calls = 0

    def send(self, phone: str, text: str, key: str = "") -> None:
        _FlakyGateway.calls += 1
        if _FlakyGateway.calls == 1:
            raise ConnectionError("网关超时")
        MemorySmsBackend().send(phone, text, key)


@pytest.mark.django_db
def test_a_failing_sms_is_retried_with_backoff_and_the_others_still_go(world, monkeypatch) -> None:
    from qitong.notifications import tasks

    monkeypatch.setattr(tasks, "get_backend", _FlakyGateway)
    _FlakyGateway.calls = 0
    with transaction.atomic():
        notify(kind="a", text="第一条", phone="13800000001")
        notify(kind="b", text="第二条", phone="13800000002")
    drain()
    first, second = Notification.objects.get(kind="a"), Notification.objects.get(kind="b")
    assert first.sms_sent_at is None and first.sms_attempts == 1 and first.sms_error == "网关超时"
    assert first.sms_due_at is not None and first.sms_due_at > clock.now()  # backing off
    assert second.sms_sent_at is not None  # one bad number does not hold up the batch
    drain()
    assert MemorySmsBackend.outbox == [("13800000002", "【企通】第二条")]  # not due yet
    Notification.objects.filter(pk=first.pk).update(sms_due_at=clock.now())
    drain()
    first.refresh_from_db()
    assert first.sms_sent_at is not None and first.sms_attempts == 2
    # Given up after MAX_ATTEMPTS: no longer due, the error kept.
    with transaction.atomic():
        notify(kind="c", text="第三条", phone="13800000003")
    row = Notification.objects.get(kind="c")
    Notification.objects.filter(pk=row.pk).update(sms_attempts=tasks.MAX_ATTEMPTS - 1)
    _FlakyGateway.calls = 0
    drain()
    row.refresh_from_db()
    assert row.sms_due_at is None and row.sms_sent_at is None and row.sms_error == "网关超时"


@pytest.mark.django_db
def test_an_outbox_has_one_delivery_job_however_many_workers_look() -> None:
    from qitong.jobs.services import OUTBOXES, outbox_job

    sms = OUTBOXES["sms"]
    assert outbox_job(sms) is True
    assert outbox_job(sms) is False  # a second worker's pass: the key is taken
    assert Job.objects.filter(key="outbox:sms").count() == 1
    drain()  # nothing due: the run sends nothing and the key is free again
    assert not Job.objects.exists() and outbox_job(sms) is True


@pytest.mark.django_db
def test_a_queryset_of_recipients_gives_the_rows_a_list_gives(world) -> None:
    """notify() with a queryset writes its rows in one INSERT … SELECT; the rows are those the
    loaded list gives: an enterprise user's row carries the phone, and the extra phone gets a
    row of its own only when no recipient has it."""
    from django.test.utils import CaptureQueriesContext

    from qitong.accounts.models import User

    enterprise = world.users["enterprise"]
    User.objects.filter(pk=enterprise.pk).update(phone="13900000001")
    recipients = User.objects.filter(username__in=["enterprise", "handler"])

    def rows(kind: str) -> list[tuple[object, ...]]:
        return sorted(
            Notification.objects.filter(kind=kind).values_list(
                "user__username", "phone", "text", "subject_type", "subject_id"
            ),
            key=str,
        )

    for phone in ("13900000001", "13900000002", ""):
        with transaction.atomic():
            from django.db import connection

            with CaptureQueriesContext(connection) as queries:
                notify(
                    kind=f"qs{phone}",
                    text="内容",
                    users=recipients,
                    phone=phone,
                    subject=("tickets.ticket", 7),
                )
            assert len([q for q in queries if "INSERT" in q["sql"]]) == 1
            assert not [q for q in queries if q["sql"].startswith("SELECT")]
            notify(
                kind=f"list{phone}",
                text="内容",
                users=list(recipients),
                phone=phone,
                subject=("tickets.ticket", 7),
            )
        assert rows(f"qs{phone}") == rows(f"list{phone}")
    assert len(rows("qs13900000001")) == 2 and len(rows("qs13900000002")) == 3
    due = Notification.objects.filter(kind="qs13900000002", sms_due_at__isnull=False)
    assert sorted(due.values_list("phone", flat=True)) == ["13900000001", "13900000002"]
    notify(kind="none", text="内容", users=User.objects.none(), phone="")
    assert not Notification.objects.filter(kind="none").exists()


# --- real processes, killed --------------------------------------------------------------------
def _env(base: ServeEnv, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**base.env, "QITONG_JOB_LEASE_SECONDS": "3", **extra}


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "qitong", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()  # the shell may announce its auto-imports first
    return lines[-1] if lines else ""


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "qitong", "worker", "--poll", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait(predicate, deadline: float, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + deadline
    while not predicate():
        assert time.monotonic() < end, what
        time.sleep(0.2)


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_a_job_worker_killed_mid_job_leaves_the_job_to_complete_once(serve_env, tmp_path):  # noqa: F811
    env = _env(serve_env, tmp_path)
    marker, started = tmp_path / "ran.txt", tmp_path / "worker.log"
    _shell(
        env,
        "from qitong.jobs.services import job_enqueue; "
        f"job_enqueue('tests.jobs_tasks.slow_append', {str(marker)!r}, 'job-1', 5.0)",
    )
    first = _worker(env, started)
    begun = tmp_path / "ran.txt.started"
    try:
        # The job notes its start in a file (no process spawned to ask the database, which
        # under a loaded CI machine took longer than the job's sleep).
        _wait(lambda: begun.exists(), 30, "the worker never started the job")
    finally:
        _kill(first)  # mid-job: it sleeps for 5 s before writing anything
    assert not marker.exists()
    second = _worker(env, started)
    try:
        _wait(lambda: marker.exists(), 30, "the job never ran after the crash")
        _wait(
            lambda: (
                _shell(
                    env,
                    "from qitong.jobs.models import Job; "
                    "print(Job.objects.filter(func='tests.jobs_tasks.slow_append').count())",
                ).strip()
                == "0"
            ),
            30,
            "the job was not done",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    assert marker.read_text().split() == ["job-1"]


def test_sms_delivery_killed_mid_send_is_sent_exactly_once_after_restart(serve_env, tmp_path):  # noqa: F811
    sms = tmp_path / "sms.jsonl"
    env = _env(
        serve_env,
        tmp_path,
        QITONG_SMS_BACKEND="tests.jobs_tasks.SlowFileSmsBackend",
        QITONG_SMS_FILE=str(sms),
    )
    _shell(
        env,
        "from django.db import transaction; from qitong.notifications.services import notify\n"
        "with transaction.atomic(): notify(kind='crash', text='工单已受理', phone='13800000007')",
    )
    log = tmp_path / "worker.log"
    first = _worker(env, log)
    time.sleep(1.5)  # claimed, inside the gateway's 2 s
    _kill(first)
    second = _worker(env, log)
    try:
        _wait(
            lambda: (
                _shell(
                    env,
                    "from qitong.notifications.models import Notification; "
                    "print(Notification.objects.filter(kind='crash', sms_sent_at__isnull=False).count())",
                ).strip()
                == "1"
            ),
            40,
            "the SMS was never sent after the crash",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    lines = [json.loads(line) for line in sms.read_text().splitlines() if line.strip()]
    assert [(m["phone"], m["text"]) for m in lines] == [("13800000007", "【企通】工单已受理")]
