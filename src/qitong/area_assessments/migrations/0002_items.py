from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from qitong.area_assessments.defaults import items_ensure

    items_ensure(apps.get_model("area_assessments", "AssessmentType"))


class Migration(migrations.Migration):
    dependencies = [("area_assessments", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
