"""Numbered pages of a list (the desk and department queues, the dashboards)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.http import HttpRequest

from qitong.core.bounds import whole_number

PAGE_SIZE = 25


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def page_number(request: HttpRequest) -> int:
    # Bounded: a page beyond the last shows the last (pager); a huge one must not overflow.
    return max(whole_number(request.GET.get("page", "1"), 1_000_000) or 1, 1)


def pager(page: int, total: int, size: int = PAGE_SIZE) -> Pager:
    return Pager(page=page, pages=max(math.ceil(total / size), 1), total=total, size=size)
