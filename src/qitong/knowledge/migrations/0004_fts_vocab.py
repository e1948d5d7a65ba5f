"""SQLite: an fts5vocab view of the FTS5 index, giving each term's document frequency, so a
query's words in a large share of articles are left out of the match (docs/decisions/0004)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE knowledge_fts_vocab USING fts5vocab(knowledge_fts, 'row')"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS knowledge_fts_vocab")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_search_head")]

    operations = [migrations.RunPython(forward, backward)]
