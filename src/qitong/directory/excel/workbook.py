"""Reading and writing the .xlsx files of the directory's Excel import/export.

Export uses openpyxl's write-only mode (rows stream out; large directories stay cheap). Import
checks the upload before openpyxl touches it: size, the .xlsx extension, that it is a zip
holding a workbook, and that it does not inflate past a limit (a "zip bomb"). The uploaded
file's name is only looked at for its extension; it is never used as a path.

Problems are reported in the form people fix spreadsheets by: "第 N 行 列名：问题", where N is
the row number Excel shows (the header is row 1).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qitong.core.errors import ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_ROW = 1
TRUE_WORDS = frozenset({"是", "1", "true", "y", "yes"})
FALSE_WORDS = frozenset({"否", "0", "false", "n", "no"})


@dataclass(frozen=True)
class Column:
    """One sheet column. `info_only` columns are exported for reading and ignored on import;
    `optional` columns are imported when the file has them (older files may not)."""

    header: str
    key: str
    width: int = 14
    info_only: bool = False
    optional: bool = False


class ExcelImportFailed(ValidationFailed):
    """The file was refused; `problems` lists every problem found. Nothing was changed."""

    code = "excel_invalid"
    default_message = "导入失败，文件未作任何修改，请按提示改正后重新导入"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__()
        self.problems = list(problems)


@dataclass
class Problems:
    """Collects "第 N 行 列名：问题" lines while a file is validated; reported in row order."""

    found: list[tuple[int, str]] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.found.append((row, f"第 {row} 行 {column}：{message}"))

    @property
    def lines(self) -> list[str]:
        return [text for _, text in sorted(self.found, key=lambda item: item[0])]

    def raise_if_any(self) -> None:
        if self.found:
            raise ExcelImportFailed(self.lines)


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"新增 {self.created} 条，更新 {self.updated} 条，未变 {self.unchanged} 条"


def yes_no(value: bool) -> str:
    return "是" if value else "否"


def parse_bool(text: str, default: bool) -> bool | None:
    """是/否 (also 1/0, true/false); blank gives the default; None means not understood."""
    word = text.strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def ledger_verb(before: dict[str, Any], after: dict[str, Any]) -> str:
    """change, or (de)activate when that is what the change did to the `active` flag."""
    if before.get("active") is True and after.get("active") is False:
        return "deactivate"
    if before.get("active") is False and after.get("active") is True:
        return "activate"
    return "change"


# --- export -----------------------------------------------------------------------------------


def _text_cell(ws: Any, value: Any, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # openpyxl would store "=..." as a formula; an exported name must stay text.
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def build_workbook(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook (write-only mode) with a bold, frozen header row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_text_cell(ws, column.header, bold) for column in columns])
    for row in rows:
        ws.append([_text_cell(ws, value) for value in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_filename(stem: str, today: dt.date) -> str:
    return f"{stem}_{today:%Y%m%d}.xlsx"


# --- import -----------------------------------------------------------------------------------


def check_upload(name: str, size: int) -> None:
    """Refuse by name and size before reading a byte (the name is used for nothing else)."""
    if not name.lower().endswith(".xlsx"):
        raise ExcelImportFailed(["只支持 .xlsx 格式的 Excel 文件（可先导出一份作为模板）"])
    if size > MAX_UPLOAD_BYTES:
        raise ExcelImportFailed([f"文件过大：上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"])
    if size == 0:
        raise ExcelImportFailed(["文件是空的"])


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()  # a date cell (Excel stores dates as midnight)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _open_sheet(data: bytes) -> Any:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExcelImportFailed([f"文件过大：上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"])
    not_xlsx = ExcelImportFailed(["文件不是有效的 Excel（.xlsx）文件"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if "xl/workbook.xml" not in {info.filename for info in infos}:
                raise not_xlsx
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
                raise ExcelImportFailed(["文件解压后过大，请拆分后分批导入"])
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ExcelImportFailed:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean the same
        raise not_xlsx from exc
    return workbook.worksheets[0]


def read_rows(data: bytes, columns: Sequence[Column]) -> list[tuple[int, dict[str, str]]]:
    """(Excel row number, {column key: text}) for each non-empty data row.

    Columns are found by their header text, so their order does not matter; every column that
    is neither `info_only` nor `optional` must be present (an absent optional column has no
    key in the rows). Rows that are entirely empty are skipped.
    """
    sheet = _open_sheet(data)
    rows = sheet.iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(rows, ())]
    problems = Problems()
    positions: dict[str, int] = {}
    for column in columns:
        if column.header in header:
            positions[column.key] = header.index(column.header)
        elif not (column.info_only or column.optional):
            problems.add(HEADER_ROW, column.header, "缺少此列（请使用导出的文件作为模板）")
    problems.raise_if_any()
    result: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        if len(result) >= MAX_ROWS:
            raise ExcelImportFailed([f"数据行超过 {MAX_ROWS} 行，请拆分后分批导入"])
        result.append(
            (number, {key: texts[i] if i < len(texts) else "" for key, i in positions.items()})
        )
    if not result:
        raise ExcelImportFailed(["文件中没有数据行"])
    return result
