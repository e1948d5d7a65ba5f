from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qitong.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from qitong.jobs.services import Outbox, outbox_register

        outbox_register(
            Outbox(
                name="sms",
                pending="qitong.notifications.tasks.sms_due",
                func="qitong.notifications.tasks.deliver_due",
            )
        )
