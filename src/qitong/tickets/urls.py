from django.urls import path

from qitong.tickets import downloads

app_name = "tickets"

urlpatterns = [
    path(
        "<int:ticket_id>/attachments/<int:attachment_id>/",
        downloads.attachment_download,
        name="attachment",
    ),
]
