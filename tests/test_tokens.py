"""API tokens: `qitong token create|list|revoke`, bearer authentication on /api/v1, hashing,
and the ledger entries for create and revoke."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from qitong.accounts.models import ApiToken
from qitong.ledger.services import events_for, ledger_verify

pytestmark = pytest.mark.django_db


def create(username: str, *args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("token", "create", username, *args, stdout=out, stderr=err)
    assert "只显示这一次" in err.getvalue()
    return out.getvalue().strip()


def run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "unauthenticated"
    assert body["message"]
    assert body["fields"] == {}


def test_created_token_authenticates_as_its_user(world, client):
    token = create("handler", "--name", "12345 平台对接")
    assert token.startswith("qt_")

    response = me(client, token)

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"]) == ("handler", "handler")
    assert body["department"]["id"] == world.dept.pk
    assert ApiToken.objects.get().last_used_at is not None


def test_only_the_hash_is_stored(world):
    token = create("operator")
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:10]
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(token in value for value in stored)


@pytest.mark.parametrize(
    "header",
    ["Bearer qt_not-a-real-token", "Bearer ", "Token qt_whatever", None],
    ids=["wrong-token", "empty", "wrong-scheme", "no-header"],
)
def test_missing_or_wrong_token_is_401_with_the_error_shape(world, client, header):
    create("operator")  # a valid token exists, but it is not the one presented
    headers = {"Authorization": header} if header is not None else {}
    assert_unauthenticated(client.get("/api/v1/me", headers=headers))


def test_revoked_token_is_401(world, client):
    token = create("operator")
    assert me(client, token).status_code == 200

    out = run("revoke", token[:10])

    assert f"已吊销用户 operator 的令牌 {token[:10]}" in out
    assert ApiToken.objects.get().revoked_at is not None
    assert_unauthenticated(me(client, token))


def test_token_of_a_deactivated_user_is_401(world, client):
    token = create("operator")
    world.users["operator"].is_active = False
    world.users["operator"].save(update_fields=["is_active"])
    assert_unauthenticated(me(client, token))


def test_create_and_revoke_are_ledgered_without_the_token(world):
    user = world.users["operator"]
    token = create("operator", "--name", "对接")
    run("revoke", token[:10])

    events = [e for e in events_for("accounts.user", user.pk) if e.action.startswith("token_")]

    assert [e.action for e in events] == ["token_create", "token_revoke"]
    token_id = ApiToken.objects.get().pk
    assert events[0].payload == {"token_id": token_id, "prefix": token[:10], "name": "对接"}
    assert events[1].payload == {"token_id": token_id, "prefix": token[:10]}
    assert all(token not in json.dumps(e.payload) for e in events)
    assert ledger_verify().broken is None


def test_list_shows_prefix_owner_and_state(world):
    first = create("operator", "--name", "对接甲")
    second = create("handler")
    run("revoke", second[:10])

    everything = run("list")
    only_operator = run("list", "operator")

    assert first[:10] in everything and second[:10] in everything
    assert "对接甲" in everything and "已吊销" in everything
    assert first[:10] in only_operator and second[:10] not in only_operator
    assert "有效" in only_operator
    assert first not in everything  # never the token itself


def test_revoke_errors_are_explicit(world):
    token = create("operator")
    with pytest.raises(CommandError, match="没有前缀为 qt_nothing 的令牌"):
        run("revoke", "qt_nothing")
    run("revoke", token[:10])
    with pytest.raises(CommandError, match="已被吊销"):
        run("revoke", token[:10])


def test_revoke_refuses_an_ambiguous_prefix(world):
    for i, username in enumerate(["operator", "handler"]):
        ApiToken.objects.create(
            user=world.users[username],
            prefix="qt_same000",
            key_hash=f"{i:064d}",
            created_at="2026-01-01T00:00Z",
        )
    with pytest.raises(CommandError, match="多个有效令牌"):
        run("revoke", "qt_same000")
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_create_for_unknown_or_inactive_user_is_refused(world):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        create("nobody")
    world.users["auditor"].is_active = False
    world.users["auditor"].save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="已停用"):
        create("auditor")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_createsuperuser_is_on_the_ledger_as_an_administrator() -> None:
    from django.core.management import call_command

    from qitong.accounts.models import User
    from qitong.ledger.services import events_for

    call_command("createsuperuser", username="root2", email="", interactive=False, verbosity=0)
    user = User.objects.get(username="root2")
    assert user.role == "admin" and user.is_superuser
    [event] = events_for("accounts.user", user.pk)
    assert event.action == "user_create" and event.payload["source"] == "createsuperuser"


@pytest.mark.django_db
def test_admin_lists_tokens_without_their_value_and_revokes_them_on_the_ledger(
    world: Any,
) -> None:
    from django.test import Client

    from qitong.accounts.models import ApiToken
    from qitong.accounts.services import token_create
    from qitong.ledger.services import events_for

    token, plain = token_create(user=world.users["operator"], name="集成测试")
    client = Client()
    client.force_login(world.users["admin"])
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.prefix in page and plain not in page and token.key_hash not in page
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "token_revoke" in [e.action for e in events_for("accounts.user", token.user_id)]
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert ApiToken.objects.count() == 1
