"""Seed the default category tree and the published SLA norms (both editable afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from qitong.tickets.categories import seed_defaults

    seed_defaults(apps.get_model("tickets", "Category"), apps.get_model("tickets", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
