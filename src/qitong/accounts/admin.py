"""Admin for user accounts: role, name, mobile and scope, checked and ledgered.

A role only makes sense with its scope (DESIGN "Access and privacy"): desk roles work for a
desk, department roles for a department, an enterprise user for one enterprise (and logs in
with a mobile that receives the SMS code), a supervisor for a region subtree. The forms refuse
a role without its scope, and scope fields a role does not use, naming the field in Chinese.
Role and scope changes are ledgered through `user_record_scope_change`; other account changes
(name, phone, staff flags, groups, password) get their own ledger event, never with the hash.
Accounts are deactivated, not deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from qitong.accounts.models import ApiToken, User
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, Role
from qitong.accounts.services import SCOPE_FIELDS, token_revoke, user_record_scope_change
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.modeladmin import LedgeredModelAdmin, m2m_snapshot, request_actor
from qitong.ledger.services import ledger_record, snapshot

SCOPE_FORM_FIELDS = ("desk", "department", "region", "enterprise")
PROFILE_FIELDS = (
    "username",
    "display_name",
    "phone",
    "email",
    "first_name",
    "last_name",
    "is_staff",
    "is_superuser",
)
PERMISSION_M2M = ("groups", "user_permissions")


def required_scope(role: str) -> set[str]:
    """The scope fields a role must have; every other scope field must stay empty."""
    if role in DESK_ROLES:
        return {"desk"}
    if role in DEPARTMENT_ROLES:
        return {"department"}
    return {Role.ENTERPRISE: {"enterprise"}, Role.SUPERVISOR: {"region"}}.get(Role(role), set())


# A specialist's scope comes from its Specialist profile; a region may narrow it before the
# profile is linked.
OPTIONAL_SCOPE = {Role.SPECIALIST: {"region"}}


def scope_errors(data: dict[str, Any]) -> dict[str, str]:
    """Field → Chinese message for a role/scope combination that does not fit."""
    role = data.get("role")
    if role not in Role.values:
        return {}
    label = Role(role).label
    needed = required_scope(role)
    allowed = needed | OPTIONAL_SCOPE.get(Role(role), set())
    errors: dict[str, str] = {}
    for name in SCOPE_FORM_FIELDS:
        field_label = getattr(User._meta.get_field(name), "verbose_name", name)
        if name in needed and not data.get(name):
            errors[name] = f"「{label}」必须选择{field_label}"
        elif name not in allowed and data.get(name):
            errors[name] = f"「{label}」不使用{field_label}，请留空"
    if role == Role.ENTERPRISE:
        if not data.get("phone"):
            errors["phone"] = "企业用户必须填写手机号码（用于短信验证码登录）"
        if data.get("is_staff") or data.get("is_superuser"):
            errors["is_staff"] = "企业用户不能登录管理后台"
    if data.get("is_superuser") and role != Role.ADMIN:
        errors["is_superuser"] = f"只有「{Role.ADMIN.label}」可以设为超级用户"
    return errors


class ScopeFormMixin:
    """Phone normalisation and the role/scope check shared by the add and change forms."""

    cleaned_data: dict[str, Any]
    fields: dict[str, Any]
    add_error: Any

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if phone.kind != "mobile":
            raise ValidationError("请填写手机号码（11 位），固定电话不能接收短信验证码")
        return phone.number

    def check_scope(self, data: dict[str, Any]) -> None:
        errors = scope_errors(data)
        instance = getattr(self, "instance", None)
        if data.get("role") == Role.ENTERPRISE and data.get("enterprise") and data.get("phone"):
            clash = User.objects.filter(enterprise=data["enterprise"], phone=data["phone"])
            if instance is not None and instance.pk:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors.setdefault("phone", "该企业已有使用此手机号码的用户")
        for name, message in errors.items():
            if name in self.fields and name not in getattr(self, "errors", {}):
                self.add_error(name, message)
            elif name not in self.fields:
                self.add_error(None, message)


class UserAdminChangeForm(ScopeFormMixin, UserChangeForm):  # type: ignore[type-arg]
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.check_scope(self.cleaned_data)
        return self.cleaned_data


class UserAdminCreationForm(ScopeFormMixin, AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "display_name", "phone", *SCOPE_FORM_FIELDS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.check_scope(self.cleaned_data)
        return self.cleaned_data


class RoleScopeFilter(admin.SimpleListFilter):
    title = "范围"
    parameter_name = "scoped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("desk", "专席人员"), ("department", "部门人员"), ("enterprise", "企业用户")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value in {"desk", "department", "enterprise"}:
            return queryset.filter(**{f"{value}__isnull": False})
        return queryset


@admin.register(User)
class UserAdmin(LedgeredModelAdmin, DjangoUserAdmin):  # type: ignore[misc]
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = (
        "username",
        "display_name",
        "role",
        "scope",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("role", RoleScopeFilter, "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone", "email")
    list_select_related = (
        "desk",
        "department",
        "region",
        "enterprise",
        "specialist_profile__region",
    )
    autocomplete_fields = ("desk", "department", "region", "enterprise")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("display_name", "phone", "email")}),
        (
            "角色与范围",
            {
                "fields": ("role", *SCOPE_FORM_FIELDS),
                "description": "话务员/班长选专席；承办人/部门领导选单位；督查人员选管辖区域；"
                "企业用户选企业并填手机号码；系统管理员和审计员不选范围。",
            },
        ),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (
            "角色与范围",
            {"classes": ("wide",), "fields": ("role", "display_name", "phone", *SCOPE_FORM_FIELDS)},
        ),
    )

    @admin.display(description="范围")
    def scope(self, obj: User) -> str:
        return obj.scope_label()

    def ledger_before(self, obj: Any) -> dict[str, Any]:
        stored = User.objects.select_for_update().get(pk=obj.pk)
        return {
            "scope": snapshot(stored, SCOPE_FIELDS),
            "profile": snapshot(stored, PROFILE_FIELDS),
            "m2m": m2m_snapshot(stored, PERMISSION_M2M),
        }

    def ledger_save(
        self, request: HttpRequest, obj: Any, before: dict[str, Any] | None, related: dict[str, Any]
    ) -> None:
        actor = request_actor(request)
        user_record_scope_change(user=obj, before=before and before["scope"], actor=actor)
        if before is None:
            return
        after = {**snapshot(obj, PROFILE_FIELDS), **m2m_snapshot(obj, PERMISSION_M2M)}
        previous = {**before["profile"], **before["m2m"]}
        changes = {k: [previous.get(k), v] for k, v in after.items() if previous.get(k) != v}
        if changes:
            ledger_record(
                subject_type="accounts.user",
                subject_id=obj.pk,
                action="user_profile_change",
                actor=actor,
                payload={"display": obj.username, "changes": changes},
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Ledger a password set/unset by an administrator (never the password or its hash)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            succeeded = (
                request.method == "POST"
                and response.status_code == 302
                and response.get("Location") != request.get_full_path()
            )
            if succeeded:
                user = self.get_object(request, unquote(id))
                if user is not None:
                    ledger_record(
                        subject_type="accounts.user",
                        subject_id=user.pk,
                        action="user_password_set",
                        actor=request_actor(request),
                        payload={"display": user.username, "usable": user.has_usable_password()},
                    )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Integrators' API tokens: listed (never their value, which is stored only hashed) and
    revoked here through the ledgered service; created with `qitong token create`."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor: User = request.user  # type: ignore[assignment]
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, actor=actor)
            count += 1
        self.message_user(request, f"已吊销 {count} 个令牌")
