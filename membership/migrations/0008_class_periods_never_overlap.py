"""On PostgreSQL, a member's class periods may not overlap: an exclusion constraint over
the half-open date ranges [started_on, ended_on). With the unique start date this makes
the class on any date unambiguous. (btree_gist is a trusted extension: the database owner
can create it.)"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE membership_memberclassperiod ADD CONSTRAINT class_periods_never_overlap
    EXCLUDE USING gist (member_id WITH =, daterange(started_on, ended_on, '[)') WITH &&);
"""
DROP = """
ALTER TABLE membership_memberclassperiod DROP CONSTRAINT IF EXISTS class_periods_never_overlap;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("membership", "0007_drop_replaced_columns")]
    operations = [migrations.RunPython(forwards, backwards)]
