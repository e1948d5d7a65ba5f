"""Page forms of the reforms actions (the shared schema form) and the grid's filters."""

from __future__ import annotations

from typing import Any

from django import forms

from qitong.workflow.forms import SchemaForm
from qitong.workflow.machine import Machine


class ReformActionForm(SchemaForm):
    """An action on a unit task, a measure, a report or a plan; reports bring evidence."""

    file_actions = frozenset({"report", "resubmit"})
    files_field = "files"
    files_label = "佐证材料"

    def __init__(
        self, *args: Any, machine: Machine[Any], action: str, subject: Any, **kwargs: Any
    ) -> None:
        self.subject = subject
        super().__init__(*args, transition=machine[action], version=subject.revision, **kwargs)
        if machine.name != "reforms.measure":
            self.fields.pop("for_tasks", None)  # only a measure's report counts for tasks
        if action == "resubmit":  # the returned report's figures, to be corrected
            for name in ("period", "progress", "done", "work_done", "problems", "next_steps"):
                self.initial.setdefault(name, getattr(subject, name))
            self.initial.setdefault("regress_reason", subject.regress_reason)


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="统计截至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD"},
    )
