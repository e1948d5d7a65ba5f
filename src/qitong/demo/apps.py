from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo deployment (`qitong demo`); it has no models."""

    name = "qitong.demo"
    label = "demo"
    verbose_name = "演示数据"
