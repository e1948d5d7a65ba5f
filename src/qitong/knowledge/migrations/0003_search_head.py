"""PostgreSQL: a second, small vector of title and keywords with its own GIN index. A query
made only of words that a large share of articles contain selects its candidates here, where
few articles match, instead of scanning every article that mentions them in its body
(docs/decisions/0004)."""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE knowledge_articleversion ADD COLUMN search_head tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_title), 'A')
        || setweight(to_tsvector('simple', search_keywords), 'B')
    ) STORED
    """,
    "CREATE INDEX knowledge_version_head ON knowledge_articleversion USING GIN (search_head) "
    "WHERE is_live",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_version_head",
    "ALTER TABLE knowledge_articleversion DROP COLUMN IF EXISTS search_head",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_fulltext")]

    operations = [migrations.RunPython(forward, backward)]
