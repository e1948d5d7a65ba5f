"""Upload checks (core.uploads): type by extension and first bytes, and zip-based Office
files by what they declare they unpack to."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile

from qitong.core.errors import ValidationFailed
from qitong.core.uploads import MAX_ENTRIES, check_uploads


def _docx(entries: dict[str, bytes]) -> ContentFile[bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return ContentFile(out.getvalue(), name="材料.docx")


def test_an_ordinary_docx_is_accepted() -> None:
    doc = _docx({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" * 100})
    (checked,) = check_uploads([doc])
    assert checked.extension == ".docx" and checked.size == doc.size


def test_a_zip_bomb_is_refused_before_it_is_stored() -> None:
    bomb = _docx({"word/document.xml": b"\0" * (201 * 1024 * 1024)})  # ~200 KB packed
    assert bomb.size < 1024 * 1024
    with pytest.raises(ValidationFailed) as refused:
        check_uploads([bomb])
    assert "解压后达 201 MB" in refused.value.fields["attachments"]


def test_too_many_entries_are_refused() -> None:
    many = _docx({f"word/part{i}.xml": b"x" for i in range(MAX_ENTRIES + 1)})
    with pytest.raises(ValidationFailed) as refused:
        check_uploads([many])
    assert "部件过多" in refused.value.fields["attachments"]


def test_a_broken_zip_named_docx_is_refused() -> None:
    broken = ContentFile(b"PK\x03\x04" + b"\x00" * 200, name="损坏.docx")
    with pytest.raises(ValidationFailed) as refused:
        check_uploads([broken])
    assert "已损坏" in refused.value.fields["attachments"]
