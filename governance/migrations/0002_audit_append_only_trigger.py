"""On PostgreSQL, refuse UPDATE and DELETE on audit rows at the database level too."""

from django.db import migrations

from governance.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [append_only_trigger("governance_auditevent",
                                      "audit events are append-only")]
