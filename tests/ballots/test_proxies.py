"""Proxies: directed and discretionary appointments, the deadline in working hours, the most
one holder may act for, revocation, the holder voting as instructed, and the member's own
vote replacing their proxy's (also when the two race)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from ballots.models import Channel, Participation, ProxyAppointment
from ballots.services import ballots, casting, proxies
from ballots.services.casting import Answer, VoteRefused
from ballots.services.proxies import ProxyRefused
from tests.ballots.sealed import Decrypted, keyed
from tests.concurrency.helpers import run_together

from .conftest import elector, make_members
from .test_casting import answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(users, agm, community):
    make_members(community, 8, emailed=0, start=100)
    now = timezone.now()
    made = ballots.ballot_for_meeting(actor=users["secretary"], meeting=agm,
                                      opens_at=now - dt.timedelta(minutes=1),
                                      closes_at=agm.starts_at - dt.timedelta(hours=1))
    return ballots.ballot_open(actor=users["secretary"], ballot=keyed(made))




def resolution(ballot):
    return ballot.questions.get(position=1)


def named(ballot, number, email="pat@example.org", **instructions):
    return proxies.proxy_appoint(actor=None, ballot=ballot, principal=elector(ballot, number),
                                 holder="named", holder_name="Pat Proxy", holder_email=email,
                                 instructions=instructions)


def test_a_directed_proxy_votes_as_told(ballot):
    appointment = proxies.proxy_appoint(
        actor=None, ballot=ballot, principal=elector(ballot, 100), holder="chair",
        instructions={resolution(ballot).pk: "against"})
    with pytest.raises(VoteRefused, match="told to vote against"):
        proxies.proxy_vote(actor=None, appointment=appointment,
                           answers={resolution(ballot).pk: Answer(choice="for")})
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})
    stored = Participation.objects.get(elector__member_number=100)
    assert stored.channel == Channel.PROXY
    assert Decrypted.objects.get(question=resolution(ballot)).choice == "against"
    with pytest.raises(VoteRefused, match="already voted"):
        proxies.proxy_vote(actor=None, appointment=appointment, answers={})


def test_an_election_is_left_to_the_proxy(ballot):
    election = ballot.questions.get(position=2)
    with pytest.raises(ProxyRefused, match="votes as they decide"):
        named(ballot, 100, **{str(election.pk): "for"})


def test_no_appointment_after_the_deadline(ballot, agm):
    # The coop_society preset: appointments 48 working hours before the meeting.
    deadline = proxies.proxy_deadline(ballot)
    assert deadline < agm.starts_at
    with time_machine.travel(deadline + dt.timedelta(minutes=1)):
        with pytest.raises(ProxyRefused, match="had to arrive by"):
            named(ballot, 100)
    assert not ProxyAppointment.objects.exists()


def test_a_holder_may_act_for_no_more_than_the_rules_allow(ballot):
    for number in range(100, 105):  # the preset's limit is 5
        named(ballot, number, email="Pat@example.org")
    with pytest.raises(ProxyRefused, match="already acts for 5 members"):
        named(ballot, 105, email="pat@example.org")
    named(ballot, 105, email="sam@example.org")
    assert ProxyAppointment.objects.filter(revoked_at__isnull=True).count() == 6


def test_revoking_and_replacing_an_appointment(ballot):
    first = named(ballot, 100)
    second = named(ballot, 100, email="sam@example.org")
    first.refresh_from_db()
    assert first.revoked_because == "replaced by a new appointment"
    proxies.proxy_revoke(actor=None, appointment=second)
    with pytest.raises(ProxyRefused, match="already ended"):
        proxies.proxy_revoke(actor=None, appointment=second)
    with pytest.raises(VoteRefused, match="has ended"):
        proxies.proxy_vote(actor=None, appointment=second, answers={})


def test_the_members_own_vote_replaces_their_proxys(ballot):
    appointment = named(ballot, 100, **{str(resolution(ballot).pk): "against"})
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                      answers=answers_for(ballot, choice="for"))
    mine = Participation.objects.filter(elector__member_number=100)
    assert {p.channel for p in mine} == {Channel.ONLINE} and mine.count() == 2
    assert list(Decrypted.objects.filter(question=resolution(ballot))
                .values_list("choice", flat=True)) == ["for"]
    appointment.refresh_from_db()
    assert appointment.revoked_because == "the member voted themselves"


@pytest.mark.django_db(transaction=True)
def test_a_proxy_racing_the_members_own_vote_leaves_the_members(users, agm, community):
    make_members(community, 10, emailed=0, start=200)
    now = timezone.now()
    ballot = ballots.ballot_open(actor=None, ballot=keyed(ballots.ballot_for_meeting(
        actor=None, meeting=agm, opens_at=now - dt.timedelta(minutes=1),
        closes_at=agm.starts_at - dt.timedelta(hours=1))))
    for number in range(200, 210):
        appointment = proxies.proxy_appoint(actor=None, ballot=ballot,
                                            principal=elector(ballot, number),
                                            holder="named", holder_name=f"Proxy {number}",
                                            holder_email=f"proxy{number}@example.org")
        outcomes = run_together(
            lambda a=appointment: proxies.proxy_vote(
                actor=None, appointment=a, answers=answers_for(ballot, choice="against")),
            lambda n=number: casting.vote_cast(ballot=ballot, elector=elector(ballot, n),
                                               answers=answers_for(ballot, choice="for")))
        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert outcomes[1][0] == "ok"  # the member's own vote always stands
        votes = Participation.objects.filter(elector__member_number=number)
        assert votes.count() == 2 and {v.channel for v in votes} == {Channel.ONLINE}
    assert Decrypted.objects.filter(question=resolution(ballot)).count() == 10
    assert set(Decrypted.objects.filter(question=resolution(ballot))
               .values_list("choice", flat=True)) == {"for"}
    ballots.ballot_close(actor=None, ballot=ballot)
    assert not ProxyAppointment.objects.exclude(sealed_instructions=None).exists()


@pytest.mark.django_db(transaction=True)
def test_an_appointment_waits_for_no_vote_and_one_racing_the_close_is_before_it_or_refused(
        users, agm, community):
    """Appointments lock the ballot FOR NO KEY UPDATE: they wait for each other, not for
    the votes being cast (FOR KEY SHARE); the close waits for an appointment in flight,
    and one that comes after the close began is refused."""
    import time

    from .conftest import BallotRowHeld

    make_members(community, 12, emailed=0, start=300)
    now = timezone.now()
    ballot = ballots.ballot_open(actor=None, ballot=keyed(ballots.ballot_for_meeting(
        actor=None, meeting=agm, opens_at=now - dt.timedelta(minutes=1),
        closes_at=agm.starts_at - dt.timedelta(hours=1))))
    with BallotRowHeld(ballot.pk, "FOR KEY SHARE"):  # a vote being stored
        started = time.monotonic()
        named(ballot, 300)
        assert time.monotonic() - started < 2
    outcomes = run_together(*[lambda n=n: named(ballot, n, email=f"p{n}@example.org")
                              for n in range(301, 311)],
                            lambda: ballots.ballot_close(actor=None, ballot=ballot))
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    refused = [o for o in outcomes[:10] if o[0] == "refused"]
    assert all(o[1].message == "Voting has closed." for o in refused)
    made = ProxyAppointment.objects.filter(principal__member_number__in=range(301, 311))
    assert made.count() == 10 - len(refused)
    ballot.refresh_from_db()
    closed_at = ballot.closed_at
    assert all(a.appointed_at < closed_at for a in made)
