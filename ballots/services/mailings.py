"""Emails to the members on a ballot's roll: the ballot paper of a ballot without a
meeting, reminders before voting closes, the results. Each goes, through the outbox, to
the members who agreed to email, at the address they gave; the outbox's keys make a
second run add nothing."""

import datetime as dt

from django.utils import timezone

from governance.models import Mailing
from governance.outbox import deliveries_queue_many
from meetings.selectors import with_email_consent
from membership.models import Member

from ..models import Ballot


def electors_email(*, ballot: Ballot, kind: str, title: str, members=None,
                   on: dt.date | None = None) -> int:
    """Queue an email of `kind` to each of `members` (by default everyone on the roll)
    with a current consent to email, in the mailing of this kind for this ballot. Runs
    inside the caller's unit of work. Returns how many were new."""
    if members is None:
        members = Member.objects.filter(pk__in=ballot.electors.values("member_id"))
    emailed = with_email_consent(members, on=on or timezone.localdate()).exclude(
        email_consent=None)
    mailing, _ = Mailing.objects.get_or_create(kind=kind, selection={"ballot_id": ballot.pk},
                                               defaults={"title": title})
    new = deliveries_queue_many(kind=kind, mailing=mailing, items=[
        (f"{kind.replace('_', '-')}:{ballot.pk}:{m.pk}", m.email_consent,
         {"ballot_id": ballot.pk, "member_id": m.pk}) for m in emailed])
    mailing.total = mailing.deliveries.count()
    mailing.prepared_at = timezone.now()
    mailing.save(update_fields=["total", "prepared_at"])
    return len(new)
