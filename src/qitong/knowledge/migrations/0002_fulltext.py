"""The full-text index of live article versions, per database (docs/decisions/0004):
PostgreSQL a generated, weighted tsvector column with a GIN index; SQLite an FTS5 table."""

from django.db import migrations

PG_FORWARD = [
    """
    ALTER TABLE knowledge_articleversion ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_title), 'A')
        || setweight(to_tsvector('simple', search_keywords), 'B')
        || setweight(to_tsvector('simple', search_body), 'D')
    ) STORED
    """,
    "CREATE INDEX knowledge_version_fts ON knowledge_articleversion USING GIN (search_vector) "
    "WHERE is_live",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_version_fts",
    "ALTER TABLE knowledge_articleversion DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    # Plain-token FTS5 over jieba's space-separated segmentation; rowid = version id.
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, keywords, body, "
    "tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS knowledge_fts"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
