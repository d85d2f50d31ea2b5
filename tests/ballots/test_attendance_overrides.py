"""A principal who attends the meeting overrides their proxy where the rules say so: the
appointment ends and the proxy's votes for them are removed, as the member's own vote
does. Where the rules do not let a principal override, attending leaves the proxy's vote
and the member's own vote is refused."""

import dataclasses

import pytest

from ballots.models import Channel, Elector, Paper, Participation, ProxyAppointment
from ballots.services import ballots, casting, proxies
from ballots.services.casting import Answer, VoteRefused
from governance.models import AuditEvent
from meetings.rules import Proxies
from meetings.services import meetings
from tests.ballots.sealed import Decrypted
from tests.concurrency.helpers import run_together

from .conftest import elector, make_members, open_ballot, rules_with

pytestmark = pytest.mark.django_db








def resolution(ballot):
    return ballot.questions.get(position=1)


def proxy_for(ballot, number, direction="against"):
    return proxies.proxy_appoint(actor=None, ballot=ballot, principal=elector(ballot, number),
                                 holder="named", holder_name="Pat Proxy",
                                 holder_email=f"pat{number}@example.org",
                                 instructions={resolution(ballot).pk: direction})


def attend(users, agm, number, mode, proxy_name=""):
    member = Elector.objects.filter(member_number=number).first().member
    return meetings.attendance_record(actor=users["secretary"], meeting=agm, member=member,
                                      mode=mode, proxy_name=proxy_name)


def test_a_principal_who_attends_ends_their_proxy_and_the_proxys_votes(users, agm,
                                                                        community):
    make_members(community, 4, emailed=0, start=100)
    ballot = open_ballot(agm)
    voted = proxy_for(ballot, 100)
    proxies.proxy_vote(actor=None, appointment=voted, answers={})
    assert Participation.objects.filter(elector__member_number=100).exists()
    not_voted = proxy_for(ballot, 101)
    by_proxy = proxy_for(ballot, 102)

    attend(users, agm, 100, "in_person")
    attend(users, agm, 101, "remote")
    attend(users, agm, 102, "proxy", proxy_name="Pat Proxy")  # the proxy attends for them

    voted.refresh_from_db()
    assert voted.revoked_at is not None
    assert voted.revoked_because == "the member attended the meeting"
    assert not Paper.objects.filter(elector=voted.principal, channel="proxy").exists()
    assert not Participation.objects.filter(elector__member_number=100).exists()
    assert not Decrypted.objects.exists()
    not_voted.refresh_from_db()
    assert not_voted.revoked_because == "the member attended the meeting"
    with pytest.raises(VoteRefused, match="has ended: the member attended"):
        proxies.proxy_vote(actor=None, appointment=not_voted, answers={})
    by_proxy.refresh_from_db()
    assert by_proxy.revoked_at is None
    overridden = AuditEvent.objects.filter(action="proxy.overridden").order_by("seq")
    assert [(e.changes["member_number"], e.changes["proxy_had_voted"]) for e in overridden] \
        == [(100, True), (101, False)]

    # The member votes in the room; it is the one vote stored for them.
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 100), channel=Channel.ROOM,
                      answers={resolution(ballot).pk: Answer(choice="for")},
                      actor=users["secretary"])
    assert [p.channel for p in Participation.objects.filter(elector__member_number=100)] \
        == [Channel.ROOM]
    assert list(Decrypted.objects.values_list("choice", flat=True)) == ["for"]


def test_online_attendance_overrides_only_where_it_counts(users, agm, community):
    # Members online are not counted present, so cannot vote at the meeting: they keep
    # their proxy.
    rules_with(users, agm, remote_attendance_counts=False)
    make_members(community, 2, emailed=0, start=100)
    ballot = open_ballot(agm)
    appointment = proxy_for(ballot, 100)
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})
    attend(users, agm, 100, "remote")
    appointment.refresh_from_db()
    assert appointment.revoked_at is None
    assert Participation.objects.get(elector__member_number=100).channel == Channel.PROXY
    assert Decrypted.objects.get().choice == "against"


def test_where_the_principal_does_not_override_the_proxys_vote_stands(users, agm,
                                                                      community):
    rules_with(users, agm, proxies=dataclasses.asdict(
        Proxies(max_per_holder=5, principal_overrides=False)))
    make_members(community, 2, emailed=0, start=100)
    ballot = open_ballot(agm)
    appointment = proxy_for(ballot, 100)
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})

    attend(users, agm, 100, "in_person")
    appointment.refresh_from_db()
    assert appointment.revoked_at is None and Paper.objects.filter(
        elector=appointment.principal, channel="proxy").exists()

    for channel in (Channel.ONLINE, Channel.ROOM):
        with pytest.raises(VoteRefused, match="do not let a member's own vote replace"):
            casting.vote_cast(ballot=ballot, elector=elector(ballot, 100), channel=channel,
                              answers={resolution(ballot).pk: Answer(choice="for")})
    assert Participation.objects.get(elector__member_number=100).channel == Channel.PROXY
    assert list(Decrypted.objects.values_list("choice", flat=True)) == ["against"]
    assert not AuditEvent.objects.filter(action="proxy.overridden").exists()


def test_attendance_after_the_ballot_closed_changes_nothing(users, agm, community):
    make_members(community, 1, emailed=0, start=100)
    ballot = open_ballot(agm)
    appointment = proxy_for(ballot, 100)
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})
    ballots.ballot_close(actor=None, ballot=ballot)
    attend(users, agm, 100, "in_person")
    appointment.refresh_from_db()
    assert appointment.revoked_at is None
    assert Decrypted.objects.get().choice == "against"


@pytest.mark.django_db(transaction=True)
def test_a_proxy_vote_racing_the_principals_arrival_leaves_no_proxy_vote(users, agm,
                                                                          community):
    """Attendance locks the meeting row, then the ballot row (shared), then the
    appointment; the proxy's vote locks the ballot row (shared), then the appointment.
    Whichever comes first, the principal is present and no vote of the proxy's remains."""
    make_members(community, 6, emailed=0, start=200)
    ballot = open_ballot(agm)
    for number in range(200, 206):
        appointment = proxy_for(ballot, number)
        outcomes = run_together(
            lambda a=appointment: proxies.proxy_vote(actor=None, appointment=a, answers={}),
            lambda n=number: attend(users, agm, n, "in_person"))
        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert outcomes[1][0] == "ok"  # the principal is always registered present
        appointment.refresh_from_db()
        assert appointment.revoked_because == "the member attended the meeting"
        assert not Participation.objects.filter(elector__member_number=number).exists()
    assert not Decrypted.objects.exists()
    assert not ProxyAppointment.objects.filter(revoked_at__isnull=True).exists()
