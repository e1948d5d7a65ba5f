"""Excel import/export of departments and specialists (openpyxl).

Export is write-only mode; import validates every row, reports "第 N 行 列名：问题" for each
problem, and applies all rows in one transaction (or none), ledgering each change.
"""

from qitong.directory.excel.departments import export_departments, import_departments
from qitong.directory.excel.specialists import export_specialists, import_specialists
from qitong.directory.excel.workbook import (
    MAX_UPLOAD_BYTES,
    XLSX_CONTENT_TYPE,
    ExcelImportFailed,
    ImportResult,
    check_upload,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "XLSX_CONTENT_TYPE",
    "ExcelImportFailed",
    "ImportResult",
    "check_upload",
    "export_departments",
    "export_specialists",
    "import_departments",
    "import_specialists",
]
