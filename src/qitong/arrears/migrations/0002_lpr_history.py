"""The one-year LPR since 2019 (arrears.rules.LPR_HISTORY), editable afterwards."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

from qitong.arrears.rules import LPR_HISTORY


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    rates = apps.get_model("arrears", "LoanPrimeRate")
    for day, rate in LPR_HISTORY:
        rates.objects.get_or_create(
            effective_on=dt.date.fromisoformat(day), defaults={"one_year": Decimal(rate)}
        )


class Migration(migrations.Migration):
    dependencies = [("arrears", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
