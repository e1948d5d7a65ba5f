"""The page form of any action of any machine, built from the action's input schema (the same
pydantic model the service validates with and the API documents): one Django field per schema
field, by its kind; labels, hints and which fields are required come from it.

A page form only renders and translates posted strings (a checkbox, "yes"/"no", a date); the
rules stay in the schema and the handlers, whose per-field errors are put back beside the
fields. A domain subclasses it for fields whose choices come from its database (by name in
`field_choices`) and for where its files go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django import forms
from django.core.files import File

from qitong.core.forms import MultipleFileField, ServiceForm
from qitong.workflow.inputs import Widget, widgets
from qitong.workflow.machine import Transition


class IdsField(forms.Field):
    """Ids posted under one name (checkboxes filled in later, e.g. knowledge suggestions);
    which ids are acceptable is the service's to say."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in (value or []) if str(v).strip()]


class SchemaForm(ServiceForm):
    """One action's fields; the prefix (the action's name) keeps ids unique when every
    allowed action's form is on the same page."""

    # Fields whose choices or widget the page takes from the database, by field name.
    field_choices: ClassVar[dict[str, Callable[[Any, Widget], forms.Field]]] = {}
    # The two answers of a required yes/no, by action (default 是/否).
    yes_no: ClassVar[Mapping[str, tuple[tuple[str, str], ...]]] = {}
    # Actions whose form takes files (besides those whose files are public), and their field.
    file_actions: ClassVar[frozenset[str]] = frozenset()
    files_field: ClassVar[str] = "attachments"
    files_label: ClassVar[str] = "附件"

    def __init__(self, *args: Any, transition: Transition, version: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", transition.name)
        self.action = transition.name
        self.transition = transition
        self.schema = widgets(transition.input)
        self.required_fields = tuple(n for n, w in self.schema.items() if w.required)
        super().__init__(*args, **kwargs)
        for name, widget in self.schema.items():
            self.fields[name] = self.field_for(name, widget)
            if widget.required:
                self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].required = False
        if self.has_files:
            self.fields[self.files_field] = MultipleFileField(label=self.files_label)
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput(), required=False)
        self.initial.setdefault("version", version)

    # --- fields by kind ---------------------------------------------------------------------
    def field_for(self, name: str, widget: Widget) -> forms.Field:
        special = self.field_choices.get(name)
        if special is not None:
            return special(self, widget)
        help_text = widget.hint
        if widget.kind == "textarea":
            area = forms.Textarea(attrs={"rows": widget.rows})
            return forms.CharField(label=widget.label, widget=area, help_text=help_text)
        if widget.kind == "number":
            number = forms.NumberInput(attrs={"inputmode": "numeric"})
            return forms.CharField(label=widget.label, widget=number, help_text=help_text)
        if widget.kind == "date":
            day = forms.DateInput(attrs={"type": "date"})
            return forms.CharField(label=widget.label, widget=day, help_text=help_text)
        if widget.kind == "choice":
            if widget.required:
                return forms.ChoiceField(
                    label=widget.label,
                    choices=list(widget.choices),
                    widget=forms.RadioSelect(),
                    help_text=help_text,
                )
            return forms.ChoiceField(
                label=widget.label, choices=[("", "不限"), *widget.choices], help_text=help_text
            )
        if widget.kind == "flag":
            if widget.required:
                pairs = self.yes_no.get(self.action, (("yes", "是"), ("no", "否")))
                return forms.ChoiceField(
                    label=widget.label, choices=list(pairs), widget=forms.RadioSelect()
                )
            return forms.BooleanField(label=widget.label, help_text=help_text)
        if widget.kind == "refs":
            return IdsField(label=widget.label, help_text=help_text)
        return forms.CharField(label=widget.label, help_text=help_text)

    # --- what templates read ----------------------------------------------------------------
    @property
    def has_fields(self) -> bool:
        return bool(self.visible_fields())

    @property
    def has_files(self) -> bool:
        return self.transition.public_files or self.action in self.file_actions

    @property
    def label(self) -> str:
        return self.transition.label

    @property
    def hint(self) -> str:
        return self.transition.input.hint

    @property
    def primary(self) -> bool:
        """The step that moves the subject forward (shown as the main button)."""
        return self.transition.primary

    @property
    def danger(self) -> bool:
        return self.transition.danger

    @property
    def errors_id(self) -> str:
        return f"{self.action}-errors"

    # --- to the service ---------------------------------------------------------------------
    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, widget in self.schema.items():
            value = self.cleaned_data.get(name)
            if widget.kind == "flag":
                if widget.required:
                    value = {"yes": True, "no": False}.get(str(value or ""), value)
                if value in ("", None):
                    continue
            elif widget.kind == "refs":
                value = list(value or [])
            elif value in (None, ""):
                continue
            data[name] = value
        return data

    def uploads(self) -> list[File[Any]]:
        if not self.has_files or not self.files:
            return []
        return list(self.files.getlist(self.add_prefix(self.files_field)))
