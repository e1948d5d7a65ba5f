from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "qitong.tickets"
    label = "tickets"
    verbose_name = "工单"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.core.workdays import CALENDAR_LOADED_JOBS
        from qitong.jobs.services import Every, periodic_register
        from qitong.tickets.deadlines import POLICY_CACHE
        from qitong.tickets.models import Category, SlaPolicy
        from qitong.tickets.navigation import TICKET_NAVIGATION
        from qitong.tickets.selectors import CATEGORY_CACHE

        POLICY_CACHE.invalidated_by(SlaPolicy)
        CATEGORY_CACHE.invalidated_by(Category)
        if "qitong.tickets.tasks.recompute_deadlines" not in CALENDAR_LOADED_JOBS:
            CALENDAR_LOADED_JOBS.append("qitong.tickets.tasks.recompute_deadlines")
        periodic_register(
            Every("qitong-ticket-sweep", "qitong.tickets.tasks.sweep", 60, "工单时限催办与超期督办")
        )
        navigation.register_app(TICKET_NAVIGATION)
        post_migrate.connect(_search_index, dispatch_uid="qitong-ticket-search-index")
        post_migrate.connect(_rollup, dispatch_uid="qitong-ticket-rollup")


def _search_index(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """After any migrate: the SQLite word index's triggers are in place (tickets.search)."""
    if sender.label == "tickets":
        from qitong.tickets.search import sqlite_index_ensure

        sqlite_index_ensure(using)


def _rollup(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """After any migrate: tickets that exist are counted in the hotline rollup (a database
    migrated from before the rollup gets it built once, from the backfilled facts)."""
    if sender.label == "tickets":
        from qitong.tickets.rollup import rollup_ensure

        rollup_ensure(using)
