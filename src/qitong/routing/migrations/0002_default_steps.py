from django.db import migrations

from qitong.routing.defaults import DEFAULT_STEPS


def seed(apps, schema_editor):
    step = apps.get_model("routing", "RoutingStep")
    for position, kind, minutes in DEFAULT_STEPS:
        step.objects.get_or_create(
            kind=kind, defaults={"position": position, "timeout_minutes": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
