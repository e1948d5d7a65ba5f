"""Attachment download: scoped like the ticket; internal files never reach an enterprise."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.core.errors import NotFound
from qitong.tickets.selectors import ticket_get


@login_required
def attachment_download(request: HttpRequest, ticket_id: int, attachment_id: int) -> FileResponse:
    actor = actor_of(request.user)
    try:
        ticket = ticket_get(actor=actor, pk=ticket_id)
    except NotFound:
        raise Http404 from None
    qs = ticket.attachments.filter(pk=attachment_id)
    if actor.role == Role.ENTERPRISE:
        qs = qs.filter(internal=False)
    attachment = qs.first()
    if attachment is None:
        raise Http404
    return attachment.download()
