"""The meeting pages through the test client: the secretary arranges an AGM and sends its
notice; a member opens it signed in or through their personal link; attendance and the
live quorum on the day; "When can we hold the meeting?"; the board page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from icalendar import Calendar

from meetings.links import member_link_token
from meetings.models import Meeting, MeetingStatus, Notice
from meetings.services import notices, rulebooks

from .conftest import at, make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(client, users, community):
    rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="coop_society",
                                    effective_from=dt.date(2024, 1, 1),
                                    adopted_by="Rules registered 2024")
    client.force_login(users["secretary"])
    return users["secretary"]


def arrange_agm(client, starts="2025-03-27T18:30") -> Meeting:
    response = client.post(reverse("meetings:new"), {
        "kind": "agm", "title": "Annual General Meeting 2025", "starts_at": starts,
        "place": "The Village Hall", "record_date": "2025-03-03"})
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get()
    response = client.post(reverse("meetings:item_add", args=[meeting.pk]), {
        "kind": "resolution", "title": "Online meetings", "resolution_type": "special",
        "resolution_text": "That the rules allow meetings online.",
        "description": "To change the rules."})
    assert response.status_code == 302
    response = client.post(reverse("meetings:document_add", args=[meeting.pk]), {
        "title": "Annual report and accounts",
        "file": _upload("accounts.pdf", b"%PDF-1.4 accounts")})
    assert response.status_code == 302
    return meeting


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_the_secretary_arranges_an_agm_previews_and_sends_its_notice(client, secretary,
                                                                     community):
    make_members(community, 3, emailed=2)
    meeting = arrange_agm(client)
    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "The notice is complete and on time." in page
    assert "That the rules allow meetings online." in page  # in the preview
    refused = client.post(reverse("meetings:notice_send", args=[meeting.pk]), {})
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    assert not Notice.objects.exists()

    sent = client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    assert sent.status_code == 302
    notice = Notice.objects.get()
    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "Preparing the emails" in page  # until a worker has made the deliveries
    notices.notice_prepare(notice_id=notice.pk)
    progress = client.get(reverse("meetings:notice_progress", args=[meeting.pk])).json()
    assert (progress["total"], progress["by_post"], progress["recipients"]) == (2, 3, 5)
    service = client.get(reverse("meetings:service", args=[meeting.pk]))
    assert service.content.decode().count("Waiting to be posted") == 3
    csv = client.get(reverse("meetings:service", args=[meeting.pk]), {"format": "csv"})
    assert csv.content.decode().splitlines()[0].startswith("member_number,name,channel")
    batch = notice.postal_batches.get()
    letters = client.get(reverse("meetings:letters", args=[meeting.pk, batch.pk, "pdf"]))
    assert letters.content.startswith(b"%PDF")
    posting = reverse("meetings:letters_posted", args=[meeting.pk, batch.pk])
    early = client.post(posting, {"posted_at": "2025-03-03T09:00"})
    assert "before the notice was issued" in early.content.decode()
    assert client.post(posting, {"posted_at": "2025-03-03T16:00"}).status_code == 400  # future
    with time_machine.travel(at(2025, 3, 3, 17, 0), tick=False):
        assert client.post(posting, {"posted_at": "2025-03-03T16:00"}).status_code == 302
    rows = client.get(reverse("meetings:service", args=[meeting.pk])).content.decode()
    assert rows.count("Posted") == 3


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_a_member_sees_the_notice_papers_and_calendar_signed_in_or_by_their_link(
        client, secretary, users, community):
    meeting = arrange_agm(client)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    notices.notice_prepare(notice_id=Notice.objects.get().pk)
    member = users["member"].members.get()
    document = meeting.documents.get()

    client.force_login(users["member"])
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert "Annual General Meeting 2025" in mine
    page = client.get(reverse("meetings:member_meeting", args=[meeting.pk]))
    assert "That the rules allow meetings online." in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    ics = client.get(reverse("meetings:member_calendar", args=[meeting.pk]))
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(2025, 3, 27, 18, 30)
    paper = client.get(reverse("meetings:member_paper", args=[meeting.pk, document.pk]))
    assert b"".join(paper.streaming_content) == b"%PDF-1.4 accounts"

    client.logout()
    token = member_link_token(member_id=member.pk, meeting_id=meeting.pk)
    page = client.get(reverse("meetings:member_link", args=[token])).content.decode()
    assert escape(member.full_name) in page and "please do not share it" in page
    assert client.get(reverse("meetings:link_paper", args=[token, document.pk])).status_code \
        == 200
    # A token altered, or naming a meeting the member was not sent, opens nothing.
    assert client.get(reverse("meetings:member_link", args=[token[:-2] + "xx"])
                      ).status_code == 404
    other = member_link_token(member_id=member.pk, meeting_id=meeting.pk + 100)
    assert client.get(reverse("meetings:member_link", args=[other])).status_code == 404


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_attendance_and_the_live_quorum_on_the_day(client, secretary, community):
    members = make_members(community, 40, emailed=0)  # 42 with the users' two: quorum 5
    meeting = arrange_agm(client)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    quorum = reverse("meetings:quorum", args=[meeting.pk])
    assert client.get(quorum).json() == {"present": 0, "required": 5, "quorate": False,
                                         "entitled": 42, "by_mode": {
                                             "in_person": 0, "remote": 0, "proxy": 0,
                                             "representative": 0}}
    client.post(reverse("meetings:open", args=[meeting.pk]))
    attend = reverse("meetings:attendance", args=[meeting.pk])
    for member in members[:4]:
        assert client.post(attend, {"member_number": member.member_number,
                                    "mode": "in_person"}).status_code == 302
    again = client.post(attend, {"member_number": members[0].member_number,
                                 "mode": "remote"})
    assert again.status_code == 400 and "already registered as present" in \
        again.content.decode()
    proxy = client.post(attend, {"member_number": members[4].member_number, "mode": "proxy"})
    assert proxy.status_code == 400  # the proxy's name is needed
    client.post(attend, {"member_number": members[4].member_number, "mode": "proxy",
                         "proxy_name": "The chair"})
    status = client.get(quorum).json()
    assert (status["present"], status["quorate"]) == (5, True)
    assert client.post(attend, {"member_number": 99999, "mode": "in_person"}
                       ).status_code == 400

    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "Quorate" in page and "4 in person, 1 by proxy" in page
    item = meeting.items.get()
    client.post(reverse("meetings:item_outcome", args=[meeting.pk, item.pk]),
                {"outcome": "Passed on a show of hands."})
    client.post(reverse("meetings:close", args=[meeting.pk]),
                {"minutes": "Chaired by the chair; 5 present."})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert meeting.items.get().outcome == "Passed on a show of hands."


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_members_online_do_not_count_towards_the_quorum_where_the_rules_say_so(
        client, secretary, community):
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2025, 1, 1),
                                    adopted_by="Rules amended 2025",
                                    changes={"remote_attendance_counts": False})
    members = make_members(community, 40, emailed=0)  # 42 with the users' two: quorum 5
    meeting = arrange_agm(client)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    client.post(reverse("meetings:open", args=[meeting.pk]))
    attend = reverse("meetings:attendance", args=[meeting.pk])
    quorum = reverse("meetings:quorum", args=[meeting.pk])
    for member in members[:3]:
        client.post(attend, {"member_number": member.member_number, "mode": "in_person"})
    for member in members[3:7]:
        assert client.post(attend, {"member_number": member.member_number,
                                    "mode": "remote"}).status_code == 302
    status = client.get(quorum).json()
    assert status["by_mode"]["remote"] == 4 and status["by_mode"]["in_person"] == 3
    assert (status["present"], status["required"], status["quorate"]) == (3, 5, False)
    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "members online do not count towards the quorum" in page
    for member in members[7:9]:
        client.post(attend, {"member_number": member.member_number, "mode": "in_person"})
    status = client.get(quorum).json()
    assert (status["present"], status["quorate"]) == (5, True)


@time_machine.travel(at(2025, 3, 3, 10, 0), tick=False)
def test_an_inquorate_meeting_is_adjourned_with_its_open_business(client, secretary,
                                                                  community):
    make_members(community, 40, emailed=0)
    meeting = arrange_agm(client)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    client.post(reverse("meetings:open", args=[meeting.pk]))
    response = client.post(reverse("meetings:adjourn", args=[meeting.pk]), {
        "to_starts_at": "2025-04-03T18:30", "reason": "No quorum after 30 minutes."})
    adjourned = Meeting.objects.get(adjourned_from=meeting)
    assert response["Location"] == reverse("meetings:meeting", args=[adjourned.pk])
    assert adjourned.items.count() == 1
    assert client.get(reverse("meetings:quorum", args=[adjourned.pk])).json()["required"] == 1


def test_when_can_we_hold_the_meeting(client, users, organisation):
    client.force_login(users["secretary"])
    url = reverse("meetings:plan")
    assert "Work it out" in client.get(url).content.decode()
    page = client.get(url, {"legal_form": "cic_shares", "nation": "england-wales",
                            "notice_sent": "2025-03-03T10:00", "meeting": "2025-03-19T10:00",
                            "clear_days": "14"}).content.decode()
    assert "No, that is too soon" in page and "Thursday 20 March 2025" in page
    page = client.get(url, {"legal_form": "cic_shares", "nation": "england-wales",
                            "notice_sent": "2025-03-03T10:00", "meeting": "2025-03-20T10:00",
                            "clear_days": "14", "proxy_deadline_hours": "48"}
                      ).content.decode()
    assert "Yes, the meeting can be held then" in page
    assert "Tuesday 18 March 2025, 10:00 a.m." in page  # 48 working hours before


def test_the_board_page_records_reserved_seats(client, users, organisation, community):
    client.force_login(users["secretary"])
    response = client.post(reverse("meetings:reserved_seats"), {
        "stakeholder_class": community.pk, "seats": 2, "clause": "Rule 40"})
    assert response.status_code == 302
    page = client.get(reverse("meetings:board")).content.decode()
    assert "2 seats for the Community class (Rule 40)" in page


def test_a_two_stage_resolution_is_confirmed_14_days_to_a_month_later(client, secretary,
                                                                      community):
    first = Meeting.objects.create(kind="general", title="General Meeting",
                                   record_date=dt.date(2025, 2, 1), place="The Hall",
                                   starts_at=at(2025, 3, 3, 18, 0), status="closed")
    from meetings.models import AgendaItem

    resolution = AgendaItem.objects.create(
        meeting=first, position=1, kind="resolution", title="Amalgamation with Other Co-op",
        resolution_type="amalgamation", resolution_text="That the society amalgamate.")

    def confirming(starts):
        client.post(reverse("meetings:new"), {
            "kind": "general", "title": f"Confirming meeting {starts}", "starts_at": starts,
            "place": "The Hall", "record_date": "2025-03-01"})
        meeting = Meeting.objects.get(title=f"Confirming meeting {starts}")
        return client.post(reverse("meetings:item_add", args=[meeting.pk]), {
            "kind": "resolution", "title": "Confirm the amalgamation",
            "resolution_type": "amalgamation", "confirms": resolution.pk,
            "resolution_text": "That the resolution of 3 March 2025 be confirmed."})

    with time_machine.travel(at(2025, 3, 4, 9, 0), tick=False):
        page = client.get(reverse("meetings:new")).content.decode()
        too_late = confirming("2025-04-10T18:00")
        assert too_late.status_code == 400
        assert "14 days to one month after the first" in too_late.content.decode()
        assert confirming("2025-03-24T18:00").status_code == 302
    assert page  # the form page rendered with the earlier resolution to choose
    confirmed = AgendaItem.objects.get(confirms=resolution)
    assert confirmed.meeting.title == "Confirming meeting 2025-03-24T18:00"
