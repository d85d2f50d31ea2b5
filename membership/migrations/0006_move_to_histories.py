"""Move what was kept in single columns into the histories that replace them: voting
rights and write-downs as dated history, withdrawal payments as rows with their batch, a
registered society as a confirmed entry."""

import datetime as dt

from django.db import migrations

SINCE_THE_START = dt.date(1900, 1, 1)
NOTE = "recorded before this history was kept"


def forwards(apps, schema_editor):
    StakeholderClass = apps.get_model("membership", "StakeholderClass")
    StakeholderClassVoting = apps.get_model("membership", "StakeholderClassVoting")
    ShareClass = apps.get_model("membership", "ShareClass")
    ShareClassVoting = apps.get_model("membership", "ShareClassVoting")
    ShareValueResolution = apps.get_model("membership", "ShareValueResolution")
    Member = apps.get_model("membership", "Member")
    Application = apps.get_model("membership", "Application")
    WithdrawalRequest = apps.get_model("membership", "WithdrawalRequest")
    WithdrawalBatch = apps.get_model("membership", "WithdrawalBatch")
    WithdrawalPayment = apps.get_model("membership", "WithdrawalPayment")
    for klass in StakeholderClass.objects.all():
        StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=klass.votes,
                                              effective_from=SINCE_THE_START,
                                              minute_reference=NOTE)
    today = dt.date.today()
    for share_class in ShareClass.objects.all():
        ShareClassVoting.objects.create(share_class=share_class, carries_votes=True,
                                        effective_from=SINCE_THE_START, minute_reference=NOTE)
        if share_class.value_per_share is not None:
            ShareValueResolution.objects.create(
                share_class=share_class, value_per_share=max(share_class.value_per_share, 0),
                resolved_on=today, minute_reference=NOTE)
    for member in Member.objects.filter(is_registered_society=True, kind="organisation"):
        member.registered_society_confirmed_on = member.admitted_on
        member.society_registration_number = "not recorded"
        member.registered_society_minute = NOTE
        member.save()
    Application.objects.filter(is_registered_society=True).exclude(
        kind="organisation").update(is_registered_society=False)
    Application.objects.filter(is_registered_society=True, society_registration_number=""
                               ).update(society_registration_number="not recorded")
    batches = {}
    for request in WithdrawalRequest.objects.filter(transaction__isnull=False):
        batch = batches.get(request.paid_on)
        if batch is None:
            batch = batches[request.paid_on] = WithdrawalBatch.objects.create(
                paid_on=request.paid_on, minute_reference=NOTE)
        WithdrawalPayment.objects.create(
            request=request, batch=batch, transaction_id=request.transaction_id,
            shares=request.shares, value_per_share=request.value_per_share or 0,
            amount=request.amount_paid, paid_on=request.paid_on)
        request.shares_paid = request.shares
        request.save(update_fields=["shares_paid"])
        batch.count += 1
        batch.total += request.amount_paid
        batch.save(update_fields=["count", "total"])


class Migration(migrations.Migration):
    dependencies = [("membership", "0005_histories_sale_notices_withdrawal_payments")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
