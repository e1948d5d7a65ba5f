from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES

router = Router(tags=["账号"])


class UnitOut(Schema):
    id: int
    code: str
    name: str


class MeEnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str


class RegionRef(Schema):
    id: int
    code: str
    name: str


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_label: str
    scope: str
    region: RegionRef | None = None
    desk: UnitOut | None = None
    department: UnitOut | None = None
    enterprise: MeEnterpriseOut | None = None


@router.get("/me", response=MeOut, summary="当前用户：角色、范围、所属单位或企业")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.user  # type: ignore[assignment]
    region = user.scope_region()
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "role": user.role,
        "role_label": user.role_label,
        "scope": user.scope_label(),
        "region": region,
        "desk": user.desk if user.role in DESK_ROLES else None,
        "department": user.department if user.role in DEPARTMENT_ROLES else None,
        "enterprise": user.enterprise if user.is_enterprise else None,
    }
