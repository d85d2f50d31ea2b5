"""A member votes on a phone: the ballot paper of the AGM, a review, the vote and the
receipt; then checks the receipt. A member appoints a directed proxy; a proxy holder votes
for two members on one page, each as they instructed. A member who represents an
organisation chooses to vote for it. axe checks every page."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ballots.models import Channel, Elector, Participation
from ballots.services import ballots, proxies
from meetings.demo import seed_meetings
from meetings.models import Meeting
from meetings.services import meetings, notices
from membership.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from membership.models import Member
from membership.services.members import member_representative_set
from tests.ballots.sealed import Decrypted, keyed
from tests.factories import totp_now

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_agm_ballot():
    """The demo's AGM with an STV election added, its notice sent and its ballot open."""
    demo = seed_demo(preset="cbs")
    secretary = demo["users"]["secretary@example.org"]
    seed_meetings(preset="cbs", actor=secretary)
    agm = Meeting.objects.get()
    election = meetings.item_add(actor=secretary, meeting=agm, kind="election",
                                 title="Election of two directors", seats=2,
                                 election_method="stv")
    for name in ("Ada Brown", "Ben Cole", "Cleo Dunn"):
        meetings.candidate_add(actor=secretary, item=election, name=name,
                               nominated_on=timezone.localdate())
    notices.notice_send(actor=secretary, meeting=agm)
    agm.refresh_from_db()
    now = timezone.now()
    ballot = ballots.ballot_for_meeting(actor=secretary, meeting=agm,
                                        opens_at=now - dt.timedelta(minutes=5),
                                        closes_at=agm.starts_at - dt.timedelta(hours=1))
    ballots.ballot_open(actor=secretary, ballot=keyed(ballot))
    return ballot


def test_a_member_votes_on_a_phone_and_checks_the_receipt(phone_page):
    ballot = open_agm_ballot()
    page = phone_page
    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your vote")
    page.get_by_role("group", name="1. Appointment of the auditors").get_by_label(
        "For", exact=True).check()
    page.get_by_role("group", name="2. Meetings online").get_by_label(
        "Against", exact=True).check()
    page.get_by_label("Ben Cole: your preference").select_option("1")
    page.get_by_label("Ada Brown: your preference").select_option("2")
    page.get_by_role("button", name="Review my vote").click()
    page.check()
    expect(page.get_by_text("1. Ben Cole; 2. Ada Brown")).to_be_visible()
    page.get_by_role("button", name="Confirm my vote").click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")
    receipt = re.search(r"[0-9a-f ]{79}", page.locator(".receipt").inner_text())[0]
    page.get_by_role("link", name="find yours there").click()
    page.check()
    page.get_by_label("Your ballot tracker").fill(receipt)
    page.get_by_role("button", name="Check").click()
    page.check()
    expect(page.get_by_role("status").last).to_contain_text("A paper with this tracker is "
                                                            "in the ballot box")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow


