from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qitong.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from qitong.core.models import HolidayOverride
        from qitong.core.workdays import CALENDAR_CACHE

        CALENDAR_CACHE.invalidated_by(HolidayOverride)
