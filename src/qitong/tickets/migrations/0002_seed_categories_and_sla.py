"""Seed the default category tree and the published SLA norms (both editable afterwards).

Imports the shipped defaults from the app; they are reference data, and this migration only
creates rows that do not exist yet.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from qitong.tickets.categories import DEFAULT_CATEGORIES
    from qitong.tickets.deadlines import DEFAULT_POLICIES

    Category = apps.get_model("tickets", "Category")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for i, (code, name, children) in enumerate(DEFAULT_CATEGORIES):
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})
        for j, (child_code, child_name) in enumerate(children):
            Category.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent, "sort_order": j}
            )
    for (ticket_type, urgency, milestone), limit in DEFAULT_POLICIES.items():
        SlaPolicy.objects.get_or_create(
            ticket_type=ticket_type, urgency=urgency, milestone=milestone,
            defaults={"amount": limit.amount, "unit": limit.unit, "warn_ratio": limit.warn_ratio},
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
