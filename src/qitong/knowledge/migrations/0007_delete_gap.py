from django.db import migrations


class Migration(migrations.Migration):
    """Gap moved to tickets (tickets 0007, same table): drop it from this app's state only."""

    dependencies = [
        ('knowledge', '0006_article_files'),
        ('tickets', '0007_gap_offer'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Gap')],
        ),
    ]
