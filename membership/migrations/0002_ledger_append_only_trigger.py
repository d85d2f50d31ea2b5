"""On PostgreSQL, refuse UPDATE and DELETE on ledger rows at the database level too."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION membership_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'share ledger entries are append-only; record a reversal instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER membership_sharetransaction_append_only
    BEFORE UPDATE OR DELETE ON membership_sharetransaction
    FOR EACH ROW EXECUTE FUNCTION membership_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS membership_sharetransaction_append_only ON membership_sharetransaction;
DROP FUNCTION IF EXISTS membership_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
