"""Logging in through the real pages: staff by password (throttled), enterprises by SMS code.
The rules live in accounts.services; these tests pin what a person sees on the page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from qitong.accounts.sms import MemorySmsBackend
from qitong.core import clock
from tests.factories import PASSWORD, World

HTMX = {"HX-Request": "true", "HX-Target": "sms-status"}


@pytest.fixture(autouse=True)
def empty_outbox() -> Iterator[None]:
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def field_errors(html: str, field: str) -> list[str]:
    """The messages shown right next to one field (its error slot)."""
    match = re.search(rf'id="err-id_{field}"[^>]*>(.*?)</div>', html, flags=re.S)
    assert match, f"no error slot for {field}"
    return re.findall(r'<p class="field__error">([^<]+)</p>', match.group(1))


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- staff -------------------------------------------------------------------------------------


def staff_login(client: Client, username: str, password: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


@pytest.mark.django_db
def test_login_page_is_chinese_and_links_to_enterprise_login(client: Client) -> None:
    html = page(client.get(reverse("accounts:login")))
    assert '<h1 class="auth-card__title">工作人员登录</h1>' in html
    assert 'for="id_username">用户名</label>' in html and 'for="id_password">密码</label>' in html
    assert f'href="{reverse("accounts:enterprise_login")}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("operator", "dashboards:desk"),
        ("handler", "dashboards:department"),
        ("supervisor", "dashboards:supervisor"),
        ("auditor", "dashboards:auditor"),
    ],
)
def test_staff_login_lands_on_its_home(client: Client, world: World, role: str, home: str) -> None:
    response = staff_login(client, world.users[role].username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse(home)
    assert is_signed_in(client)
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_staff_login_follows_a_local_next_but_not_a_foreign_one(
    client: Client, world: World
) -> None:
    response = staff_login(client, "operator", PASSWORD, next_url="/desk/?q=abc")
    assert response.url == "/desk/?q=abc"
    client.post(reverse("accounts:logout"))
    response = staff_login(client, "operator", PASSWORD, next_url="https://evil.example/")
    assert response.url == reverse("dashboards:desk")


@pytest.mark.django_db
def test_wrong_password_says_so_next_to_the_password_field(client: Client, world: World) -> None:
    response = staff_login(client, "operator", "not-the-password")
    assert response.status_code == 400
    html = page(response)
    assert field_errors(html, "password") == ["用户名或密码不正确"]
    assert field_errors(html, "username") == []
    assert 'value="operator"' in html  # the username is kept
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_empty_fields_are_named(client: Client) -> None:
    html = page(staff_login(client, "", ""))
    assert field_errors(html, "username") == ["请填写用户名"]
    assert field_errors(html, "password") == ["请填写密码"]


@pytest.mark.django_db
def test_five_failures_lock_the_account_even_for_the_right_password(
    client: Client, world: World
) -> None:
    for _ in range(4):
        html = page(staff_login(client, "operator", "wrong"))
        assert field_errors(html, "password") == ["用户名或密码不正确"]
        assert "已暂时锁定" not in html
    fifth = page(staff_login(client, "operator", "wrong"))
    assert "登录失败次数过多，该账号已暂时锁定 15 分钟" in fifth
    right = staff_login(client, "operator", PASSWORD)
    assert right.status_code == 400
    assert "已暂时锁定" in page(right)
    assert not is_signed_in(client)
    # Another account is not affected.
    assert staff_login(client, "handler", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lock_expires_after_fifteen_minutes(client: Client, world: World) -> None:
    start = clock.now()
    with clock.frozen(start):
        for _ in range(5):
            staff_login(client, "operator", "wrong")
        assert "已暂时锁定" in page(staff_login(client, "operator", PASSWORD))
    with clock.frozen(start + dt.timedelta(minutes=16)):
        assert staff_login(client, "operator", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_logout_is_a_post(client: Client, world: World) -> None:
    staff_login(client, "operator", PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert not is_signed_in(client)


# --- enterprise SMS ----------------------------------------------------------------------------


def send_code(client: Client, credit_code: str, phone: str, capture):  # type: ignore[no-untyped-def]
    # The SMS goes out after commit; the test transaction never commits, so run the callbacks.
    with capture(execute=True):
        return client.post(
            reverse("accounts:enterprise_send_code"),
            {"credit_code": credit_code, "phone": phone},
            headers=HTMX,
        )


def code_from_outbox(phone: str) -> str:
    assert len(MemorySmsBackend.outbox) == 1
    to, text = MemorySmsBackend.outbox[0]
    assert to == phone
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def enterprise_login(client: Client, credit_code: str, phone: str, code: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("accounts:enterprise_login"),
        {"credit_code": credit_code, "phone": phone, "code": code},
    )


@pytest.mark.django_db
def test_enterprise_login_page_has_the_three_fields_and_the_send_button(client: Client) -> None:
    html = page(client.get(reverse("accounts:enterprise_login")))
    for label in ("统一社会信用代码", "手机号码", "短信验证码"):
        assert f">{label}</label>" in html
    assert f'hx-post="{reverse("accounts:enterprise_send_code")}"' in html
    assert 'hx-target="#sms-status"' in html and ">获取验证码</button>" in html


@pytest.mark.django_db
def test_enterprise_sms_login_lands_on_my_appeals(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    sent = send_code(
        client, world.ent.credit_code, "138 0000 0001", django_capture_on_commit_callbacks
    )
    assert sent.status_code == 200
    assert "验证码已发送" in page(sent)
    assert 'class="site-header"' not in page(sent)  # htmx gets the status line only
    code = code_from_outbox("13800000001")

    response = enterprise_login(client, world.ent.credit_code.lower(), "13800000001", code)
    assert response.status_code == 302
    assert response.url == reverse("dashboards:enterprise")
    home = page(client.get(response.url))
    assert "<h1>我的诉求</h1>" in home and world.ent.name in home

    # A code works once.
    client.post(reverse("accounts:logout"))
    again = enterprise_login(client, world.ent.credit_code, "13800000001", code)
    assert field_errors(page(again), "code") == ["验证码已失效，请重新获取"]


@pytest.mark.django_db
def test_wrong_code_is_refused(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    send_code(client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks)
    code = code_from_outbox("13800000001")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = enterprise_login(client, world.ent.credit_code, "13800000001", wrong)
    assert response.status_code == 400
    assert field_errors(page(response), "code") == ["验证码不正确"]
    assert not is_signed_in(client)
    # The right code still works after one wrong try.
    assert enterprise_login(client, world.ent.credit_code, "13800000001", code).status_code == 302


@pytest.mark.django_db
def test_missing_code_is_named(client: Client, world: World) -> None:
    response = enterprise_login(client, world.ent.credit_code, "13800000001", "")
    assert field_errors(page(response), "code") == ["请填写短信验证码"]


@pytest.mark.django_db
def test_expired_code_is_refused(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    start = clock.now()
    with clock.frozen(start):
        send_code(client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks)
    code = code_from_outbox("13800000001")
    with clock.frozen(start + dt.timedelta(minutes=5, seconds=1)):
        response = enterprise_login(client, world.ent.credit_code, "13800000001", code)
    assert response.status_code == 400
    assert field_errors(page(response), "code") == ["验证码已失效，请重新获取"]
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_second_send_within_a_minute_is_rate_limited(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    start = clock.now()
    with clock.frozen(start):
        send_code(client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks)
    with clock.frozen(start + dt.timedelta(seconds=59)):
        again = send_code(
            client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks
        )
    assert again.status_code == 400
    assert "验证码发送过于频繁，请 1 分钟后再试" in page(again)
    assert "验证码已发送" not in page(again)
    assert len(MemorySmsBackend.outbox) == 1
    with clock.frozen(start + dt.timedelta(seconds=61)):
        later = send_code(
            client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks
        )
    assert later.status_code == 200 and len(MemorySmsBackend.outbox) == 2


@pytest.mark.django_db
def test_unknown_pair_gets_the_same_answer_and_no_sms(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    known = send_code(
        client, world.ent.credit_code, "13800000001", django_capture_on_commit_callbacks
    )
    assert len(MemorySmsBackend.outbox) == 1
    MemorySmsBackend.outbox.clear()
    wrong_phone = send_code(
        client, world.ent.credit_code, "13900000009", django_capture_on_commit_callbacks
    )
    wrong_company = send_code(
        client, world.baotou_ent.credit_code, "13800000003", django_capture_on_commit_callbacks
    )
    assert MemorySmsBackend.outbox == []
    for unknown in (wrong_phone, wrong_company):
        assert unknown.status_code == known.status_code == 200
        assert unknown.content == known.content
    # And no code for the unknown pair can log anyone in.
    response = enterprise_login(client, world.ent.credit_code, "13900000009", "000000")
    assert not is_signed_in(client)
    assert response.status_code == 400


@pytest.mark.django_db
def test_bad_credit_code_and_phone_are_named_next_to_their_fields(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    bad_check = world.ent.credit_code[:17] + ("0" if world.ent.credit_code[17] != "0" else "1")
    response = send_code(client, bad_check, "1380000", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    html = page(response)
    [credit_error] = field_errors(html, "credit_code")
    assert credit_error.startswith("统一社会信用代码校验位（第 18 位）不正确")
    assert field_errors(html, "phone") == ["手机号码应为 1 开头的 11 位数字（当前 7 位）"]
    assert 'hx-swap-oob="true"' in html  # the htmx answer fills the slots beside the fields
    assert MemorySmsBackend.outbox == []
    landline = send_code(
        client, world.ent.credit_code, "0471-6601234", django_capture_on_commit_callbacks
    )
    assert field_errors(page(landline), "phone") == [
        "手机号码应为 11 位手机号（验证码只能发送到手机）"
    ]


@pytest.mark.django_db
def test_send_code_without_javascript_returns_the_login_page(
    client: Client, world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:enterprise_send_code"),
            {"credit_code": world.ent.credit_code, "phone": "13800000001"},
        )
    html = page(response)
    assert '<h1 class="auth-card__title">企业用户登录</h1>' in html
    assert "验证码已发送" in html
    assert f'action="{reverse("accounts:enterprise_login")}"' in html  # 登录 posts to the login
    assert len(MemorySmsBackend.outbox) == 1


@pytest.mark.django_db
def test_staff_form_refuses_enterprise_accounts(world: World) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "enterprise", "password": PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
