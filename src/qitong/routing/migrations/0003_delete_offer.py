from django.db import migrations


class Migration(migrations.Migration):
    """Offer moved to tickets (tickets 0007, same table): drop it from this app's state only."""

    dependencies = [
        ('routing', '0002_default_steps'),
        ('tickets', '0007_gap_offer'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Offer')],
        ),
    ]
