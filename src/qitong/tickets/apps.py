from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "qitong.tickets"
    label = "tickets"
    verbose_name = "工单"

    def ready(self) -> None:
        from qitong.tickets.deadlines import POLICY_CACHE
        from qitong.tickets.models import SlaPolicy

        POLICY_CACHE.invalidated_by(SlaPolicy)
