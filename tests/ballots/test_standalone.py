"""A ballot of the members and a written resolution, without a meeting: made and filled by
the secretary, opened (the roll frozen, each member who agreed to email sent their link),
voted through the link; a written resolution lapses after the days the rules set."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import Ballot, BallotStatus, Participation
from ballots.services import ballots
from governance import outbox
from governance.exceptions import DomainError
from governance.models import Delivery
from membership.models import CommunicationConsent
from tests.ballots.sealed import ballot_key_make

from .conftest import make_members

pytestmark = pytest.mark.django_db


def test_a_written_resolution_from_making_to_voting_by_link(client, users, rules, community,
                                                            mailbox):
    make_members(community, 3, emailed=2, start=100)
    client.force_login(users["secretary"])
    opens = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(reverse("ballots:new"), {
        "kind": "written", "title": "Written resolution on the new premises",
        "record_date": timezone.localdate().isoformat(),
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M")})
    ballot = Ballot.objects.get()
    assert response["Location"] == reverse("ballots:ballot", args=[ballot.pk])
    assert ballot.closes_at == opens + dt.timedelta(days=28)  # the rules' lapse period
    election = client.post(reverse("ballots:question_add", args=[ballot.pk]), {
        "kind": "stv", "title": "Directors", "seats": 1, "candidates": "Ada\nBen"})
    assert "A written resolution has no elections" in election.content.decode()
    client.post(reverse("ballots:question_add", args=[ballot.pk]), {
        "kind": "resolution", "title": "New premises", "seats": 1,
        "text": "That the society lease 2 Market Street."})
    ballot_key_make(ballot)
    client.post(reverse("ballots:open", args=[ballot.pk]))
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.OPEN and ballot.electors_count == 3

    papers = Delivery.objects.filter(kind="ballot_paper")
    assert papers.count() == 2  # the two who agreed to email
    outbox.deliveries_send(ids=[papers.first().pk])
    [message] = mailbox.wait_for(1)
    body = message.get_payload()
    assert "That the society lease 2 Market Street." in body and "lapses" in body
    path = re.search(r"https?://[^/\s]+(/b/\S+/)", body)[1]

    client.logout()
    question = ballot.questions.get()
    done = client.post(path, {f"q{question.pk}": "for", "step": "confirm"})
    assert "Your vote is recorded" in done.content.decode()
    assert Participation.objects.count() == 1


def test_a_written_resolution_cannot_outlast_its_lapse_date(users, rules):
    opens = timezone.now()
    with pytest.raises(DomainError, match="lapses"):
        ballots.ballot_create(actor=None, kind="written", title="Too long",
                              record_date=timezone.localdate(), opens_at=opens,
                              closes_at=opens + dt.timedelta(days=29))
    with pytest.raises(DomainError, match="Add the questions first"):
        ballots.ballot_open(actor=None, ballot=ballots.ballot_create(
            actor=None, kind="standalone", title="Empty", record_date=timezone.localdate(),
            opens_at=opens, closes_at=opens + dt.timedelta(days=7)))
    assert not CommunicationConsent.objects.exists()
