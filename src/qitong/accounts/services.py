"""Account writes: tokens, SMS login codes, login throttling, role/scope changes (ledgered)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from qitong.accounts.models import ApiToken, LoginFailure, LoginThrottle, SmsCode, User
from qitong.accounts.roles import Role
from qitong.accounts.sms import get_backend
from qitong.core import clock
from qitong.core.errors import NotFound, RateLimited, ValidationFailed
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.services import ledger_record, snapshot

TOKEN_PREFIX = "qt_"  # nosec B105 # a message or a public constant, not a password


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


# --- login throttling (every password and SMS-code path) --------------------------------------


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.QITONG_LOGIN_LOCK_SECONDS)


def throttle_take(key: str, *, limit: int, window: dt.timedelta | None = None) -> bool:
    """Count one attempt for `key` (atomically, before anything is checked); False when this
    attempt is over `limit` within the window and must be refused unchecked."""
    window = window or _window()
    ops = connection.ops
    now = clock.now()
    since, at = ops.adapt_datetimefield_value(now - window), ops.adapt_datetimefield_value(now)
    table = ops.quote_name(LoginThrottle._meta.db_table)
    sql = (
        f"UPDATE {table} SET count = CASE WHEN window_start < %s THEN 1 ELSE count + 1 END, "  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        "window_start = CASE WHEN window_start < %s THEN %s ELSE window_start END "
        "WHERE key = %s RETURNING count"
    )
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [since, since, at, key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]) <= limit
        try:
            with transaction.atomic():
                LoginThrottle.objects.create(key=key, count=1, window_start=now)
            return limit >= 1
        except IntegrityError:  # another attempt created the row first: count on it
            continue
    return False


def throttle_refund(key: str) -> None:
    """Give back one attempt (a success that must not count against a shared address)."""
    LoginThrottle.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def throttle_clear(key: str) -> None:
    LoginThrottle.objects.filter(key=key).delete()


def throttle_blocked(key: str, *, limit: int, window: dt.timedelta | None = None) -> bool:
    """Would the next attempt be refused? (A read: for the message, never for the decision.)"""
    since = clock.now() - (window or _window())
    return LoginThrottle.objects.filter(key=key, window_start__gte=since, count__gte=limit).exists()


def _user_key(username: str) -> str:
    return f"user:{username.strip().lower()}"


def _ip_key(ip: str | None, kind: str = "ip") -> str | None:
    return f"{kind}:{ip}" if ip else None


def login_attempt_begin(*, username: str, ip: str | None) -> bool:
    """Take an attempt for the account and for the address; False: refuse without checking
    the password (the account or the address has had its tries)."""
    ip_key = _ip_key(ip)
    if ip_key and not throttle_take(ip_key, limit=settings.QITONG_LOGIN_MAX_FAILURES_PER_IP):
        return False
    return throttle_take(_user_key(username), limit=settings.QITONG_LOGIN_MAX_FAILURES)


def login_attempt_failed(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.strip().lower(), ip=ip, created_at=clock.now())


def login_attempt_succeeded(*, username: str, ip: str | None) -> None:
    throttle_clear(_user_key(username))
    if ip_key := _ip_key(ip):
        throttle_refund(ip_key)  # an office behind one address must not lock itself out


def login_is_locked(*, username: str, ip: str | None = None) -> bool:
    ip_key = _ip_key(ip)
    return throttle_blocked(_user_key(username), limit=settings.QITONG_LOGIN_MAX_FAILURES) or bool(
        ip_key and throttle_blocked(ip_key, limit=settings.QITONG_LOGIN_MAX_FAILURES_PER_IP)
    )


# --- enterprise SMS login ---------------------------------------------------------------------


def _enterprise_user(credit_code: str, phone: str) -> User | None:
    return (
        User.objects.filter(
            role=Role.ENTERPRISE, enterprise__credit_code=credit_code, phone=phone, is_active=True
        )
        .select_related("enterprise")
        .first()
    )


def sms_code_send(*, credit_code: str, phone: str, ip: str | None = None) -> SmsCode | None:
    """Send a login code if (credit code, mobile) belongs to an enterprise user.

    Rate limited per client address (any pair) and per mobile (one per interval, N per day —
    counting only codes really sent to that enterprise user, so nobody else's requests use up
    an enterprise's quota). For an unknown pair nothing is sent but the caller gets the same
    answer, so the form cannot be used to probe who is a user (returns None).
    """
    credit_code = credit_code.strip().upper()
    mobile = normalize_phone(phone)
    if mobile.kind != "mobile":
        raise ValidationFailed(fields={"phone": "请填写手机号码（验证码只能发送到手机）"})
    ip_key = _ip_key(ip, "sms-ip")
    if ip_key and not throttle_take(
        ip_key, limit=settings.QITONG_SMS_CODES_PER_IP, window=dt.timedelta(hours=1)
    ):
        raise RateLimited("本网络获取验证码过于频繁，请 1 小时后再试或联系专席")
    now = clock.now()
    user = _enterprise_user(credit_code, mobile.number)
    recent = SmsCode.objects.filter(
        phone=mobile.number, credit_code=credit_code, sent=True
    ).order_by("-created_at")
    last = recent.first()
    if last and (now - last.created_at).total_seconds() < settings.QITONG_SMS_CODE_INTERVAL_SECONDS:
        raise RateLimited("验证码发送过于频繁，请 1 分钟后再试")
    if (
        recent.filter(created_at__gte=now - dt.timedelta(days=1)).count()
        >= settings.QITONG_SMS_CODES_PER_DAY
    ):
        raise RateLimited("该号码今日获取验证码次数已达上限，请明天再试或联系专席")
    code = f"{secrets.randbelow(10**6):06d}"
    row = SmsCode.objects.create(
        phone=mobile.number,
        credit_code=credit_code,
        code_hash=_digest(code if user else ""),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.QITONG_SMS_CODE_TTL_SECONDS),
        sent=user is not None,
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


def sms_login_verify(*, credit_code: str, phone: str, code: str, ip: str | None = None) -> User:
    """Check a code and return the enterprise user; every failure says which field is wrong.
    Each code has MAX_CODE_ATTEMPTS tries, and each client address as many as a staff one."""
    credit_code = credit_code.strip().upper()
    mobile = normalize_phone(phone)
    ip_key = _ip_key(ip, "sms-verify-ip")
    if ip_key and not throttle_take(ip_key, limit=settings.QITONG_LOGIN_MAX_FAILURES_PER_IP):
        raise RateLimited("尝试次数过多，请 15 分钟后再试或联系专席")
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
            if ip_key:
                throttle_refund(ip_key)
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
