"""Where each role lands and what its navigation shows. Core keeps the registry; each app
declares its own entries (`<app>/navigation.py`) and registers them in its AppConfig.ready,
so core names no app's pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    """One link of one role's navigation; `order` places it (the shortcut Alt+N follows)."""

    role: str
    label: str
    url_name: str
    order: int
    home: bool = False  # where the role lands after signing in


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    key: str  # short keyboard hint shown beside the label (Alt+key)


_ENTRIES: list[Entry] = []


def register_app(entries: Iterable[Entry]) -> None:
    """Add an app's entries (idempotent: an app registering twice adds nothing)."""
    for entry in entries:
        if entry not in _ENTRIES:
            _ENTRIES.append(entry)


def _for(role: str) -> list[Entry]:
    return sorted((e for e in _ENTRIES if e.role == role), key=lambda e: (e.order, e.label))


def home_url_for(user: object) -> str:
    role = str(getattr(user, "role", "") or "")
    home = next((e for e in _for(role) if e.home), None)
    return reverse(home.url_name if home else "accounts:login")


def navigation_for(user: object) -> list[NavItem]:
    role = str(getattr(user, "role", "") or "")
    return [NavItem(e.label, e.url_name, str(i)) for i, e in enumerate(_for(role), start=1)]
