from django.apps import AppConfig


class ReformsConfig(AppConfig):
    name = "qitong.reforms"
    label = "reforms"
    verbose_name = "改革任务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.jobs.services import Every, periodic_register
        from qitong.reforms import services  # noqa: F401 # the handlers register themselves
        from qitong.reforms.navigation import REFORM_NAVIGATION

        navigation.register_app(REFORM_NAVIGATION)

        periodic_register(
            Every(
                name="reforms.warnings",
                func="qitong.reforms.tasks.warnings_sweep",
                seconds=3600,
                purpose="改革任务预警：按序时进度、临近完成时限和缺报，预警只发一次",
            )
        )
