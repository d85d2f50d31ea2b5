"""A member that is an organisation votes through its named representative, a person with
a login: the secretary links the login to the organisation's entry, and the representative,
signed in, votes for it on the ballot page, beside their own vote if they are a member
too."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from ballots.models import Channel, Elector, Participation
from ballots.services import ballots
from governance.exceptions import DomainError
from governance.models import AuditEvent, Delivery
from membership.models import MemberClassPeriod
from membership.services import members
from tests.ballots.sealed import Decrypted, keyed

from .conftest import make_members

pytestmark = pytest.mark.django_db


def organisation_member(community, number=400):
    [member] = make_members(community, 1, emailed=0, start=number)
    member.kind = "organisation"
    member.full_name = "Brookvale Housing Ltd"
    member.save(update_fields=["kind", "full_name"])
    return member


@pytest.fixture
def ballot(users, agm, community):
    make_members(community, 2, emailed=0, start=100)
    member = users["member"].members.get()
    member.stakeholder_class = community
    member.save()
    MemberClassPeriod.objects.create(member=member, stakeholder_class=community,
                                     started_on=member.admitted_on)
    organisation_member(community)
    now = timezone.now()
    made = ballots.ballot_for_meeting(actor=None, meeting=agm,
                                      opens_at=now - dt.timedelta(minutes=1),
                                      closes_at=agm.starts_at - dt.timedelta(hours=1))
    return ballots.ballot_open(actor=None, ballot=keyed(made))


def vote_for(client, url, ballot, choice, **extra):
    resolution = ballot.questions.get(position=1)
    data = {f"q{resolution.pk}": choice, **extra}
    review = client.post(url, {**data, "step": "review"})
    assert review.status_code == 200, review.content.decode()
    return client.post(url, {**data, "step": "confirm"}).content.decode()


def test_the_secretary_links_an_organisation_to_its_representatives_login(users,
                                                                          community):
    secretary = users["secretary"]
    organisation = organisation_member(community)
    [person] = make_members(community, 1, emailed=0, start=500)
    with pytest.raises(DomainError, match="only an organisation has a representative"):
        members.member_representative_set(actor=secretary, member=person,
                                          full_name="Someone", email="someone@example.org")
    with pytest.raises(DomainError, match="Enter the email address") as refused:
        members.member_representative_set(actor=secretary, member=organisation,
                                          full_name="Rita Rep", email="not an address")
    assert refused.value.field == "email"
    User = get_user_model()
    assert not User.objects.filter(email="someone@example.org").exists()

    # Someone new to the platform gets a login and an invitation to set a password.
    members.member_representative_set(actor=secretary, member=organisation,
                                      full_name=" Rita Rep ", email="Rita@Example.org")
    organisation.refresh_from_db()
    rita = User.objects.get(email="rita@example.org")
    assert (organisation.representative, organisation.representative_user) == ("Rita Rep",
                                                                               rita)
    assert not EmailAddress.objects.get(user=rita).verified
    assert Delivery.objects.filter(kind="invitation", to_email="rita@example.org").count() == 1
    event = AuditEvent.objects.get(action="member.representative_set")
    assert event.actor_id == secretary.pk
    assert event.changes["to"] == "rita@example.org" and event.changes["from"] is None

    # Someone with a login already (here a member) is linked to it; nobody is invited.
    members.member_representative_set(actor=secretary, member=organisation,
                                      full_name="Priya", email="member@example.org")
    organisation.refresh_from_db()
    assert organisation.representative_user == users["member"]
    assert Delivery.objects.filter(kind="invitation").count() == 1
    latest = AuditEvent.objects.filter(action="member.representative_set").order_by("seq")
    assert latest.last().changes["from"] == "rita@example.org"

    members.member_representative_remove(actor=secretary, member=organisation)
    organisation.refresh_from_db()
    assert organisation.representative_user is None
    with pytest.raises(DomainError, match="No login represents"):
        members.member_representative_remove(actor=secretary, member=organisation)
    assert AuditEvent.objects.filter(action="member.representative_removed").count() == 1


def test_a_representative_signs_in_and_votes_for_the_organisation(client, users, ballot):
    organisation = Elector.objects.get(ballot=ballot, member_number=400).member
    members.member_representative_set(actor=users["secretary"], member=organisation,
                                      full_name="Rita Rep", email="rita@example.org")
    rita = get_user_model().objects.get(email="rita@example.org")
    url = reverse("ballots:vote", args=[ballot.pk])

    client.force_login(rita)  # not a member herself
    paper = client.get(url).content.decode()
    assert "The vote of Brookvale Housing Ltd" in paper
    assert "Who you are voting for" not in paper  # she votes for the organisation alone
    assert "appoint a proxy" not in paper
    page = vote_for(client, url, ballot, "against")
    assert "Your vote is recorded" in page and "You voted for Brookvale Housing Ltd" in page
    vote = Participation.objects.get()
    assert (vote.elector.member_number, vote.channel) == (400, Channel.ONLINE)
    assert Decrypted.objects.get().choice == "against"

    # Nobody else votes for it: a member has their own paper only, a user with no
    # membership is refused.
    client.force_login(users["member"])
    assert client.get(url, {"for": 400}).status_code == 404
    assert "The vote of" not in client.get(url).content.decode()
    client.force_login(users["no_role"])
    assert client.get(url).status_code == 403

    # Once her link is removed, she is refused too.
    members.member_representative_remove(actor=users["secretary"], member=organisation)
    client.force_login(rita)
    assert client.get(url).status_code == 403


def test_a_member_who_represents_an_organisation_votes_for_both(client, users, ballot):
    organisation = Elector.objects.get(ballot=ballot, member_number=400).member
    members.member_representative_set(actor=users["secretary"], member=organisation,
                                      full_name="Priya Shah", email="member@example.org")
    own = users["member"].members.get()
    url = reverse("ballots:vote", args=[ballot.pk])
    client.force_login(users["member"])

    paper = client.get(url).content.decode()
    assert "Who you are voting for" in paper
    assert f"Yourself (member {own.member_number})" in paper
    assert "Brookvale Housing Ltd (member 400), which you represent" in paper
    assert "The vote of" not in paper  # their own paper comes first
    assert "Your vote is recorded" in vote_for(client, url, ballot, "for")

    organisation_url = f"{url}?for=400"
    assert "The vote of Brookvale Housing Ltd" in client.get(organisation_url).content.decode()
    page = vote_for(client, url, ballot, "against", **{"for": "400"})
    assert "You voted for Brookvale Housing Ltd" in page
    voted = dict(Participation.objects.values_list("elector__member_number", "channel"))
    assert voted == {own.member_number: Channel.ONLINE, 400: Channel.ONLINE}
    assert sorted(Decrypted.objects.values_list("choice", flat=True)) == ["against", "for"]

    # Their own paper now says they voted; a member they do not represent is not theirs.
    assert "You have voted" in client.get(url).content.decode()
    assert client.get(url, {"for": 100}).status_code == 404


def test_the_secretary_records_the_representative_on_the_members_page(client, users,
                                                                      community):
    organisation = organisation_member(community)
    client.force_login(users["secretary"])
    page = client.get(reverse("membership:member", args=[organisation.pk])).content.decode()
    assert "Record the representative" in page
    url = reverse("membership:member_representative", args=[organisation.pk])
    refused = client.post(url, {"full_name": "Dee Rep", "email": "not an address"})
    assert refused.status_code == 400 and "Enter a valid email address" in \
        refused.content.decode()
    done = client.post(url, {"full_name": "Dee Rep", "email": "dee@example.org"})
    assert done.status_code == 302
    organisation.refresh_from_db()
    assert organisation.representative == "Dee Rep"
    assert organisation.representative_user.email == "dee@example.org"
    page = client.get(reverse("membership:member", args=[organisation.pk])).content.decode()
    assert "votes for it signed in as dee@example.org" in page
    # An individual has no representative: the form is not offered.
    individual = make_members(community, 1, emailed=0, start=500)[0]
    page = client.get(reverse("membership:member", args=[individual.pk])).content.decode()
    assert "Record the representative" not in page
