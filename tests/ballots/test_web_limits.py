"""Web requests wait a short time for a lock and run no long statement, so that nothing a
click starts holds voters up; the person is asked to try again, with nothing saved.
Workers and commands keep no limit. On PostgreSQL, with the web app's own connections
(transactional tests: every request commits or rolls back as in production)."""

import pytest
from django.db import connection
from django.urls import reverse

from ballots.models import Ballot, BallotStatus, Participation
from ballots.services import ballots, casting
from ballots.services.casting import VoteRefused

from .conftest import BallotRowHeld, elector, make_members, open_ballot
from .test_casting import answers_for

pytestmark = pytest.mark.django_db(transaction=True)


def _member_ballot(users, agm, community):
    make_members(community, 3, emailed=0, start=100)
    member = users["member"].members.get()
    member.stakeholder_class = community
    member.save()
    from membership.models import MemberClassPeriod

    MemberClassPeriod.objects.create(member=member, stakeholder_class=community,
                                     started_on=member.admitted_on)
    return open_ballot(agm, actor=users["secretary"])


def test_a_vote_that_cannot_get_its_lock_in_time_is_asked_to_try_again(
        client, users, agm, community, settings):
    settings.WEB_DB_LOCK_TIMEOUT = "300ms"
    ballot = _member_ballot(users, agm, community)
    resolution = ballot.questions.get(position=1)
    client.force_login(users["member"])
    url = reverse("ballots:vote", args=[ballot.pk])
    with BallotRowHeld(ballot.pk, "FOR UPDATE"):
        response = client.post(url, {f"q{resolution.pk}": "for", "step": "confirm"})
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Please try again" in page and "nothing was saved" in page
    assert "your vote has not been recorded yet" in page
    assert not Participation.objects.exists()
    # Once the lock is free the same vote goes through.
    again = client.post(url, {f"q{resolution.pk}": "for", "step": "confirm"})
    assert "Your vote is recorded" in again.content.decode()


def test_a_close_behind_a_vote_in_flight_stops_voting_and_finishes_by_itself(
        client, users, agm, community, settings):
    """The secretary's close cannot wait for a vote stuck in flight: voting stops at once
    (the ballot is closing and refuses new votes), the page says so, and the beat sweep
    finishes the close once the vote is stored."""
    settings.WEB_DB_LOCK_TIMEOUT = "300ms"
    ballot = _member_ballot(users, agm, community)
    client.force_login(users["secretary"])
    with BallotRowHeld(ballot.pk, "FOR KEY SHARE"):  # what a vote being stored holds
        response = client.post(reverse("ballots:close", args=[ballot.pk]), follow=True)
        assert "Voting has stopped: no new vote is accepted" in response.content.decode()
        assert Ballot.objects.get(pk=ballot.pk).status == "closing"
        with pytest.raises(VoteRefused, match="Voting has closed"):
            casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                              answers=answers_for(ballot))
    assert "Finish closing the ballot" in client.get(
        reverse("ballots:ballot", args=[ballot.pk])).content.decode()
    assert ballots.ballots_close_due() == 1
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.CLOSED


def test_a_statement_past_the_limit_is_stopped_and_the_page_says_try_again(
        client, users, agm, community, settings, monkeypatch):
    from ballots import selectors

    settings.WEB_DB_STATEMENT_TIMEOUT = "200ms"
    ballot = _member_ballot(users, agm, community)

    def slow_turnout(ballot):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(3)")
        return []

    monkeypatch.setattr(selectors, "turnout", slow_turnout)
    client.force_login(users["secretary"])
    response = client.get(reverse("ballots:ballot", args=[ballot.pk]))
    assert response.status_code == 503
    assert "took longer than the system allows" in response.content.decode()


def test_outside_web_requests_there_is_no_limit(client, users):
    """A worker or a management command runs without the web's limits, and a connection
    a request used carries none afterwards."""
    client.force_login(users["member"])
    client.get(reverse("governance:dashboard"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
