"""Votes in the room and by post, entered by the secretary: each paper with its reference
and who entered it; the member told on their ballot page; an entry in error withdrawn;
the papers in the scrutineer's report; a show of hands on any resolution."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import Paper, PaperVote, Participation, ShowOfHands
from ballots.services import ballots
from governance.models import AuditEvent
from meetings.models import AgendaItem
from membership.models import MemberClassPeriod
from tests.ballots.sealed import Decrypted, keyed

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
    return ballots.ballot_open(actor=None, ballot=keyed(made))


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


def enter(client, ballot, number, *, channel="room", reference="101", choice="for"):
    resolution = ballot.questions.filter(kind="resolution").order_by("position").first()
    return client.post(reverse("ballots:room", args=[ballot.pk]), {
        "member_number": number, "channel": channel, "reference": reference,
        f"q{resolution.pk}": choice})


def test_a_paper_is_entered_with_its_reference_once_and_who_entered_it(client, users,
                                                                        ballot):
    client.force_login(users["secretary"])
    missing = enter(client, ballot, 100, reference="")
    assert missing.status_code == 400
    assert "Poll card or envelope number: This field is required" in missing.content.decode()
    assert not Participation.objects.exists()

    assert enter(client, ballot, 100, reference=" pc 17 ").status_code == 302
    paper = PaperVote.objects.get()
    assert (paper.reference, paper.channel, paper.entered_by_label) == (
        "PC 17", "room", "secretary@example.org")
    assert paper.elector.member_number == 100
    # The same poll card again, for someone else: refused, nothing stored.
    again = enter(client, ballot, 101, reference="PC 17")
    assert again.status_code == 400
    assert "The poll card PC 17 is entered already, for member 100" in again.content.decode()
    assert not Participation.objects.filter(elector__member_number=101).exists()
    # Envelopes are numbered apart from poll cards.
    assert enter(client, ballot, 101, channel="postal", reference="PC 17").status_code == 302
    event = AuditEvent.objects.filter(action="ballot.paper_entered").order_by("seq").first()
    assert event.changes == {"member_number": 100, "channel": "room", "reference": "PC 17"}
    assert event.actor_label == "secretary@example.org"
    page = client.get(reverse("ballots:room", args=[ballot.pk])).content.decode()
    assert "In the room: PC 17" in page and "By post: PC 17" in page


def test_the_member_is_told_of_a_paper_entered_for_them_and_how_to_dispute_it(
        client, users, ballot):
    member = users["member"].members.get()
    client.force_login(users["secretary"])
    assert enter(client, ballot, member.member_number, channel="postal",
                 reference="ENV-0042").status_code == 302

    client.force_login(users["member"])
    url = reverse("ballots:vote", args=[ballot.pk])
    page = client.get(url).content.decode()
    assert "A vote was recorded for you by post" in page
    assert "<strong>ENV-0042</strong>" in page and "If you did not cast this paper" in page
    # Not asked for a tracker they never had.
    assert "Your ballot tracker" not in page and "Review my vote" not in page
    resolution = ballot.questions.filter(kind="resolution").first()
    refused = client.post(url, {f"q{resolution.pk}": "against", "step": "confirm"})
    assert refused.status_code == 400
    assert "A vote was recorded for you by post" in refused.content.decode()
    assert Decrypted.objects.get(question=resolution).choice == "for"
    # The service says the same to any other caller.
    from ballots.services import casting
    from ballots.services.casting import Answer, VoteRefused

    with pytest.raises(VoteRefused, match=r"A vote on paper was recorded for you \(postal "
                                          r"paper ENV-0042\)"):
        casting.vote_cast(ballot=ballot, elector=PaperVote.objects.get().elector,
                          answers={resolution.pk: Answer(choice="against")})


def test_a_paper_entered_in_error_is_withdrawn_and_the_member_votes(client, users, ballot):
    member = users["member"].members.get()
    client.force_login(users["secretary"])
    enter(client, ballot, member.member_number, reference="9")
    paper = PaperVote.objects.get()
    url = reverse("ballots:paper_withdraw", args=[ballot.pk, paper.pk])
    no_reason = client.post(url, {"because": ""})
    assert no_reason.status_code == 400 and "There is a problem" in no_reason.content.decode()
    assert client.post(url, {"because": "Entered under the wrong member number"}
                       ).status_code == 302
    paper.refresh_from_db()
    assert paper.withdrawn_at is not None and paper.withdrawn_by_label == \
        "secretary@example.org"
    assert not Participation.objects.exists() and not Decrypted.objects.exists()
    # The paper is entered again for the right member, and the member votes online.
    assert enter(client, ballot, 100, reference="9").status_code == 302
    client.force_login(users["member"])
    resolution = ballot.questions.filter(kind="resolution").first()
    done = client.post(reverse("ballots:vote", args=[ballot.pk]),
                       {f"q{resolution.pk}": "against", "step": "confirm"})
    assert "Your vote is recorded" in done.content.decode()


def test_the_scrutineers_report_lists_the_papers_entered(client, users, ballot):
    from ballots.reports import scrutiny_report

    client.force_login(users["secretary"])
    enter(client, ballot, 100, reference="12")
    enter(client, ballot, 101, channel="postal", reference="E-7")
    client.post(reverse("ballots:paper_withdraw", args=[
        ballot.pk, PaperVote.objects.get(reference="E-7").pk]), {"because": "Wrong member"})
    ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    assert not Paper.objects.filter(channel="postal").exists()  # withdrawn: removed
    assert Paper.objects.filter(channel="room").count() == 1
    from governance.services import audit_chain_check

    report = scrutiny_report(ballot, chain=audit_chain_check())
    assert [(e["channel"], e["reference"], e["member_number"], e["entered_by"],
             bool(e["withdrawn_at"])) for e in report["paper_entries"]] == [
        ("room", "12", 100, "secretary@example.org", False),
        ("postal", "E-7", 101, "secretary@example.org", True)]
    client.force_login(users["scrutineer"])
    page = client.get(reverse("ballots:scrutiny", args=[ballot.pk])).content.decode()
    assert "Papers entered by the secretary" in page and "E-7" in page
    assert "Wrong member" in page
