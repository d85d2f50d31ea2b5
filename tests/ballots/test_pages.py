"""The ballot pages through the test client: the secretary makes and opens the ballot of a
meeting; a member votes (paper, review, confirm, tracker), signed in or by their personal
link; a vote is changed with the tracker; turnout without counts; closing."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import Ballot, BallotStatus, Participation
from meetings.links import member_link_token
from meetings.models import NoticeDelivery
from membership.models import MemberClassPeriod
from tests.ballots.sealed import Decrypted, ballot_key_make

from .conftest import make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(client, users, agm, community):
    make_members(community, 3, emailed=0, start=100)
    member = users["member"].members.get()
    member.stakeholder_class = community
    member.save()
    MemberClassPeriod.objects.create(member=member, stakeholder_class=community,
                                     started_on=member.admitted_on)
    client.force_login(users["secretary"])
    now = timezone.localtime()
    response = client.post(reverse("ballots:create", args=[agm.pk]), {
        "opens_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")})
    made = Ballot.objects.get()
    assert response["Location"] == reverse("ballots:ballot", args=[made.pk])
    ballot_key_make(made)
    client.post(reverse("ballots:open", args=[made.pk]))
    made.refresh_from_db()
    assert made.status == BallotStatus.OPEN and made.electors_count == 4
    return made


def paper_data(ballot, choice="for", preferences=(1, 2, 3)):
    resolution, election = ballot.questions.order_by("position")
    data = {f"q{resolution.pk}": choice}
    for option, number in zip(election.options.order_by("position"), preferences,
                              strict=False):
        data[f"q{election.pk}_o{option.pk}"] = str(number) if number else ""
    return data


def vote(client, url, data):
    review = client.post(url, {**data, "step": "review"})
    assert review.status_code == 200 and "Check your vote" in review.content.decode()
    done = client.post(url, {**data, "step": "confirm"})
    return done


def test_a_member_votes_and_gets_a_tracker_then_changes_their_vote(client, users, ballot):
    client.force_login(users["member"])
    url = reverse("ballots:vote", args=[ballot.pk])
    paper = client.get(url).content.decode()
    assert "This is a secret ballot" in paper and "Online meetings" in paper
    done = vote(client, url, paper_data(ballot, preferences=(2, 1, None)))
    page = done.content.decode()
    assert done.status_code == 200 and "Your vote is recorded" in page
    receipt = re.search(r"<code>([0-9a-f ]{79})</code>", page)[1]
    assert "1. Ben; 2. Ada" in page  # the ranking, in words
    assert Participation.objects.count() == 2 and Decrypted.objects.count() == 2

    # Back on the paper: voted; a change needs the tracker.
    again = client.get(url).content.decode()
    assert "You have voted. You may change your vote" in again
    wrong = client.post(url, {**paper_data(ballot, choice="against"), "tracker": "ab" * 32,
                              "step": "confirm"})
    assert "does not match your vote" in wrong.content.decode()
    changed = client.post(url, {**paper_data(ballot, choice="against"), "tracker": receipt,
                                "step": "confirm"})
    assert "Your vote is recorded" in changed.content.decode()
    resolution = ballot.questions.get(position=1)
    assert Decrypted.objects.get(question=resolution).choice == "against"
    assert Participation.objects.count() == 2

    new = re.search(r"<code>([0-9a-f ]{79})</code>", changed.content.decode())[1]
    assert new != receipt  # a new paper, a new tracker; the old one is gone from the box
    check = client.post(reverse("ballots:check", args=[ballot.pk]), {"tracker": new})
    assert "A paper with this tracker is in the ballot box" in check.content.decode()
    old = client.post(reverse("ballots:check", args=[ballot.pk]), {"tracker": receipt})
    assert "No paper has this tracker" in old.content.decode()


def test_a_tracker_is_checked_by_post_and_never_sent_in_the_address(client, users, ballot):
    """A tracker in a URL lands in access logs, proxies and the browser's history: the
    check is a form sent by POST, and a tracker in the address is not looked up."""
    client.force_login(users["member"])
    done = vote(client, reverse("ballots:vote", args=[ballot.pk]), paper_data(ballot))
    receipt = re.search(r"<code>([0-9a-f ]{79})</code>",
                        done.content.decode())[1]
    client.logout()  # anyone holding the tracker may check it
    url = reverse("ballots:check", args=[ballot.pk])
    page = client.get(url).content.decode()
    assert re.search(r'<form method="post"[^>]*>\s*<input type="hidden" '
                     r'name="csrfmiddlewaretoken"', page)
    in_address = client.get(url, {"tracker": receipt}).content.decode()
    assert "A paper with this tracker is in the ballot box" not in in_address
    assert "No paper has this tracker" not in in_address
    assert "A paper with this tracker is in the ballot box" in client.post(
        url, {"tracker": receipt}).content.decode()
    wrong = client.post(url, {"tracker": "ab" * 32})
    assert wrong.status_code == 200 and "No paper has this tracker" in wrong.content.decode()
    empty = client.post(url, {})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()


def test_a_repeated_preference_is_refused_and_nothing_is_stored(client, users, ballot):
    client.force_login(users["member"])
    url = reverse("ballots:vote", args=[ballot.pk])
    response = client.post(url, {**paper_data(ballot, preferences=(1, 1, 2)),
                                 "step": "review"})
    assert response.status_code == 400
    assert "give each preference number once" in response.content.decode()
    assert not Participation.objects.exists()


def test_a_member_without_a_login_votes_through_the_personal_link(client, users, ballot,
                                                                   agm):
    member = users["member"].members.get()
    NoticeDelivery.objects.all().delete()
    token = member_link_token(member_id=member.pk, meeting_id=agm.pk)
    client.logout()
    url = reverse("ballots:link_vote", args=[token])
    done = vote(client, url, paper_data(ballot))
    assert "Your vote is recorded" in done.content.decode()
    assert Participation.objects.filter(elector__member=member).count() == 2
    assert client.get(reverse("ballots:link_vote", args=[token[:-3] + "abc"])
                      ).status_code == 404


def test_the_console_shows_turnout_and_no_counts_while_open_then_closes(client, users,
                                                                        ballot):
    client.force_login(users["member"])
    vote(client, reverse("ballots:vote", args=[ballot.pk]), paper_data(ballot))
    client.force_login(users["secretary"])
    page = client.get(reverse("ballots:ballot", args=[ballot.pk])).content.decode()
    assert "25.0%" in page  # one of four on the roll
    assert ballot.electorate_fingerprint in page
    assert "Against" not in page and "against" not in page.lower().split("turnout")[1]
    client.post(reverse("ballots:close", args=[ballot.pk]))
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED
    client.force_login(users["member"])
    closed = client.get(reverse("ballots:vote", args=[ballot.pk])).content.decode()
    assert "Voting has closed." in closed
