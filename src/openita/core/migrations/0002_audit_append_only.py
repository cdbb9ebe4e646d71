"""Make the audit table append-only in the database itself, not only in the ORM."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
# SQLite gets no DELETE trigger: Django's flush (tests, ``demo-data --flush``) empties tables
# with DELETE there, while on PostgreSQL it uses TRUNCATE, which row triggers do not see.
# A deleted row still breaks the hash chain, which ``openita audit verify`` reports.
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS core_auditentry_no_update",
],
    "postgresql": ["DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry",
                   "DROP FUNCTION IF EXISTS core_auditentry_refuse()"],
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run(DROP)),
    ]
