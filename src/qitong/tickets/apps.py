from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "qitong.tickets"
    label = "tickets"
    verbose_name = "工单"
