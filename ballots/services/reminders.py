"""Reminders before online voting closes: once, to each member on the roll of a meeting's
open ballot who has not voted and agreed to email, with their personal voting link."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.transactions import atomic
from membership.models import Member

from ..models import Ballot, BallotStatus, Participation
from .mailings import electors_email

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
        with atomic():
            new = electors_email(ballot=ballot, kind="ballot_reminder",
                                 title=f"Reminder to vote: {ballot.title}", members=not_voted,
                                 on=timezone.localdate(now))
        queued += new
    return queued
