"""Proxies through the pages: a member appoints the chair with a direction; the chair votes
for them on the chair's page (two-factor); the member then votes themselves and replaces it; the
secretary records a paper appointment and votes in the room; the proxy register."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import Channel, Participation, ProxyAppointment
from ballots.services import ballots
from membership.models import MemberClassPeriod
from tests.ballots.sealed import Decrypted, keyed

from .conftest import make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot(users, agm, community):
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
    return ballots.ballot_open(actor=None, ballot=keyed(made))


def test_a_directed_proxy_for_the_chair_then_the_members_own_vote(client, users, ballot):
    resolution = ballot.questions.get(position=1)
    client.force_login(users["member"])
    url = reverse("ballots:proxy", args=[ballot.pk])
    page = client.get(url).content.decode()
    assert "The appointment must reach us by" in page
    response = client.post(url, {"holder": "chair", f"i{resolution.pk}": "against"})
    assert response.status_code == 302
    appointment = ProxyAppointment.objects.get()
    assert appointment.instructions[str(resolution.pk)] == "against"

    client.force_login(users["chair"])
    held = reverse("ballots:chair_proxies", args=[ballot.pk])
    page = client.get(held).content.decode()
    assert f"For member {appointment.principal.member_number}" in page
    refused = client.post(held, {"appointment": appointment.pk,
                                 f"p{appointment.pk}-q{resolution.pk}": "for"})
    assert refused.status_code == 400 and "told to vote against" in refused.content.decode()
    done = client.post(held, {"appointment": appointment.pk,
                              f"p{appointment.pk}-q{resolution.pk}": "against"})
    assert done.status_code == 302
    assert Participation.objects.get().channel == Channel.PROXY

    client.force_login(users["member"])
    vote_url = reverse("ballots:vote", args=[ballot.pk])
    assert "Your proxy has voted for you" in client.get(vote_url).content.decode()
    done = client.post(vote_url, {f"q{resolution.pk}": "for", "step": "confirm"})
    assert "Your vote is recorded" in done.content.decode()
    assert Participation.objects.get().channel == Channel.ONLINE
    assert Decrypted.objects.get().choice == "for"


def test_the_secretary_records_a_paper_proxy_and_votes_in_the_room(client, users, ballot):
    resolution = ballot.questions.get(position=1)
    client.force_login(users["secretary"])
    register = reverse("ballots:proxy_register", args=[ballot.pk])
    response = client.post(register, {"member_number": 100, "holder": "named",
                                      "holder_name": "Pat Proxy",
                                      "holder_email": "pat@example.org",
                                      f"i{resolution.pk}": "for"})
    assert response.status_code == 302
    page = client.get(register).content.decode()
    assert "Pat Proxy" in page and "(on paper)" in page

    room = reverse("ballots:room", args=[ballot.pk])
    assert client.post(room, {"member_number": 101, "channel": "room", "reference": "17",
                              f"q{resolution.pk}": "against"}).status_code == 302
    again = client.post(room, {"member_number": 101, "channel": "postal", "reference": "E3",
                               f"q{resolution.pk}": "for"})
    assert again.status_code == 400 and "already voted" in again.content.decode()
    stranger = client.post(room, {"member_number": 9999, "channel": "room", "reference": "18",
                                  f"q{resolution.pk}": "for"})
    assert "not on the roll" in stranger.content.decode()
    assert Participation.objects.get().channel == Channel.ROOM


def test_members_who_have_not_voted_are_reminded_once_before_voting_closes(
        users, ballot, mailbox):
    from ballots.services.casting import Answer, vote_cast
    from ballots.services.reminders import ballot_reminders_send
    from governance import outbox
    from governance.models import Delivery
    from membership.models import CommunicationConsent

    electors = list(ballot.electors.order_by("member_number"))
    for elector in electors:
        CommunicationConsent.objects.get_or_create(
            member_id=elector.member_id, withdrawn_on=None,
            defaults={"email": f"voter{elector.member_number}@example.org",
                      "given_on": dt.date(2024, 1, 1)})
    resolution = ballot.questions.get(position=1)
    vote_cast(ballot=ballot, elector=electors[0],
              answers={resolution.pk: Answer(choice="for")})
    early = ballot.closes_at - dt.timedelta(hours=72)
    assert ballot_reminders_send(now=early) == 0
    soon = ballot.closes_at - dt.timedelta(hours=24)
    assert ballot_reminders_send(now=soon) == len(electors) - 1
    assert ballot_reminders_send(now=soon) == 0  # each once
    delivery = Delivery.objects.filter(kind="ballot_reminder").first()
    outbox.deliveries_send(ids=[delivery.pk])
    [message] = mailbox.wait_for(1)
    assert "/v/" in message.get_payload() and "Voting closes soon" in message["Subject"]


def test_a_show_of_hands_is_recorded_once(client, users, ballot):
    resolution = ballot.questions.get(position=1)
    client.force_login(users["secretary"])
    url = reverse("ballots:hands", args=[ballot.pk])
    data = {"question": resolution.pk, "votes_for": 31, "votes_against": 4,
            "abstentions": 2}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    page = client.get(reverse("ballots:room", args=[ballot.pk])).content.decode()
    assert "31 for, 4 against, 2 abstaining" in page


@pytest.mark.parametrize("back", ["//evil.example/phish", "https://evil.example/",
                                  "/\\evil.example", "javascript:alert(1)"])
def test_revoking_a_proxy_never_sends_the_member_to_another_site(client, users, ballot,
                                                                  back):
    client.force_login(users["member"])
    url = reverse("ballots:proxy", args=[ballot.pk])
    resolution = ballot.questions.get(position=1)
    client.post(url, {"holder": "chair", f"i{resolution.pk}": "against"})
    appointment = ProxyAppointment.objects.get()
    response = client.post(reverse("ballots:proxy_revoke", args=[ballot.pk, appointment.pk]),
                           {"back": back})
    assert response.status_code == 302 and response["Location"] == "/"
    appointment.refresh_from_db()
    assert appointment.revoked_at is not None


def test_revoking_a_proxy_returns_to_the_page_it_came_from(client, users, ballot):
    client.force_login(users["member"])
    url = reverse("ballots:proxy", args=[ballot.pk])
    resolution = ballot.questions.get(position=1)
    client.post(url, {"holder": "chair", f"i{resolution.pk}": "against"})
    appointment = ProxyAppointment.objects.get()
    response = client.post(reverse("ballots:proxy_revoke", args=[ballot.pk, appointment.pk]),
                           {"back": url})
    assert response["Location"] == url


def test_a_chair_without_two_factor_cannot_use_the_proxies_held_by_the_chair(
        client, users, ballot):
    """Voting the chair's proxies uses an officer role: it needs two-factor, like every
    officer page. Without it the chair is a signed-in person like any other on the
    holder's page, and is sent to set up two-factor on the chair's page."""
    from accounts.roles import Role
    from tests.factories import UserFactory, appoint

    resolution = ballot.questions.get(position=1)
    client.force_login(users["member"])
    client.post(reverse("ballots:proxy", args=[ballot.pk]),
                {"holder": "chair", f"i{resolution.pk}": "against"})
    appointment = ProxyAppointment.objects.get()
    chair = UserFactory(email="chair.without.mfa@example.org")
    appoint(chair, Role.CHAIR)

    client.force_login(chair)
    held = reverse("ballots:proxies_held", args=[ballot.pk])
    page = client.get(held).content.decode()
    assert "For member" not in page and "You hold no proxy appointments" in page
    client.post(held, {"appointment": appointment.pk,
                       f"p{appointment.pk}-q{resolution.pk}": "against"})
    assert not Participation.objects.exists()
    chair_page = client.get(reverse("ballots:chair_proxies", args=[ballot.pk]))
    assert chair_page.status_code == 302
    assert chair_page["Location"].startswith(reverse("mfa_activate_totp"))
    assert not Participation.objects.exists()

    # With two-factor the chair votes them, on the chair's page.
    client.force_login(users["chair"])
    assert "For member" not in client.get(held).content.decode()
    chair_url = reverse("ballots:chair_proxies", args=[ballot.pk])
    assert f"For member {appointment.principal.member_number}" in client.get(
        chair_url).content.decode()
    done = client.post(chair_url, {"appointment": appointment.pk,
                                   f"p{appointment.pk}-q{resolution.pk}": "against"})
    assert done.status_code == 302 and Participation.objects.get().channel == Channel.PROXY