def test_a_member_appoints_a_directed_proxy_and_the_chair_votes_for_them(page):
    ballot = open_agm_ballot()
    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/")
    page.get_by_role("link", name="appoint a proxy").click()
    page.check()
    page.get_by_label("The chair of the meeting").check()
    page.get_by_role("group", name="2. Meetings online").get_by_label("Against").check()
    page.get_by_role("button", name="Appoint my proxy").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text("Your proxy is appointed")
    expect(page.get_by_text("The chair of the meeting.")).to_be_visible()

    page.context.clear_cookies()  # sign out
    sign_in(page, "chair@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.goto(f"/office/ballots/{ballot.pk}/")
    page.get_by_role("link", name="Vote the proxies held by the chair").click()
    page.check()
    section = page.get_by_role("region", name=re.compile("For member"))
    expect(section).to_have_count(1)
    # The direction is filled in; a different choice would be refused.
    expect(section.get_by_role("group", name="2. Meetings online").get_by_label(
        "Against", exact=True)).to_be_checked()
    section.get_by_role("group", name="1. Appointment of the auditors").get_by_label(
        "For", exact=True).check()
    section.get_by_role("button", name=re.compile("Vote for member")).click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text("is recorded")
    expect(page.get_by_text("Voted", exact=True)).to_be_visible()


def test_a_proxy_holder_votes_for_two_members_as_each_instructed(page):
    """Two members name the same person as their proxy, one directing a vote for the
    second resolution and one against it; she votes for both on one page."""
    ballot = open_agm_ballot()
    online = ballot.questions.get(title="Meetings online")
    principals = list(Elector.objects.filter(ballot=ballot).exclude(
        member__user__email="member@example.org").order_by("member_number")[:2])
    for elector, direction in zip(principals, ("for", "against"), strict=True):
        proxies.proxy_appoint(actor=None, ballot=ballot, principal=elector, holder="named",
                              holder_name="Priya Shah", holder_email="member@example.org",
                              instructions={online.pk: direction})
    first, second = (elector.member_number for elector in principals)

    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/held/")
    expect(page.get_by_role("region", name=re.compile("For member"))).to_have_count(2)

    def section(number):
        return page.get_by_role("region", name=f"For member {number}")

    def choice(number, question, label):
        return section(number).get_by_role("group", name=question).get_by_label(
            label, exact=True)

    expect(choice(first, "2. Meetings online", "For")).to_be_checked()
    expect(choice(second, "2. Meetings online", "Against")).to_be_checked()

    choice(first, "1. Appointment of the auditors", "Against").check()
    section(first).get_by_role("button", name=f"Vote for member {first}").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Your vote for member {first} is recorded")
    expect(section(first).get_by_text("Voted", exact=True)).to_be_visible()

    # Going against the second member's direction is refused, and nothing is stored.
    choice(second, "1. Appointment of the auditors", "For").check()
    choice(second, "2. Meetings online", "For").check()
    section(second).get_by_role("button", name=f"Vote for member {second}").click()
    page.check()
    expect(section(second)).to_contain_text("You were told to vote against on question 2")
    assert not Participation.objects.filter(elector=principals[1]).exists()
    choice(second, "2. Meetings online", "Against").check()
    section(second).get_by_role("button", name=f"Vote for member {second}").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Your vote for member {second} is recorded")
    expect(page.get_by_text("Voted", exact=True)).to_have_count(2)

    assert sorted(Decrypted.objects.filter(question=online).values_list("choice", flat=True)
                  ) == ["against", "for"]
    assert set(Participation.objects.filter(elector__in=principals).values_list(
        "channel", flat=True)) == {Channel.PROXY}


def test_a_member_votes_for_the_organisation_they_represent(page):
    ballot = open_agm_ballot()
    elector = Elector.objects.filter(ballot=ballot).exclude(
        member__user__email="member@example.org").order_by("member_number").first()
    Member.objects.filter(pk=elector.member_id).update(kind="organisation",
                                                       full_name="Brookvale Housing Ltd")
    member_representative_set(actor=None, member=elector.member, full_name="Priya Shah",
                              email="member@example.org")

    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/")
    choices = page.get_by_role("navigation", name="Who you are voting for")
    expect(choices.get_by_role("link")).to_have_count(2)
    choices.get_by_role("link", name=re.compile("Brookvale Housing Ltd")).click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "The vote of Brookvale Housing Ltd")
    page.get_by_role("group", name="2. Meetings online").get_by_label(
        "Against", exact=True).check()
    page.get_by_role("button", name="Review my vote").click()
    page.check()
    page.get_by_role("button", name="Confirm my vote").click()
    page.check()
    expect(page.get_by_text("You voted for Brookvale Housing Ltd")).to_be_visible()
    vote = Participation.objects.get()
    assert vote.elector == elector and vote.channel == Channel.ONLINE


def test_the_secretary_enters_a_postal_vote_and_the_member_is_told_of_it(page):
    """The secretary enters a postal paper with its envelope number, withdraws it as
    entered under the wrong member, enters it again; the member reads on their ballot page
    that a postal vote was recorded for them and how to dispute it."""
    ballot = open_agm_ballot()
    member = Member.objects.get(user__email="member@example.org")
    other = Elector.objects.filter(ballot=ballot).exclude(member=member).order_by(
        "member_number").first()
    page.page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "secretary@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.goto(f"/office/ballots/{ballot.pk}/room/")
    page.get_by_label("Member number").fill(str(other.member_number))
    page.get_by_label("By post").check()
    page.get_by_role("button", name="Record the vote").click()
    page.check()
    expect(page.get_by_role("alert").first).to_contain_text("This field is required")
    page.get_by_label("Poll card or envelope number").fill("ENV-0042")
    page.get_by_role("group", name="1. Appointment of the auditors").get_by_label(
        "For", exact=True).check()
    page.get_by_role("button", name="Record the vote").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text("postal paper ENV-0042")
    row = page.get_by_role("row", name=re.compile("By post: ENV-0042"))
    row.get_by_label("Why the entry is withdrawn").fill("Entered under the wrong member")
    row.get_by_role("button", name=re.compile("Withdraw")).click()
    page.check()
    expect(page.get_by_text("Withdrawn", exact=False).first).to_be_visible()
    page.get_by_label("Member number").fill(str(member.member_number))
    page.get_by_label("By post").check()
    page.get_by_label("Poll card or envelope number").fill("ENV-0042")
    page.get_by_role("group", name="1. Appointment of the auditors").get_by_label(
        "For", exact=True).check()
    page.get_by_role("button", name="Record the vote").click()
    page.check()

    page.context.clear_cookies()
    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/")
    notice = page.get_by_role("region", name="A vote was recorded for you by post")
    expect(notice).to_contain_text("ENV-0042")
    expect(notice).to_contain_text("If you did not cast this paper")
    expect(page.get_by_label("Your ballot tracker")).to_have_count(0)


def test_a_vote_that_meets_a_lock_is_asked_to_try_again(page, settings):
    from tests.ballots.conftest import BallotRowHeld

    settings.WEB_DB_LOCK_TIMEOUT = "300ms"
    ballot = open_agm_ballot()
    sign_in(page, "member@example.org", DEMO_PASSWORD)
    page.goto(f"/ballots/{ballot.pk}/")
    page.get_by_role("group", name="1. Appointment of the auditors").get_by_label(
        "For", exact=True).check()
    page.get_by_role("button", name="Review my vote").click()
    page.check()
    with BallotRowHeld(ballot.pk, "FOR UPDATE"):
        page.get_by_role("button", name="Confirm my vote").click()
        page.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please try again in a moment")
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    assert not Participation.objects.exists()
