from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "qitong.routing"
    label = "routing"
    verbose_name = "政策专员分派"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.routing.navigation import ROUTING_NAVIGATION

        navigation.register_app(ROUTING_NAVIGATION)
