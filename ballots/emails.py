"""Composers for the ballots app's emails (see governance.outbox)."""

from django.conf import settings
from django.urls import reverse

from governance.emails import render_email
from governance.models import Delivery
from governance.outbox import PermanentFailure, composer
from governance.selectors import organisation_get
from meetings.links import member_link_token

from .models import Ballot, BallotStatus, Participation


@composer("ballot_reminder")
def ballot_reminder(delivery: Delivery):
    ballot = Ballot.objects.filter(pk=delivery.payload["ballot_id"]).first()
    if ballot is None or ballot.status != BallotStatus.OPEN:
        raise PermanentFailure("the ballot is no longer open")
    member_id = delivery.payload["member_id"]
    if Participation.objects.filter(question__ballot=ballot,
                                    elector__member_id=member_id).exists():
        raise PermanentFailure("the member has voted since")
    token = member_link_token(member_id=member_id, meeting_id=ballot.meeting_id)
    link = settings.SITE_URL.rstrip("/") + reverse("ballots:link_vote", args=[token])
    return render_email(template="ballot_reminder", to=delivery.to_email, context={
        "organisation": organisation_get(), "ballot": ballot, "link": link})


@composer("ballot_paper")
def ballot_paper(delivery: Delivery):
    from .links import voter_link_url

    ballot = Ballot.objects.filter(pk=delivery.payload["ballot_id"]).first()
    if ballot is None or ballot.status != BallotStatus.OPEN:
        raise PermanentFailure("the ballot is no longer open")
    link = voter_link_url(member_id=delivery.payload["member_id"], ballot_id=ballot.pk)
    return render_email(template="ballot_paper", to=delivery.to_email, context={
        "organisation": organisation_get(), "ballot": ballot, "link": link,
        "questions": ballot.questions.order_by("position")})
