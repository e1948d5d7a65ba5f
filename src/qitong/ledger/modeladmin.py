"""The admin base for reference data of every app: every save is ledgered, nothing is deleted.

Django's admin runs `save_model`, `save_related` (many-to-many fields and inlines) and the
rest of a change form inside one `transaction.atomic()`, so the ledger event written at the
end of `save_related` commits or rolls back with the change itself (STYLE habit 1). The
"before" state is read from the database in `save_model`, before the object is saved, because
by then the form has already copied the submitted values onto the instance.

Reference data is never deleted (tickets and history refer to it); rows are deactivated via
their `active` flag instead, also ledgered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from qitong.ledger.services import ledger_record_change, snapshot

if TYPE_CHECKING:
    from qitong.accounts.models import User

_BEFORE_ATTR = "_qitong_ledger_before"


def request_actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated else None


def m2m_snapshot(obj: models.Model, names: tuple[str, ...]) -> dict[str, list[int]]:
    """Sorted primary keys of each named many-to-many field, as stored in the database."""
    return {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in names}


def formset_changes(formsets: list[BaseModelFormSet[Any, Any]]) -> dict[str, dict[str, list[str]]]:
    """What the inlines added, changed and deleted (call after the formsets were saved)."""
    related: dict[str, dict[str, list[str]]] = {}
    for formset in formsets:
        entry = {
            "added": [str(o) for o in formset.new_objects],
            "changed": [f"{o}（{'、'.join(fields)}）" for o, fields in formset.changed_objects],
            "deleted": [str(o) for o in formset.deleted_objects],
        }
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            related[formset.prefix or "inline"] = entry
    return related


class LedgeredModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose saves write one ledger event (create / change / (de)activate).

    Subclasses name their many-to-many fields in `ledger_m2m_fields` so that a change of, say,
    a specialist's policy domains is recorded too. No deletion: `has_delete_permission` is
    always false (deactivate via `active` where the model has it).
    """

    ledger_m2m_fields: tuple[str, ...] = ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def ledger_action(self, obj: models.Model, verb: str) -> str:
        return f"{obj._meta.model_name}_{verb}"

    def ledger_before(self, obj: models.Model) -> dict[str, Any]:
        """The stored state of `obj` (locked for the rest of the admin's transaction)."""
        stored = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        return {"fields": snapshot(stored), "m2m": m2m_snapshot(stored, self.ledger_m2m_fields)}

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        setattr(form, _BEFORE_ATTR, self.ledger_before(obj) if change and obj.pk else None)
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form, _BEFORE_ATTR, None)
        self.ledger_save(request, form.instance, before, formset_changes(list(formsets)))

    def ledger_save(
        self,
        request: HttpRequest,
        obj: models.Model,
        before: dict[str, Any] | None,
        related: dict[str, Any],
    ) -> None:
        """Write the event for one admin save; nothing is written when nothing changed."""
        extra: dict[str, Any] = {"source": "admin"}
        if related:
            extra["related"] = related
        after_m2m = m2m_snapshot(obj, self.ledger_m2m_fields)
        if before is None:
            if after_m2m:
                extra["m2m"] = after_m2m
            ledger_record_change(
                obj=obj,
                action=self.ledger_action(obj, "create"),
                actor=request_actor(request),
                extra=extra,
            )
            return
        m2m_changes = {
            k: [before["m2m"].get(k), v] for k, v in after_m2m.items() if before["m2m"].get(k) != v
        }
        if m2m_changes:
            extra["m2m"] = m2m_changes
        fields_before, fields_after = before["fields"], snapshot(obj)
        if fields_before == fields_after and not m2m_changes and not related:
            return
        verb = "change"
        if fields_before.get("active") is True and fields_after.get("active") is False:
            verb = "deactivate"
        elif fields_before.get("active") is False and fields_after.get("active") is True:
            verb = "activate"
        ledger_record_change(
            obj=obj,
            action=self.ledger_action(obj, verb),
            actor=request_actor(request),
            before=fields_before,
            extra=extra,
        )


class ActivatableModelAdmin(LedgeredModelAdmin):
    """Reference data with an `active` flag: bulk (de)activation instead of deletion."""

    actions = ["deactivate_selected", "activate_selected"]

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Any], value: bool) -> int:
        verb = "activate" if value else "deactivate"
        count = 0
        with transaction.atomic():
            for obj in queryset.select_for_update().filter(active=not value).order_by("pk"):
                before = snapshot(obj)
                obj.active = value
                obj.save(update_fields=["active"])
                ledger_record_change(
                    obj=obj,
                    action=self.ledger_action(obj, verb),
                    actor=request_actor(request),
                    before=before,
                    extra={"source": "admin"},
                )
                count += 1
        return count

    @admin.action(description="停用所选%(verbose_name_plural)s", permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = self._set_active(request, queryset, False)
        self.message_user(request, f"已停用 {count} 条记录。", messages.SUCCESS)

    @admin.action(description="启用所选%(verbose_name_plural)s", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = self._set_active(request, queryset, True)
        self.message_user(request, f"已启用 {count} 条记录。", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows written only by the services (each change on the ledger): shown, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
