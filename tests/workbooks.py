"""Reading and writing small .xlsx files in tests (the Excel import/export tests share them)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook


def sheet(data: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
