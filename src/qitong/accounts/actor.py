"""A plain snapshot of who is acting and where, for guards that must run without a database
(tickets.transitions) and for scoping. Built once per request from the User."""

from __future__ import annotations

from dataclasses import dataclass

from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, Role

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    role: str
    user_id: int | None = None
    desk_id: int | None = None
    department_id: int | None = None
    enterprise_id: int | None = None
    specialist_id: int | None = None
    # Code prefix of the region subtree the actor works in; None = every region.
    region_prefix: str | None = None

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    def covers(self, region_code: str) -> bool:
        return self.region_prefix is None or region_code.startswith(self.region_prefix)


SYSTEM = Actor(role=SYSTEM_ROLE)


def actor_of(user: object) -> Actor:
    """The Actor for a signed-in user (cached on the user object for the request)."""
    cached = getattr(user, "_qitong_actor", None)
    if isinstance(cached, Actor):
        return cached
    assert isinstance(user, User)
    region = user.scope_region()
    profile = getattr(user, "specialist_profile", None) if user.role == Role.SPECIALIST else None
    actor = Actor(
        role=user.role,
        user_id=user.pk,
        desk_id=user.desk_id if user.role in DESK_ROLES else None,
        department_id=user.department_id if user.role in DEPARTMENT_ROLES else None,
        enterprise_id=user.enterprise_id if user.role == Role.ENTERPRISE else None,
        specialist_id=profile.pk if profile is not None else None,
        region_prefix=region.prefix if region is not None else None,
    )
    user._qitong_actor = actor  # type: ignore[attr-defined]
    return actor
