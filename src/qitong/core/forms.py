"""The base of page forms that front a service. They render fields and turn posted strings into what the services
take; the rules (what is required, what is valid) stay in the services, whose per-field errors
are put back beside the fields (`apply_errors`). So a page and the API always agree.

Fields are `required=False` on purpose: a Django "required" check would be a second rule with
its own wording. `aria-required` marks what the service will insist on, for people and CSS.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django import forms

from qitong.core.errors import DomainError
from qitong.core.uploads import ALLOWED, MAX_BYTES, MAX_FILES

ATTACHMENT_HELP = (
    f"PDF、图片（JPG/PNG/GIF/WEBP）或 Office 文档，单个不超过 {MAX_BYTES // 1024 // 1024} MB，"
    f"最多 {MAX_FILES} 个"
)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True  # <input multiple>: several files in one pick


class MultipleFileField(forms.FileField):
    """Several files under one name; checked by core.uploads (in the service), not here."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", ATTACHMENT_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ",".join(sorted(ALLOWED)))

    def clean(self, data: Any, initial: Any = None) -> Any:
        return data


class ServiceForm(forms.Form):
    """Base: marks the fields the service requires and maps service errors onto fields."""

    required_fields: tuple[str, ...] = ()
    # service field name → form field name, where they differ
    error_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name in self.required_fields:
                field.widget.attrs["aria-required"] = "true"

    def apply_errors(self, exc: DomainError) -> None:
        """Put a service error beside its field (`assisting.0` → `assisting`); an error that
        names no field of this form goes above the form."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if not exc.fields:
            self.add_error(None, exc.message)
            return
        for name, message in exc.fields.items():
            field = self.error_fields.get(name, name.split(".")[0])
            shown = field in self.fields and not self.fields[field].widget.is_hidden
            self.add_error(field if shown else None, self._wording(field, message))

    def _wording(self, field: str, message: str) -> str:
        """A select left empty reads "请选择…" on a page (the service names the code it got,
        which suits an API client better than a person)."""
        widget = self.fields[field].widget if field in self.fields else None
        if not isinstance(widget, forms.Select | forms.RadioSelect):
            return message
        if self.data.get(self.add_prefix(field)) in (None, ""):
            return f"请选择{self.fields[field].label}"
        return message

    def text(self, name: str) -> str:
        return str(self.cleaned_data.get(name) or "").strip()


def select_widget(choices: list[Any], **attrs: Any) -> forms.Select:
    return forms.Select(choices=choices, attrs=attrs)
