"""Notice of a general meeting through the services: checked before anything is sent
(late, incomplete, addressed to nobody), its contents, one delivery per member by email or
post, a bounce moving the member to post, and scenario S7 (notice and short notice)."""

import datetime as dt

import pytest
import time_machine

from governance.exceptions import DomainError
from governance.models import AuditEvent, Delivery, LegalForm
from governance.outbox import delivery_bounced
from meetings.models import Channel, Meeting, MeetingStatus, Notice, NoticeDelivery
from meetings.services import meetings, notices, rulebooks
from meetings.services.notices import NoticeRefused
from membership.models import CommunicationConsent

from .conftest import at, make_members

pytestmark = pytest.mark.django_db
D = dt.date


def rules(actor, preset="coop_society", **changes):
    return rulebooks.rulebook_adopt_preset(actor=actor, preset=preset,
                                           effective_from=dt.date(2024, 1, 1),
                                           adopted_by="Rules registered 2024", changes=changes)


def agm(actor, starts_at, **extra):
    meeting = meetings.meeting_create(actor=actor, kind="agm",
                                      title="Annual General Meeting 2025", starts_at=starts_at,
                                      record_date=dt.date(2025, 2, 28),
                                      place="The Village Hall, Testtown", **extra)
    meetings.item_add(actor=actor, meeting=meeting, kind="report",
                      title="Annual report and accounts",
                      description="To receive the accounts for the year to 31 December 2024.")
    meetings.item_add(actor=actor, meeting=meeting, kind="resolution",
                      title="Change of rules", resolution_type="special",
                      resolution_text="That rule 12 be amended to allow online meetings.")
    return meeting


