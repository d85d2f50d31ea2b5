"""Votes in the room and by post, entered by the secretary: a show of hands on any
resolution of the ballot."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import ShowOfHands
from ballots.services import ballots
from meetings.models import AgendaItem
from membership.models import MemberClassPeriod

from .conftest import make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(users, agm, community):
    """The AGM's ballot with a second resolution on it; the member in the table and three
    others on the roll."""
    AgendaItem.objects.create(meeting=agm, position=3, kind="resolution",
                              title="Accounts", resolution_type="ordinary",
                              resolution_text="That the accounts be received.")
    make_members(community, 3, emailed=0, start=100)
    member = users["member"].members.get()
    member.stakeholder_class = community
    member.save()
    MemberClassPeriod.objects.create(member=member, stakeholder_class=community,
                                     started_on=member.admitted_on)
    now = timezone.now()
    made = ballots.ballot_for_meeting(actor=None, meeting=agm,
                                      opens_at=now - dt.timedelta(minutes=1),
                                      closes_at=agm.starts_at - dt.timedelta(hours=1))
    return ballots.ballot_open(actor=None, ballot=made)


def test_a_show_of_hands_is_recorded_on_a_resolution_after_the_first(client, users, ballot):
    first, second = ballot.questions.filter(kind="resolution").order_by("position")
    client.force_login(users["secretary"])
    url = reverse("ballots:hands", args=[ballot.pk])
    assert client.post(url, {"question": second.pk, "votes_for": 12, "votes_against": 3,
                             "abstentions": 0}).status_code == 302
    assert client.post(url, {"question": first.pk, "votes_for": 20, "votes_against": 1,
                             "abstentions": 1}).status_code == 302
    assert {(h.question_id, h.votes_for) for h in ShowOfHands.objects.all()} == {
        (second.pk, 12), (first.pk, 20)}
