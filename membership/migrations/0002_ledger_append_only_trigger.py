"""On PostgreSQL, refuse UPDATE and DELETE on ledger rows at the database level too."""

from django.db import migrations

from governance.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]
    operations = [append_only_trigger(
        "membership_sharetransaction",
        "share ledger entries are append-only; record a reversal instead")]
