from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "qitong.ledger"
    label = "ledger"
    verbose_name = "电子台账"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qitong.jobs.services import Every, periodic_register

        post_migrate.connect(_append_only, dispatch_uid="qitong-ledger-append-only")

        periodic_register(
            Every(
                "qitong-ledger-checkpoint",
                "qitong.ledger.checkpoints.checkpoint_due",
                300,
                "台账签名检查点（每小时锚定各链链头）",
            )
        )


# Django rebuilds a SQLite table to alter most of its columns, which drops the table's
# triggers: after every migrate the ledger's append-only triggers are put back if missing
# (the same statements as migration 0002; PostgreSQL keeps its triggers through ALTER TABLE).
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER IF NOT EXISTS ledger_event_no_update BEFORE UPDATE ON ledger_event
       BEGIN SELECT RAISE(ABORT, 'ledger_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_event_no_delete BEFORE DELETE ON ledger_event
       BEGIN SELECT RAISE(ABORT, 'ledger_event is append-only: DELETE refused'); END""",
]


def _append_only(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    if sender.label != "ledger":
        return
    from django.db import connections

    conn = connections[using]
    if conn.vendor == "sqlite" and "ledger_event" in conn.introspection.table_names():
        with conn.cursor() as cursor:
            for sql in SQLITE_APPEND_ONLY:
                cursor.execute(sql)
