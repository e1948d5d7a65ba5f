from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qitong.notifications"
    label = "notifications"
    verbose_name = "通知"
