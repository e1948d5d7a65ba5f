"""Account writes: tokens, SMS login codes, login throttling, role/scope changes (ledgered)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time

from django.conf import settings
from django.db import transaction

from qitong.accounts.models import ApiToken, LoginFailure, SmsCode, User
from qitong.accounts.roles import Role
from qitong.accounts.sms import get_backend
from qitong.core import clock
from qitong.core.errors import NotFound, RateLimited, ValidationFailed
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.services import ledger_record, snapshot

TOKEN_PREFIX = "qt_"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- API tokens -------------------------------------------------------------------------------


def token_create(*, user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain value (shown once, stored only hashed)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=plain[:10], key_hash=_digest(plain), created_at=clock.now()
        )
        ledger_record(
            subject_type="accounts.user",
            subject_id=user.pk,
            action="token_create",
            actor=actor,
            payload={"token_id": token.pk, "prefix": token.prefix, "name": name},
        )
    return token, plain


def token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        _TOKEN_CACHE.pop(token.key_hash, None)
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            ledger_record(
                subject_type="accounts.user",
                subject_id=token.user_id,
                action="token_revoke",
                actor=actor,
                payload={"token_id": token.pk, "prefix": token.prefix},
            )
    return token


# digest → (monotonic expiry, user): a token is looked up once per QITONG_TOKEN_CACHE_SECONDS
# per process, not on every request (it was an eighth of an action's time). Revoking drops the
# entry here at once; other processes notice within the TTL, as they do a deactivated user.
_TOKEN_CACHE: dict[str, tuple[float, User]] = {}
_TOKEN_CACHE_LOCK = threading.Lock()
_TOKEN_CACHE_MAX = 10_000


def _token_cache_get(digest: str) -> User | None:
    hit = _TOKEN_CACHE.get(digest)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _token_cache_put(digest: str, user: User) -> None:
    ttl = settings.QITONG_TOKEN_CACHE_SECONDS
    if ttl <= 0:
        return
    with _TOKEN_CACHE_LOCK:
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[digest] = (time.monotonic() + ttl, user)


def token_authenticate(*, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(token)
    cached = _token_cache_get(digest)
    if cached is not None:
        return cached
    # The user's scope (desk/department and their regions) is read on every request; the
    # hash is unique, so no ORDER BY (which .first() would add).
    rows = ApiToken.objects.select_related(
        "user__desk__region", "user__department__region", "user__region"
    ).filter(key_hash=digest, revoked_at__isnull=True)[:1]
    row = next(iter(rows), None)
    if row is None or not row.user.is_active:
        return None
    now = clock.now()
    # Touch at most once a minute: an integration calling 300 times a second must not write 300 rows.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    _token_cache_put(digest, row.user)
    return row.user


# --- staff login throttling -------------------------------------------------------------------


def login_is_locked(*, username: str) -> bool:
    since = clock.now() - dt.timedelta(seconds=settings.QITONG_LOGIN_LOCK_SECONDS)
    failures = LoginFailure.objects.filter(username=username.lower(), created_at__gte=since).count()
    return failures >= settings.QITONG_LOGIN_MAX_FAILURES


def login_record_failure(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower(), ip=ip, created_at=clock.now())


def login_clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()


# --- enterprise SMS login ---------------------------------------------------------------------


def _enterprise_user(credit_code: str, phone: str) -> User | None:
    return (
        User.objects.filter(
            role=Role.ENTERPRISE, enterprise__credit_code=credit_code, phone=phone, is_active=True
        )
        .select_related("enterprise")
        .first()
    )


def sms_code_send(*, credit_code: str, phone: str) -> SmsCode | None:
    """Send a login code if (credit code, mobile) belongs to an enterprise user.

    Rate limited per mobile (one per interval, N per day). For an unknown pair nothing is
    sent but the caller gets the same answer, so the form cannot be used to probe who is a
    user (returns None).
    """
    credit_code = credit_code.strip().upper()
    mobile = normalize_phone(phone)
    if mobile.kind != "mobile":
        raise ValidationFailed(fields={"phone": "请填写手机号码（验证码只能发送到手机）"})
    now = clock.now()
    recent = SmsCode.objects.filter(phone=mobile.number).order_by("-created_at")
    last = recent.first()
    if last and (now - last.created_at).total_seconds() < settings.QITONG_SMS_CODE_INTERVAL_SECONDS:
        raise RateLimited("验证码发送过于频繁，请 1 分钟后再试")
    if (
        recent.filter(created_at__gte=now - dt.timedelta(days=1)).count()
        >= settings.QITONG_SMS_CODES_PER_DAY
    ):
        raise RateLimited("该号码今日获取验证码次数已达上限，请明天再试或联系专席")
    user = _enterprise_user(credit_code, mobile.number)
    code = f"{secrets.randbelow(10**6):06d}"
    row = SmsCode.objects.create(
        phone=mobile.number,
        credit_code=credit_code,
        code_hash=_digest(code if user else ""),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.QITONG_SMS_CODE_TTL_SECONDS),
    )
    if user is None:
        return None
    transaction.on_commit(
        lambda: get_backend().send(
            mobile.number, f"【企通】您的登录验证码为 {code}，5 分钟内有效。如非本人操作请忽略。"
        )
    )
    return row


MAX_CODE_ATTEMPTS = 5


def sms_login_verify(*, credit_code: str, phone: str, code: str) -> User:
    """Check a code and return the enterprise user; every failure says which field is wrong."""
    credit_code = credit_code.strip().upper()
    mobile = normalize_phone(phone)
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone=mobile.number, credit_code=credit_code, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = clock.now()
        if row is None or row.expires_at < now or row.attempts >= MAX_CODE_ATTEMPTS:
            raise ValidationFailed(fields={"code": "验证码已失效，请重新获取"})
        if not hmac.compare_digest(row.code_hash, _digest(code.strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            # The failed attempt must persist even though we refuse: raise after commit.
            failure = ValidationFailed(fields={"code": "验证码不正确"})
        else:
            user = _enterprise_user(credit_code, mobile.number)
            if user is None:
                raise NotFound("未找到该企业的此手机号用户")
            row.used_at = now
            row.save(update_fields=["used_at"])
            return user
    raise failure


# --- roles and scope (ledgered) ---------------------------------------------------------------

SCOPE_FIELDS = ("role", "desk_id", "department_id", "region_id", "enterprise_id", "is_active")


def user_record_scope_change(
    *, user: User, before: dict[str, object] | None, actor: User | None
) -> None:
    """Ledger a user's role/scope as set by the admin or import (the caller saved the user)."""
    after = snapshot(user, SCOPE_FIELDS)
    changes = {
        k: [None if before is None else before.get(k), v]
        for k, v in after.items()
        if before is None or before.get(k) != v
    }
    if changes:
        ledger_record(
            subject_type="accounts.user",
            subject_id=user.pk,
            action="user_create" if before is None else "user_scope_change",
            actor=actor,
            payload={"display": user.username, "changes": changes},
        )
