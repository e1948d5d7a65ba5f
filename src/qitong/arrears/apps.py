from django.apps import AppConfig


class ArrearsConfig(AppConfig):
    name = "qitong.arrears"
    label = "arrears"
    verbose_name = "清欠"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qitong.arrears import handlers, links  # noqa: F401 # handlers and linkers register
        from qitong.arrears.navigation import ARREARS_NAVIGATION
        from qitong.core import navigation
        from qitong.jobs.services import Every, periodic_register

        navigation.register_app(ARREARS_NAVIGATION)
        periodic_register(
            Every(
                name="arrears.sweep",
                func="qitong.arrears.tasks.claims_sweep",
                seconds=3600,
                purpose="清欠：投诉逾期未转交或未答复的发督办书，每个期限只一次",
            )
        )
