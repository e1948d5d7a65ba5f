"""Every password path is throttled the same way (issue 10): the admin's login as the staff
page, attempts counted atomically before the password is checked, a limit per client address
as well as per account; SMS codes limited per address, and a stranger cannot use up an
enterprise's quota."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from qitong.accounts.models import LoginFailure, SmsCode, User
from qitong.accounts.requests import client_ip
from qitong.accounts.sms import MemorySmsBackend
from qitong.core import clock
from tests.factories import PASSWORD, World


def admin_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )


@pytest.mark.django_db
def test_the_admin_login_is_locked_like_the_staff_page(client: Client, world: World) -> None:
    for _ in range(8):
        assert admin_login(client, "admin", "wrong").status_code == 200  # the form again
    right = admin_login(client, "admin", PASSWORD)
    assert right.status_code == 200 and "_auth_user_id" not in client.session
    # Every refused attempt is on the record, the right password refused while locked too.
    assert LoginFailure.objects.filter(username="admin").count() == 9
    # The staff page says why, for the same account.
    staff = client.post(reverse("accounts:login"), {"username": "admin", "password": PASSWORD})
    assert "已暂时锁定" in staff.content.decode()
    with clock.frozen(clock.now() + dt.timedelta(minutes=16)):
        assert admin_login(client, "admin", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_enterprise_accounts_have_no_password_path(client: Client, world: World) -> None:
    enterprise = world.users["enterprise"]
    enterprise.set_password(PASSWORD)
    enterprise.save()
    assert authenticate(None, username="enterprise", password=PASSWORD) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_check_the_password_at_most_the_limit(world: World, monkeypatch) -> None:
    checked: list[str] = []
    real = User.check_password

    def counting(self: User, raw: str) -> bool:
        checked.append(raw)
        return real(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    barrier = threading.Barrier(16)

    def guess(n: int) -> None:
        try:
            barrier.wait(10)
            request = RequestFactory().post("/", REMOTE_ADDR=f"10.0.0.{n}")
            with contextlib.suppress(Exception):
                authenticate(request, username="operator", password=f"guess-{n}")
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert 1 <= len(checked) <= 5  # at most the limit ever reached the password check
    assert LoginFailure.objects.filter(username="operator").count() == 16


@pytest.mark.django_db
def test_one_address_is_limited_across_accounts_but_successes_do_not_count(
    client: Client, world: World, settings
) -> None:
    settings.QITONG_LOGIN_MAX_FAILURES_PER_IP = 6
    office = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(10):  # a busy office signs in all day: successes give their try back
        ok = client.post(
            reverse("accounts:login"), {"username": "handler", "password": PASSWORD}, **office
        )
        assert ok.status_code == 302
        client.post(reverse("accounts:logout"))
    for name in ("operator", "desklead", "leader", "supervisor", "auditor", "nobody"):
        client.post(reverse("accounts:login"), {"username": name, "password": "wrong"}, **office)
    refused = client.post(
        reverse("accounts:login"), {"username": "handler", "password": PASSWORD}, **office
    )
    assert refused.status_code == 400 and "已暂时锁定" in refused.content.decode()
    # Another address is not affected.
    elsewhere = client.post(
        reverse("accounts:login"),
        {"username": "handler", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )
    assert elsewhere.status_code == 302


def test_the_client_address_is_read_behind_trusted_proxies_only(settings) -> None:
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.QITONG_TRUSTED_PROXIES = 0
    assert client_ip(spoofed) == "10.1.1.1"  # no proxy configured: the header is ignored
    settings.QITONG_TRUSTED_PROXIES = 1
    behind = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    assert client_ip(behind) == "1.2.3.4"  # what our proxy saw, not what the client claimed
    assert client_ip(factory.get("/", REMOTE_ADDR="not an address")) is None


def _send(client: Client, credit_code: str, phone: str, ip: str, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(
            reverse("accounts:enterprise_send_code"),
            {"credit_code": credit_code, "phone": phone},
            REMOTE_ADDR=ip,
        )


@pytest.mark.django_db
def test_a_stranger_cannot_use_up_an_enterprises_sms_quota(
    client: Client, world: World, django_capture_on_commit_callbacks, settings
) -> None:
    MemorySmsBackend.outbox.clear()
    start = clock.now()
    # Someone sends the victim's mobile with other credit codes, from many addresses, all day.
    for n in range(settings.QITONG_SMS_CODES_PER_DAY + 2):
        with clock.frozen(start + dt.timedelta(minutes=2 * n)):
            _send(
                client,
                world.baotou_ent.credit_code,
                "13800000001",
                f"10.9.0.{n}",
                django_capture_on_commit_callbacks,
            )
    assert MemorySmsBackend.outbox == []
    assert SmsCode.objects.filter(phone="13800000001", sent=True).count() == 0
    with clock.frozen(start + dt.timedelta(hours=1)):
        mine = _send(
            client,
            world.ent.credit_code,
            "13800000001",
            "192.0.2.10",
            django_capture_on_commit_callbacks,
        )
    assert mine.status_code == 200 and len(MemorySmsBackend.outbox) == 1
    MemorySmsBackend.outbox.clear()


@pytest.mark.django_db
def test_one_address_asking_for_codes_is_limited(
    client: Client, world: World, django_capture_on_commit_callbacks, settings
) -> None:
    settings.QITONG_SMS_CODES_PER_IP = 3
    start = clock.now()
    answers = []
    for n in range(4):
        with clock.frozen(start + dt.timedelta(minutes=2 * n)):
            answers.append(
                _send(
                    client,
                    world.baotou_ent.credit_code,
                    f"1390000000{n}",
                    "10.7.7.7",
                    django_capture_on_commit_callbacks,
                )
            )
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert "本网络获取验证码过于频繁" in answers[-1].content.decode()
