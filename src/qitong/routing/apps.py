from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "qitong.routing"
    label = "routing"
    verbose_name = "政策专员分派"
