from django.contrib import admin

from qitong.core.privacy import mask_phone
from qitong.ledger.modeladmin import ReadOnlyAdmin
from qitong.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was told to whom and whether its SMS went out (phones masked): for following up a
    gateway's failures. Written only by the services."""

    list_display = (
        "created_at",
        "kind",
        "user",
        "masked_phone",
        "sms_sent_at",
        "sms_due_at",
        "sms_attempts",
        "sms_error",
    )
    list_filter = ("kind", ("sms_sent_at", admin.EmptyFieldListFilter), "sms_attempts")
    search_fields = ("subject_id", "text", "sms_error")
    exclude = ("phone",)
    readonly_fields = ("masked_phone",)
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    @admin.display(description="短信号码")
    def masked_phone(self, obj: Notification) -> str:
        return mask_phone(obj.phone)
