"""Uniqueness of the hash as a constraint (no unused pattern index on PostgreSQL).

SQLite rebuilds the table for these operations, and dropping the old table drops its
triggers: the append-only triggers are re-created at the end (PostgreSQL keeps them).
"""

import importlib

from django.db import migrations, models

_triggers = importlib.import_module("qitong.ledger.migrations.0002_append_only_triggers")


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _triggers.SQLITE_DOWN + _triggers.SQLITE_UP:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only_triggers")]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="hash",
            field=models.CharField(max_length=64, verbose_name="哈希"),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("hash",), name="ledger_event_hash_unique"),
        ),
        migrations.RunPython(recreate_sqlite_triggers, recreate_sqlite_triggers),
    ]
