"""Excel export of a ticket list, in constant memory: rows are read with a server-side
cursor in chunks (values only, no model objects) and written by openpyxl's write-only
workbook, which streams each row to a temporary file; the finished file is then streamed to
the browser. A million rows take the same memory as a thousand (bench/export.py measures it).

Who exported which list, and how many rows, is written to the ledger (on the exporting
user's chain): an export takes records out of the system.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from qitong.accounts.actor import Actor
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.services import ledger_record, subject_key
from qitong.tickets.models import Ticket
from qitong.tickets.states import Channel, Satisfaction, TicketState, TicketType, Urgency

CHUNK = 2000
COLUMNS: list[tuple[str, str, int]] = [  # (label, value path, width)
    ("工单编号", "number", 20),
    ("登记时间", "created_at", 17),
    ("诉求类型", "type", 9),
    ("诉求分类", "category__name", 14),
    ("紧急程度", "urgency", 9),
    ("来源渠道", "channel", 10),
    ("标题", "title", 36),
    ("企业", "enterprise__name", 30),
    ("统一社会信用代码", "enterprise__credit_code", 21),
    ("区划代码", "region_code", 9),
    ("受理专席", "desk__name", 22),
    ("主办单位", "lead_department__name", 26),
    ("状态", "state", 10),
    ("当前时限", "due_at", 17),
    ("首次派单", "dispatched_at", 17),
    ("按时签收", "signed_on_time", 9),
    ("答复时间", "replied_at", 17),
    ("按时答复", "replied_on_time", 9),
    ("延期工作日", "extension_days", 10),
    ("重办次数", "redo_count", 9),
    ("回访是否解决", "resolved", 12),
    ("满意度", "satisfaction", 11),
    ("办结时间", "closed_at", 17),
]
_LABELS: dict[str, dict[Any, str]] = {
    "type": dict(TicketType.choices),
    "urgency": dict(Urgency.choices),
    "channel": dict(Channel.choices),
    "state": dict(TicketState.choices),
    "satisfaction": dict(Satisfaction.choices),
}
_HIDDEN = {"enterprise__name": "（保密工单）", "enterprise__credit_code": ""}


def _shown(path: str, value: Any) -> Any:
    if value is None:
        return ""
    if path in _LABELS:
        return _LABELS[path].get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value


def _rows(qs: QuerySet[Ticket], actor: Actor) -> Iterator[list[Any]]:
    paths = [path for _, path, _ in COLUMNS]
    masks = actor.role in DEPARTMENT_ROLES  # a confidential ticket hides its enterprise
    for values in qs.values_list(*paths, "confidential").iterator(chunk_size=CHUNK):
        confidential = values[-1]
        yield [
            _HIDDEN[path] if masks and confidential and path in _HIDDEN else _shown(path, value)
            for path, value in zip(paths, values[:-1], strict=True)
        ]


def write_xlsx(qs: QuerySet[Ticket], actor: Actor, out: IO[bytes], *, title: str) -> int:
    """Write the list to `out` as one sheet (a title line, the header, the rows); returns the
    number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    for i, (_, _, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A3"
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True)
    sheet.append([heading])
    header = []
    for label, _, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    date_style = "yyyy-mm-dd hh:mm"
    for row in _rows(qs, actor):
        cells: list[Any] = []
        for value in row:
            if isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = date_style
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def export_tickets(
    qs: QuerySet[Ticket], *, user: User, actor: Actor, title: str, filters: dict[str, Any]
) -> tuple[IO[bytes], int]:
    """The list as an .xlsx in a temporary file (positioned at its start) and its row count;
    the export is ledgered once the file is complete."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    count = write_xlsx(qs, actor, out, title=title)
    out.seek(0)
    subject_type, subject_id = subject_key(user)
    with transaction.atomic():
        ledger_record(
            subject_type=subject_type,
            subject_id=subject_id,
            action="tickets_export",
            actor=user,
            payload={"filters": filters, "rows": count, "title": title},
        )
    return out, count
