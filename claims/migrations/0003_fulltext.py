"""Full-text search over source documents (see claims/fulltext.py).

SQLite: an FTS5 table with external content, kept in step by triggers.
PostgreSQL: a GIN expression index matching the query's to_tsvector expression.
"""
from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE claims_sourcedocument_fts USING fts5(
        title, body, content='claims_sourcedocument', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER claims_sourcedocument_fts_ai AFTER INSERT ON claims_sourcedocument BEGIN
        INSERT INTO claims_sourcedocument_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END""",
    """CREATE TRIGGER claims_sourcedocument_fts_ad AFTER DELETE ON claims_sourcedocument BEGIN
        INSERT INTO claims_sourcedocument_fts(claims_sourcedocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body); END""",
    """CREATE TRIGGER claims_sourcedocument_fts_au AFTER UPDATE ON claims_sourcedocument BEGIN
        INSERT INTO claims_sourcedocument_fts(claims_sourcedocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO claims_sourcedocument_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END""",
    "INSERT INTO claims_sourcedocument_fts(claims_sourcedocument_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS claims_sourcedocument_fts_ai",
    "DROP TRIGGER IF EXISTS claims_sourcedocument_fts_ad",
    "DROP TRIGGER IF EXISTS claims_sourcedocument_fts_au",
    "DROP TABLE IF EXISTS claims_sourcedocument_fts",
]
POSTGRES_UP = [
    """CREATE INDEX claims_sourcedocument_fts_idx ON claims_sourcedocument
       USING gin (to_tsvector('english', title || ' ' || body))""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS claims_sourcedocument_fts_idx"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
