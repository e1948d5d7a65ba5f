from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qitong.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qitong.core.models import HolidayOverride
        from qitong.core.schedules import ensure_after_migrate
        from qitong.core.workdays import CALENDAR_CACHE

        CALENDAR_CACHE.invalidated_by(HolidayOverride)

        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="qitong-schedules")
