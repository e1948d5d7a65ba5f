"""GET /healthz: database and worker status; 503 when the database does not answer or the
worker's heartbeat is missing or stale (notifications and deadlines have stopped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection

from qitong.core import clock, health
from qitong.jobs.worker import Worker

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 6, 8, 0, tzinfo=dt.UTC)


def worker_heartbeat() -> None:
    Worker(name="test")._heartbeat()


def test_without_a_heartbeat_the_worker_is_reported_down(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["worker"]["ok"] is False
    assert body["worker"]["last_seen"] is None
    assert body["status"] == "degraded"


def test_right_after_a_heartbeat_the_worker_is_ok(client):
    worker_heartbeat()

    response = client.get("/healthz")
    body = response.json()

    assert response.status_code == 200
    assert body["worker"]["ok"] is True
    assert body["worker"]["age_seconds"] < 5
    assert body["status"] == "ok"


def test_a_stale_heartbeat_reports_the_worker_down(client, settings):
    with clock.frozen(T0):
        worker_heartbeat()
    late = T0 + dt.timedelta(seconds=settings.QITONG_WORKER_STALE_SECONDS + 1)
    with clock.frozen(late):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["worker"]["ok"] is False
    assert body["worker"]["age_seconds"] == settings.QITONG_WORKER_STALE_SECONDS + 1
    assert body["status"] == "degraded"
    with clock.frozen(late - dt.timedelta(seconds=2)):
        assert client.get("/healthz").json()["worker"]["ok"] is True


def test_database_failure_is_503(client, monkeypatch):
    class BrokenConnection:
        vendor = connection.vendor

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["status"] == "down"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
