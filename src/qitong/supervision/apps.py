from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "qitong.supervision"
    label = "supervision"
    verbose_name = "督查问题"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.jobs.services import Every, periodic_register
        from qitong.supervision import accountability, promotion, services  # noqa: F401 # handlers register
        from qitong.supervision.navigation import SUPERVISION_NAVIGATION

        navigation.register_app(SUPERVISION_NAVIGATION)
        periodic_register(
            Every(
                name="supervision.sweep",
                func="qitong.supervision.tasks.problems_sweep",
                seconds=3600,
                purpose="督查问题：整改时限前预警、逾期自动督办，每个时限只一次",
            )
        )
