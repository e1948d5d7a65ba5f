"""The quarter a round assesses (`2026Q3`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

QUARTER_RE = re.compile(r"^(20\d{2})Q([1-4])$")
NUMERALS = "一二三四"


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{NUMERALS[self.number - 1]}季度"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __str__(self) -> str:
        return self.key


def parse_quarter(raw: object) -> Quarter:
    """`2026Q3` → Quarter; ValueError with a message a person can act on."""
    text = str(raw or "").strip().upper()
    found = QUARTER_RE.match(text)
    if not found:
        raise ValueError("考核期间应为“年份Q季度”，如 2026Q3")
    return Quarter(int(found.group(1)), int(found.group(2)))


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)
