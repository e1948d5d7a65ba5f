from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qitong.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qitong.core.schedules import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="qitong-schedules")
