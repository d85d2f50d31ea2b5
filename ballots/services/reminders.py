"""Reminders before online voting closes: once, to each member on the roll of a meeting's
open ballot who has not voted and agreed to email, with their personal voting link."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.models import Mailing
from governance.outbox import deliveries_queue_many
from governance.transactions import atomic
from meetings.selectors import with_email_consent
from membership.models import Member

from ..models import Ballot, BallotStatus, Participation

REMIND_BEFORE = dt.timedelta(hours=48)


def ballot_reminders_send(*, now: dt.datetime | None = None) -> int:
    """For every open ballot of a meeting whose online voting closes within 48 hours:
    queue the reminders not queued yet. Safe to run twice (the outbox's keys). Returns how
    many were new."""
    now = now or timezone.now()
    queued = 0
    for ballot in Ballot.objects.filter(status=BallotStatus.OPEN, meeting__isnull=False,
                                        closes_at__gt=now, closes_at__lte=now + REMIND_BEFORE):
        not_voted = Member.objects.filter(
            pk__in=ballot.electors.filter(~Exists(Participation.objects.filter(
                elector=OuterRef("pk")))).values("member_id"))
        members = with_email_consent(not_voted, on=timezone.localdate(now)).exclude(
            email_consent=None)
        with atomic():
            mailing, _ = Mailing.objects.get_or_create(
                kind="ballot_reminder", selection={"ballot_id": ballot.pk},
                defaults={"title": f"Reminder to vote: {ballot.title}"})
            new = deliveries_queue_many(kind="ballot_reminder", mailing=mailing, items=[
                (f"ballot-reminder:{ballot.pk}:{m.pk}", m.email_consent,
                 {"ballot_id": ballot.pk, "member_id": m.pk}) for m in members])
            mailing.total = mailing.deliveries.count()
            mailing.prepared_at = timezone.now()
            mailing.save(update_fields=["total", "prepared_at"])
        queued += len(new)
    return queued
