"""The bench seeder: synthetic enterprises and tickets with their whole ledgered history.

`reference` reads the demo deployment into plain values and adds the bench's own enterprises
and accounts; `story` simulates one ticket's life (pure, no database); `writer` turns rows into
COPY (PostgreSQL) or executemany (SQLite) batches; `run` drives it all in chunks.
"""