@pytest.fixture
def cbs(users, community):
    secretary = users["secretary"]
    rules(secretary)
    make_members(community, 6, emailed=4)
    return secretary


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_a_complete_notice_states_what_the_law_requires(cbs):
    meeting = agm(cbs, at(2025, 3, 27, 18, 30))
    subject, body, problems = notices.notice_preview(meeting=meeting)
    assert problems == []
    assert subject == "Notice of the Annual General Meeting 2025: Test Community Society"
    for required in ["NOTICE OF THE ANNUAL GENERAL MEETING 2025",
                     "Thursday 27 March 2025 at 18:30", "The Village Hall, Testtown",
                     "To receive the accounts for the year to 31 December 2024.",
                     '"That rule 12 be amended to allow online meetings."',
                     "may appoint a proxy to attend, speak and vote instead of them",
                     "no more than 5 members"]:
        assert required in body, required


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_an_incomplete_notice_is_refused_with_every_reason_and_nothing_is_written(cbs):
    with pytest.raises(DomainError, match="must say it is the Annual General Meeting"):
        meetings.meeting_create(actor=cbs, kind="agm", title="Members' meeting",
                                starts_at=at(2025, 3, 10, 18, 0))
    meeting = meetings.meeting_create(actor=cbs, kind="agm", title="Annual General Meeting",
                                      starts_at=at(2025, 3, 10, 18, 0),
                                      record_date=dt.date(2025, 2, 28))
    with pytest.raises(DomainError, match="full text"):
        meetings.item_add(actor=cbs, meeting=meeting, kind="resolution", title="Rules",
                          resolution_type="special")
    audit_before = AuditEvent.objects.count()
    with pytest.raises(NoticeRefused) as refused:
        notices.notice_send(actor=cbs, meeting=meeting)
    reasons = " ".join(p.message for p in refused.value.problems)
    assert "Say where the meeting is held" in reasons
    assert "state the general nature of the business" in reasons
    assert "Too late for this date" in reasons
    assert Notice.objects.count() == 0 and Delivery.objects.count() == 0
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.DRAFT
    assert AuditEvent.objects.count() == audit_before


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_a_notice_to_nobody_is_refused(users, community):
    rules(users["secretary"])  # the community class has no members yet
    meeting = meetings.meeting_create(actor=users["secretary"], kind="class",
                                      title="Community class meeting",
                                      starts_at=at(2025, 3, 27, 18, 30), place="The Hall",
                                      constituency=community)
    meetings.item_add(actor=users["secretary"], meeting=meeting, kind="other",
                      title="Class representative", description="To choose one.")
    with pytest.raises(NoticeRefused) as refused:
        notices.notice_send(actor=users["secretary"], meeting=meeting)
    assert [p.field for p in refused.value.problems] == ["recipients"]


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_each_member_gets_one_copy_by_email_or_post_even_if_preparation_runs_twice(cbs):
    meeting = agm(cbs, at(2025, 3, 27, 18, 30))
    notice = notices.notice_send(actor=cbs, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTICE_SENT and meeting.rulebook.version == 1
    # Six in the community class (four agreed to email) and the two members among the
    # users, who did not: eight members, four emails and four letters.
    assert notices.notice_prepare(notice_id=notice.pk) == 8
    assert notices.notice_prepare(notice_id=notice.pk) == 0  # a task delivered twice
    notice.refresh_from_db()
    assert notice.recipients == 8
    by_channel = {c: NoticeDelivery.objects.filter(notice=notice, channel=c).count()
                  for c in Channel.values}
    assert by_channel == {Channel.EMAIL: 4, Channel.POST: 4}
    assert Delivery.objects.filter(kind="meeting_notice").count() == 4
    assert notice.mailing.deliveries.count() == 4
    with pytest.raises(DomainError, match="already gone"):
        notices.notice_send(actor=cbs, meeting=meeting)


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_a_bounced_email_ends_the_consent_and_sends_the_notice_by_post(cbs):
    notice = notices.notice_send(actor=cbs, meeting=agm(cbs, at(2025, 3, 27, 18, 30)))
    notices.notice_prepare(notice_id=notice.pk)
    emailed = NoticeDelivery.objects.filter(notice=notice, channel=Channel.EMAIL).first()
    delivery_bounced(delivery=emailed.delivery, error="550 no such user")
    delivery_bounced(delivery=emailed.delivery, error="550 no such user")  # reported twice
    letters = NoticeDelivery.objects.filter(notice=notice, member=emailed.member,
                                            channel=Channel.POST)
    assert letters.count() == 1 and letters.get().replaces == emailed
    consent = CommunicationConsent.objects.get(member=emailed.member)
    assert consent.withdrawn_on == dt.date(2025, 3, 3)
    assert "550 no such user" in consent.withdrawn_reason


# --- Nominations ------------------------------------------------------------------------


def election(actor, meeting, opens=None, closes=None):
    return meetings.item_add(actor=actor, meeting=meeting, kind="election",
                             title="Election of directors", seats=2, election_method="fptp",
                             nominations_open=opens, nominations_close=closes)


def nominate(actor, item, name, on):
    return meetings.candidate_add(actor=actor, item=item, name=name, nominated_on=on)


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
@pytest.mark.parametrize(("opens", "closes", "too_early", "too_late", "window"), [
    (D(2025, 3, 1), D(2025, 3, 10), D(2025, 2, 28), D(2025, 3, 11),
     "from 1 March 2025 to 10 March 2025"),
    (D(2025, 3, 1), None, D(2025, 2, 28), None, "from 1 March 2025"),
    (None, D(2025, 3, 10), None, D(2025, 3, 11), "until 10 March 2025"),
])
def test_a_nomination_outside_the_window_is_refused(cbs, opens, closes, too_early, too_late,
                                                    window):
    item = election(cbs, agm(cbs, at(2025, 4, 10, 18, 30)), opens, closes)
    for outside in (too_early, too_late):
        if outside is None:
            continue
        with pytest.raises(DomainError, match=f"Nominations are open {window}.") as refused:
            nominate(cbs, item, f"Late {outside:%d}", outside)
        assert refused.value.field == "nominated_on"
    assert not item.candidates.exists()
    # The first and last days of the window are inside it.
    for day in (opens, closes):
        if day is not None:
            nominate(cbs, item, f"On time {day:%d}", day)
    assert item.candidates.count() == len([d for d in (opens, closes) if d])


def test_the_notice_waits_until_nominations_have_closed(cbs):
    with time_machine.travel(at(2025, 3, 3, 10, 0), tick=False):
        meeting = agm(cbs, at(2025, 4, 10, 18, 30))
        item = election(cbs, meeting, D(2025, 3, 1), D(2025, 3, 10))
        nominate(cbs, item, "Ada Lovelace", D(2025, 3, 3))
        _subject, _body, problems = notices.notice_preview(meeting=meeting)
        assert [(p.field, p.message) for p in problems] == [
            ("items", "Item 3: nominations are open until 10 March 2025; send the notice "
                      "when they have closed.")]
    # On the closing day nominations are still open: the notice still waits.
    with time_machine.travel(at(2025, 3, 10, 16, 0), tick=False):
        with pytest.raises(NoticeRefused) as refused:
            notices.notice_send(actor=cbs, meeting=meeting)
        assert [p.field for p in refused.value.problems] == ["items"]
        nominate(cbs, item, "Grace Hopper", D(2025, 3, 10))
    assert not Notice.objects.exists()
    with time_machine.travel(at(2025, 3, 11, 9, 0), tick=False):
        notices.notice_send(actor=cbs, meeting=meeting)
        with pytest.raises(DomainError, match="notice has gone"):
            nominate(cbs, item, "Late Entry", D(2025, 3, 10))
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.NOTICE_SENT
    assert item.candidates.count() == 2


# --- S7: a private company (a CIC limited by shares), 14 clear days --------------------


@pytest.fixture
def cic(users, community, organisation):
    organisation.legal_form = LegalForm.CIC_SHARES
    organisation.save()
    rules(users["secretary"], preset="cic_shares")
    return users["secretary"]


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_s7_a_notice_emailed_on_3_march_allows_a_meeting_on_20_march_not_19th(cic,
                                                                            community):
    make_members(community, 3, emailed=3)
    too_soon = agm(cic, at(2025, 3, 19, 10, 0))
    with pytest.raises(NoticeRefused) as refused:
        notices.notice_send(actor=cic, meeting=too_soon)
    [problem] = refused.value.problems
    assert problem.field == "starts_at"
    assert "Thursday 20 March 2025" in problem.message
    meetings.meeting_update(actor=cic, meeting=too_soon, starts_at=at(2025, 3, 20, 10, 0))
    notice = notices.notice_send(actor=cic, meeting=too_soon)
    assert notice.sent_at == at(2025, 3, 3, 10, 0)


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_s7_short_notice_needs_a_majority_in_number_holding_the_percentage_of_rights(
        cic, community):
    # 40 members holding 100 shares: 30 of them hold 88; one more holds 3.
    holdings = [3] * 28 + [2] * 2 + [3] + [1] * 9
    members = make_members(community, 40, emailed=0, shares=holdings)
    meeting = agm(cic, at(2025, 3, 10, 10, 0))
    for member in members[:30]:
        notices.short_notice_consent_record(actor=cic, meeting=meeting, member=member,
                                            consented_on=dt.date(2025, 3, 3),
                                            how="signed letter")
    status = notices.short_notice_status(meeting=meeting)
    assert status.headcount_met and not status.voting_rights_met and not status.valid
    assert status.percent == 88
    with pytest.raises(NoticeRefused):
        notices.notice_send(actor=cic, meeting=meeting)

    notices.short_notice_consent_record(actor=cic, meeting=meeting, member=members[30],
                                        consented_on=dt.date(2025, 3, 3), how="email")
    status = notices.short_notice_status(meeting=meeting)
    assert status.valid and status.percent == 91
    with pytest.raises(DomainError, match="already recorded"):
        notices.short_notice_consent_record(actor=cic, meeting=meeting, member=members[30],
                                            consented_on=dt.date(2025, 3, 3), how="email")

    # Articles that ask for 95% (a later version of the rules): 91% is not enough.
    rulebooks.rulebook_adopt_preset(actor=cic, preset="cic_shares",
                                    effective_from=dt.date(2025, 3, 1),
                                    adopted_by="Special resolution of 1 March 2025",
                                    changes={"short_notice_percent": 95})
    assert not notices.short_notice_status(meeting=meeting).valid
    rulebooks.rulebook_adopt_preset(actor=cic, preset="cic_shares",
                                    effective_from=dt.date(2025, 3, 2),
                                    adopted_by="Special resolution of 2 March 2025")
    notice = notices.notice_send(actor=cic, meeting=meeting)  # short notice, agreed
    assert notice.meeting.rulebook.version == 3
