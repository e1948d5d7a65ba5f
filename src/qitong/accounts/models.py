"""Accounts: one custom user model for staff and enterprise users, API tokens, SMS codes and
login throttling records."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, GLOBAL_ROLES, Role
from qitong.directory.models import Department, Desk, Region
from qitong.enterprises.models import Enterprise


class User(AbstractUser):
    """A person who logs in. Scope fields say where the role applies:

    desk roles → `desk` (its region is the jurisdiction); department roles → `department`;
    supervisor → `region` subtree; specialist → its Specialist profile; enterprise user →
    `enterprise`; admin and auditor → everything (read).
    """

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.OPERATOR)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True, db_index=True)
    desk = models.ForeignKey(
        Desk,
        verbose_name="所属专席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="管辖区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="所属企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "phone"],
                name="enterprise_user_phone",
                condition=models.Q(enterprise__isnull=False),
            ),
        ]

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_enterprise(self) -> bool:
        return self.role == Role.ENTERPRISE

    def scope_region(self) -> Region | None:
        """The region subtree this account works in; None means all regions (global roles)."""
        if self.role in GLOBAL_ROLES:
            return None
        if self.role in DESK_ROLES and self.desk is not None:
            return self.desk.region
        if self.role in DEPARTMENT_ROLES and self.department is not None:
            return self.department.region
        if self.role == Role.SPECIALIST:
            profile = getattr(self, "specialist_profile", None)
            if profile is not None:
                return profile.region
        return self.region

    def scope_label(self) -> str:
        if self.role == Role.ENTERPRISE:
            return str(self.enterprise or "")
        if self.role in DESK_ROLES and self.desk_id:
            return str(self.desk)
        if self.role in DEPARTMENT_ROLES and self.department_id:
            return str(self.department)
        region = self.scope_region()
        return str(region) if region else "全部"


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SmsCode(models.Model):
    """A one-time login code sent to an enterprise user's mobile; only a hash is stored."""

    phone = models.CharField("手机号码", max_length=20, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    code_hash = models.CharField("验证码摘要", max_length=64)
    created_at = models.DateTimeField("发送时间", db_index=True)
    expires_at = models.DateTimeField("过期时间")
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    # Sent to a real (enterprise, registered mobile) pair: only these count against the
    # mobile's quota, so a stranger's requests cannot lock an enterprise out (issue 10).
    sent = models.BooleanField("已发送", default=False)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class LoginThrottle(models.Model):
    """Attempts counted per key ("user:<name>", "ip:<address>", "sms-ip:<address>") in a window
    that starts with the first one. An attempt is counted — in one UPDATE … RETURNING — before
    the password or code is checked, so concurrent guesses cannot slip past the limit."""

    key = models.CharField("键", max_length=200, unique=True)
    count = models.PositiveIntegerField("次数", default=0)
    window_start = models.DateTimeField("窗口开始")

    class Meta:
        verbose_name = "登录限流"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class LoginFailure(models.Model):
    """A failed login (the audit trail of guessing: who, from where; LoginThrottle decides)."""

    username = models.CharField("用户名", max_length=150, db_index=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.username} {self.created_at:%Y-%m-%d %H:%M}"
