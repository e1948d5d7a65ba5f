from django.urls import path

from qitong.tickets import downloads
from qitong.tickets.views import desk, detail, lists

app_name = "tickets"

urlpatterns = [
    path("", lists.ticket_list, name="list"),
    path("export.xlsx", lists.ticket_export, name="export"),
    path("bulk/", lists.bulk_act, name="bulk"),
    path("new/", desk.intake, name="new"),
    path("enterprises/new/", desk.enterprise_new, name="enterprise_new"),
    # Queues with a navigation shortcut have their own names (NavItem reverses without args).
    path("queues/warning/", desk.queue, {"key": "warning"}, name="queue_warning"),
    path("queues/requests/", desk.queue, {"key": "requests"}, name="queue_requests"),
    path("queues/<slug:key>/", desk.queue, name="queue"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", detail.act, name="act"),
    path("<int:pk>/pairing/", detail.pairing, name="pairing"),
    path("<int:pk>/phone/", detail.reveal_phone, name="reveal_phone"),
    path("<int:pk>/print/", detail.print_sheet, name="print"),
    path(
        "<int:pk>/suggestions/<slug:action>/",
        detail.answer_suggestions,
        name="answer_suggestions",
    ),
    path(
        "<int:ticket_id>/attachments/<int:attachment_id>/",
        downloads.attachment_download,
        name="attachment",
    ),
]
