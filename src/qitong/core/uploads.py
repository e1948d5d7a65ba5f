"""Uploaded files (ticket attachments, article files, evidence of every domain): checked
before anything is written, stored under generated names.

The original file name is only ever displayed (never used as a path). The type is decided by
the extension AND the file's first bytes, so a renamed executable is refused. Each stored file's
SHA-256 goes into the ledger payload of the action that brought it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
import uuid
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from qitong.core.errors import ValidationFailed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc/xls/ppt)
ZIP = b"PK\x03\x04"  # Office Open XML (docx/xlsx/pptx)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (OLE,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
}
ALLOWED_LABEL = "PDF、图片（JPG/PNG/GIF/WEBP）或 Office 文档（Word/Excel/PowerPoint）"


@dataclass(frozen=True)
class CheckedFile:
    file: File[Any]
    display_name: str
    extension: str
    content_type: str
    size: int


def _display_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip() or "附件"
    return "".join(ch for ch in base if ch.isprintable())[:200]


def check_uploads(files: list[File[Any]], field: str = "attachments") -> list[CheckedFile]:
    """Validate every file; ValidationFailed names the field and the offending file."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(fields={field: f"一次最多上传 {MAX_FILES} 个附件"})
    checked = []
    for f in files:
        name = _display_name(f.name or "")
        ext = os.path.splitext(name)[1].lower()
        size = f.size or 0
        if ext not in ALLOWED:
            raise ValidationFailed(fields={field: f"“{name}”的类型不支持，请上传 {ALLOWED_LABEL}"})
        if size == 0:
            raise ValidationFailed(fields={field: f"“{name}”是空文件"})
        if size > MAX_BYTES:
            raise ValidationFailed(fields={field: f"“{name}”超过 {MAX_BYTES // 1024 // 1024} MB"})
        f.seek(0)
        head = f.read(16)
        f.seek(0)
        content_type, magics = ALLOWED[ext]
        if not any(head.startswith(m) for m in magics):
            raise ValidationFailed(fields={field: f"“{name}”的内容与扩展名不符，请确认文件未损坏"})
        if ZIP in magics:
            problem = _zip_problem(f)
            if problem:
                raise ValidationFailed(fields={field: f"“{name}”{problem}"})
        checked.append(CheckedFile(f, name, ext, content_type, size))
    return checked


# An Office Open XML file is a zip: what it declares it unpacks to is checked before it is
# stored (a 1 MiB .docx unpacking to 1 GiB was accepted), from the central directory alone.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ENTRIES = 2000


def _zip_problem(f: File[Any]) -> str:
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "已损坏，无法作为 Office 文档打开"
    finally:
        f.seek(0)
    if len(entries) > MAX_ENTRIES:
        return f"包含的部件过多（{len(entries)} 个，最多 {MAX_ENTRIES} 个），不像正常的 Office 文档"
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED:
        return (
            f"解压后达 {unpacked // 1024 // 1024} MB（最多 {MAX_UNPACKED // 1024 // 1024} MB），"
            "不像正常的 Office 文档"
        )
    return ""


def decode_base64_uploads(items: object, field: str = "attachments") -> list[File[Any]]:
    """API attachments: [{"name": "营业执照.pdf", "content_base64": "..."}]."""
    files: list[File[Any]] = []
    if items in (None, ""):
        return files
    if not isinstance(items, list):
        raise ValidationFailed(fields={field: "附件应为列表：[{name, content_base64}, ...]"})
    if len(items) > MAX_FILES:
        raise ValidationFailed(fields={field: f"一次最多上传 {MAX_FILES} 个附件"})
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("content_base64"), str)
            or not item["name"]
            or not item["content_base64"]
        ):
            raise ValidationFailed(fields={f"{field}.{i}": "附件应包含 name 和 content_base64"})
        if len(item["content_base64"]) > (MAX_BYTES + 2) // 3 * 4 + 4:  # decoded > MAX_BYTES
            raise ValidationFailed(
                fields={f"{field}.{i}": f"“{item['name']}”超过 {MAX_BYTES // 1024 // 1024} MB"}
            )
        try:
            raw = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                fields={f"{field}.{i}": "content_base64 不是有效的 Base64"}
            ) from None
        files.append(ContentFile(raw, name=str(item["name"])))
    return files


def save_checked(
    checked: CheckedFile, *, folder: str, user: AbstractBaseUser, now: dt.datetime
) -> dict[str, Any]:
    """Write a checked file under a generated name in `folder`/yyyy/mm and return the fields
    of a `core.models.StoredFile` row (plus `file`) for it."""
    digest = hashlib.sha256()
    for chunk in checked.file.chunks():
        digest.update(chunk)
    checked.file.seek(0)
    path = f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}{checked.extension}"
    return {
        "file": default_storage.save(path, checked.file),
        "original_name": checked.display_name,
        "content_type": checked.content_type,
        "size": checked.size,
        "sha256": digest.hexdigest(),
        "uploaded_by": user,
        "uploaded_at": now,
    }
