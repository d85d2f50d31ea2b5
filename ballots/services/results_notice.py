"""The results notice: once the secretary publishes the results, every member on the roll
who agreed to email is sent them, with a personal link to the results page (no login
needed), through the outbox (each once, found again if a worker dies)."""

from django.utils import timezone

from governance.models import Mailing
from governance.outbox import deliveries_queue_many
from meetings.selectors import with_email_consent
from membership.models import Member

from ..models import Ballot


def results_notice_queue(ballot: Ballot) -> int:
    """Queue the notice for every elector with a current email consent. Runs inside the
    publishing unit of work; safe to run twice (the outbox's keys). Returns how many were
    new."""
    members = with_email_consent(
        Member.objects.filter(pk__in=ballot.electors.values("member_id")),
        on=timezone.localdate()).exclude(email_consent=None)
    mailing, _ = Mailing.objects.get_or_create(
        kind="ballot_results", selection={"ballot_id": ballot.pk},
        defaults={"title": f"Results: {ballot.title}"})
    new = deliveries_queue_many(kind="ballot_results", mailing=mailing, items=[
        (f"ballot-results:{ballot.pk}:{m.pk}", m.email_consent,
         {"ballot_id": ballot.pk, "member_id": m.pk}) for m in members])
    mailing.total = mailing.deliveries.count()
    mailing.prepared_at = timezone.now()
    mailing.save(update_fields=["total", "prepared_at"])
    return len(new)
