"""Django's `createsuperuser`, with the new administrator recorded on the ledger (an account
made from the command line is as accountable as one made in the admin)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands import createsuperuser

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.ledger.services import ledger_record


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
            if user.role != Role.ADMIN:
                User.objects.filter(pk=user.pk).update(role=Role.ADMIN)
            ledger_record(
                subject_type="accounts.user",
                subject_id=user.pk,
                action="user_create",
                actor=None,
                payload={
                    "username": user.username,
                    "role": Role.ADMIN,
                    "source": "createsuperuser",
                },
            )
