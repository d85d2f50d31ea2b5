"""Composers for the ballots app's emails (see governance.outbox)."""

from django.conf import settings
from django.urls import reverse

from governance.emails import render_email
from governance.models import Delivery
from governance.outbox import PermanentFailure, composer
from governance.selectors import organisation_get
from meetings.links import member_link_token

from .links import voter_link_token, voter_link_url
from .models import Ballot, BallotStatus, Participation
from .results import results_lines
from .selectors import results_of


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
    ballot = Ballot.objects.filter(pk=delivery.payload["ballot_id"]).first()
    if ballot is None or ballot.status != BallotStatus.OPEN:
        raise PermanentFailure("the ballot is no longer open")
    link = voter_link_url(member_id=delivery.payload["member_id"], ballot_id=ballot.pk)
    return render_email(template="ballot_paper", to=delivery.to_email, context={
        "organisation": organisation_get(), "ballot": ballot, "link": link,
        "questions": ballot.questions.order_by("position")})


@composer("ballot_results")
def ballot_results(delivery: Delivery):
    """The published results in words, with a personal link to the results page."""
    ballot = Ballot.objects.filter(pk=delivery.payload["ballot_id"]).first()
    if ballot is None or ballot.results_published_at is None:
        raise PermanentFailure("the results are not published")
    member_id = delivery.payload["member_id"]
    if ballot.meeting_id:
        token = member_link_token(member_id=member_id, meeting_id=ballot.meeting_id)
        path = reverse("ballots:link_results", args=[token])
    else:
        token = voter_link_token(member_id=member_id, ballot_id=ballot.pk)
        path = reverse("ballots:voter_results", args=[token])
    return render_email(template="ballot_results", to=delivery.to_email, context={
        "organisation": organisation_get(), "ballot": ballot,
        "lines": results_lines(results_of(ballot)),
        "link": settings.SITE_URL.rstrip("/") + path})
