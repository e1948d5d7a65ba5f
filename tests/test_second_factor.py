"""TOTP for administrators and auditors (required where QITONG_OTP_REQUIRED_ROLES says so, as
production does), and the idle timeout of staff sessions."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qitong.accounts.middleware import LAST_SEEN
from qitong.ledger.models import Event
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

REQUIRED = override_settings(QITONG_OTP_REQUIRED_ROLES=("admin", "auditor"))


def _login(world: World, role: str) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": world.users[role].username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@REQUIRED
@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_password_alone_does_not_reach_the_admin_or_pages(world: World, role: str) -> None:
    client = _login(world, role)
    for path in ("/admin/", "/admin/ledger/event/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/otp/setup/")
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["code"] == "otp_required"


@REQUIRED
def test_admin_login_page_path_is_held_too(world: World) -> None:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": world.users["admin"].username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith("/accounts/otp/setup/")


@REQUIRED
@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_setup_then_verify_on_the_next_login(world: World) -> None:
    client = _login(world, "admin")
    page = client.get("/accounts/otp/setup/?next=/admin/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "设置两步验证" in body and "<svg" in body and "<path" in body and "svg:rect" not in body
    device = TOTPDevice.objects.get(user=world.users["admin"], confirmed=False)

    wrong = client.post("/accounts/otp/setup/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    done = client.post("/accounts/otp/setup/", {"code": _code(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert Event.objects.filter(
        action="otp_setup", subject_id=str(world.users["admin"].pk)
    ).exists()

    again = _login(world, "admin")
    held = again.get("/admin/")
    assert held["Location"].startswith("/accounts/otp/?")
    device.refresh_from_db()
    assert again.post("/accounts/otp/", {"code": "12"}).status_code == 400
    ok = again.post("/accounts/otp/", {"code": _code(device, 1), "next": "/admin/"})
    assert ok.status_code == 302
    assert again.get("/admin/").status_code == 200


@REQUIRED
def test_other_roles_are_not_held(world: World) -> None:
    client = _login(world, "operator")
    assert client.get("/").status_code in (200, 302)
    assert not client.get("/").get("Location", "").startswith("/accounts/otp")


def test_without_the_requirement_admins_may_still_set_it_up(world: World) -> None:
    client = _login(world, "admin")
    assert client.get("/admin/").status_code == 200
    assert client.get("/accounts/otp/setup/").status_code == 200


@REQUIRED
def test_wrong_codes_are_throttled(world: World) -> None:
    client = _login(world, "admin")
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=world.users["admin"])
    client.post("/accounts/otp/setup/", {"code": "000000"})
    refused = client.post("/accounts/otp/setup/", {"code": _code(device)})
    assert refused.status_code == 400 and "错误次数过多" in refused.content.decode()


def test_reset_removes_the_device_and_is_ledgered(world: World) -> None:
    admin = world.users["admin"]
    TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    out = StringIO()
    call_command("otp", "reset", admin.username, stdout=out)
    assert "已重置" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert Event.objects.filter(action="otp_reset", subject_id=str(admin.pk)).exists()


def test_the_device_admin_is_not_offered(world: World) -> None:
    client = _login(world, "admin")
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


@override_settings(QITONG_IDLE_TIMEOUT_MINUTES=30)
def test_an_idle_staff_session_ends(world: World) -> None:
    client = _login(world, "operator")
    assert client.get("/").status_code in (200, 302)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    api = Client()
    api.cookies = client.cookies
    assert api.get("/api/v1/me").status_code == 401


@override_settings(QITONG_IDLE_TIMEOUT_MINUTES=30)
def test_a_busy_session_stays(world: World) -> None:
    client = _login(world, "operator")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/api/v1/me").status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 5  # the clock moved on


def test_htmx_requests_of_an_ended_session_get_the_login_event(world: World) -> None:
    """htmx would draw the login page inside the form's target: it gets 401 and an event
    naming the right login page with `next` = the page the user is on."""
    import json

    anonymous = Client()
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/?q=abc"}
    staff = anonymous.get("/desk/", {"q": "测试"}, headers=headers)
    assert staff.status_code == 401
    event = json.loads(staff["HX-Trigger"])["qitong:login-expired"]
    assert event["login"] == "/accounts/login/?next=%2Fdesk%2F%3Fq%3Dabc"
    portal = anonymous.post(
        "/my/tickets/new/",
        {"content": "x"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/my/tickets/new/"},
    )
    assert portal.status_code == 401
    assert json.loads(portal["HX-Trigger"])["qitong:login-expired"]["login"].startswith(
        "/accounts/enterprise/login/?next=%2Fmy%2Ftickets%2Fnew%2F"
    )
    plain = anonymous.get("/desk/")  # without htmx: the ordinary redirect to the login page
    assert plain.status_code == 302 and plain["Location"].startswith("/accounts/login/")


@override_settings(QITONG_IDLE_TIMEOUT_MINUTES=30)
def test_an_idle_session_ends_for_htmx_with_the_event(world: World) -> None:
    client = _login(world, "operator")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(
        "/desk/",
        {"q": "测试"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/"},
    )
    assert response.status_code == 401 and "qitong:login-expired" in response["HX-Trigger"]
