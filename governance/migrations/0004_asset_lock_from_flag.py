"""The asset lock becomes a kind of lock (none, statutory, CIC, rule-based)."""

from django.db import migrations

CIC_FORMS = ("cic_shares", "cic_guarantee")


def forwards(apps, schema_editor):
    Organisation = apps.get_model("governance", "Organisation")
    for organisation in Organisation.objects.all():
        if organisation.legal_form in CIC_FORMS:
            organisation.asset_lock = "cic"
        elif organisation.statutory_asset_lock:
            organisation.asset_lock = "statutory"
        organisation.save(update_fields=["asset_lock"])


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_outbox_nation_asset_lock")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
