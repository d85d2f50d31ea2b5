"""The input rules on the real pages and on PostgreSQL: numbers beyond their column, dates
far out of range and hidden control characters are refused with a message next to the
field (400), never a crash (500) or a value stored that a later step cannot use."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from ballots.models import Ballot, ShowOfHands
from meetings.models import AgendaItem, Candidate, Meeting, Rulebook
from meetings.services import rulebooks
from membership.models import ShareClass
from tests.test_access_table import _draft_meeting, _open_ballot

pytestmark = pytest.mark.django_db

RLO = "\u202e"


@pytest.fixture
def secretary(client, users):
    client.raise_request_exception = False  # a crash is a 500 here, as a browser sees it
    client.force_login(users["secretary"])
    return users["secretary"]


def field_error(response, field_id: str) -> str:
    """The message shown next to a field (the renderer gives it the id `<field>_error`)."""
    page = response.content.decode()
    start = page.index(f'id="{field_id}_error"')
    return html.unescape(page[page.index("</span>", start) + 7:page.index("</p>", start)]
                         ).strip()


PLAN = {"legal_form": "cbs", "nation": "england-wales", "notice_sent": "2025-03-03T10:00",
        "meeting": "2025-04-03T18:00"}


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"clear_days": "100000000"}, "clear_days", "Enter 365 or less."),
    ({"clear_days": "99999999999999999999"}, "clear_days", "Enter 365 or less."),
    ({"proxy_deadline_hours": "2147483648"}, "proxy_deadline_hours", "Enter 720 or less."),
    ({"notice_sent": "9999-12-31T23:59"}, "notice_sent", "Enter a date no later than"),
    ({"meeting": "9999-12-31T23:59"}, "meeting", "Enter a date no later than"),
    ({"first_meeting": "9999-12-31"}, "first_meeting", "Enter a date no later than"),
    ({"notice_sent": "0001-01-01T00:00"}, "notice_sent", "Enter a date on or after 1 January "
                                                         "1900."),
])
def test_the_meeting_planner_refuses_absurd_values_next_to_the_field(client, secretary, extra,
                                                                     field, message):
    response = client.get(reverse("meetings:plan"), {**PLAN, **extra})
    assert response.status_code == 400
    assert field_error(response, f"plan_{field}").startswith(message)


def test_seats_beyond_the_column_are_refused_on_the_agenda_and_the_ballot(client, secretary,
                                                                          users):
    meeting, _item = _draft_meeting(users)
    response = client.post(reverse("meetings:item_add", args=[meeting.pk]), {
        "kind": "election", "title": "Election of the council", "seats": "40000",
        "election_method": "stv"})
    assert response.status_code == 400
    assert field_error(response, "item_seats") == "Enter 200 or less."
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2020, 1, 1), adopted_by="Rules")
    soon = dt.datetime.now() + dt.timedelta(days=2)
    response = client.post(reverse("ballots:new"), {
        "kind": "standalone", "title": "Council elections", "record_date": "2025-01-06",
        "opens_at": f"{soon:%Y-%m-%dT%H:%M}",
        "closes_at": f"{soon + dt.timedelta(days=7):%Y-%m-%dT%H:%M}"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    ballot = Ballot.objects.get(meeting=None)
    response = client.post(reverse("ballots:question_add", args=[ballot.pk]), {
        "kind": "stv", "title": "Council", "seats": "40000", "candidates": "A\nB"})
    assert response.status_code == 400
    assert field_error(response, "question_seats") == "Enter 200 or less."


def test_a_show_of_hands_of_two_to_the_31_is_refused(client, secretary, users):
    ballot, _sent = _open_ballot(users)
    question = ballot.questions.get()
    response = client.post(reverse("ballots:hands", args=[ballot.pk]), {
        "question": question.pk, "votes_for": str(2**31), "votes_against": "0",
        "abstentions": "0"})
    assert response.status_code == 400
    assert field_error(response, "hands_votes_for") == "Enter 10,000,000 or less."
    assert not ShowOfHands.objects.exists()


def test_share_class_numbers_beyond_their_columns_are_refused(client, secretary):
    response = client.post(reverse("membership:share_class_new"), {
        "name": "Ordinary shares", "par_value": "1.00", "min_holding": "1",
        "max_holding": str(2**31), "withdrawal_notice_months": "40000",
        "withdrawal_notice_days": "0", "votes_from": "2020-01-01"})
    assert response.status_code == 400
    assert field_error(response, "id_max_holding") == "Enter 2,147,483,647 or less."
    assert field_error(response, "id_withdrawal_notice_months") == "Enter 120 or less."
    assert not ShareClass.objects.exists()


@pytest.mark.parametrize(("day", "message"), [
    ("9999-12-31", "Enter a date no later than"), ("0001-01-01", "Enter a date on or after"),
])
def test_a_rulebook_in_force_from_far_out_of_range_is_refused(client, secretary, day,
                                                              message):
    response = client.post(reverse("meetings:rulebook_adopt"), {
        "preset": "coop_society", "effective_from": day, "adopted_by": "Rules 2025"})
    assert response.status_code == 400
    assert field_error(response, "rules_effective_from").startswith(message)
    assert not Rulebook.objects.exists()


def test_a_meeting_starting_on_the_last_day_of_9999_is_refused(client, secretary):
    response = client.post(reverse("meetings:new"), {
        "kind": "general", "title": "General Meeting", "starts_at": "9999-12-31T23:59",
        "record_date": "2025-03-03"})
    assert response.status_code == 400
    assert field_error(response, "meeting_starts_at").startswith("Enter a date no later than")
    assert not Meeting.objects.exists()


def test_a_candidate_nominated_on_the_first_day_of_year_one_is_refused(client, secretary,
                                                                        users):
    meeting, item = _draft_meeting(users)
    response = client.post(reverse("meetings:candidate_add", args=[meeting.pk, item.pk]), {
        "name": "Dee Director", "nominated_on": "0001-01-01"})
    assert response.status_code == 400
    assert "Enter a date on or after 1 January 1900." in response.content.decode()
    assert not Candidate.objects.exists()


def test_control_characters_are_refused_in_titles_names_and_statements(client, secretary,
                                                                        users):
    response = client.post(reverse("meetings:new"), {
        "kind": "general", "title": f"General Meeting{RLO}2026",
        "starts_at": (dt.date.today() + dt.timedelta(days=40)).isoformat() + "T18:00",
        "record_date": dt.date.today().isoformat()})
    assert response.status_code == 400
    assert field_error(response, "meeting_title").startswith(
        "Remove the hidden character U+202E (right-to-left override)")
    page = response.content.decode()
    assert 'href="#meeting_title"' in page  # the error summary links to the field
    meeting, item = _draft_meeting(users)
    response = client.post(reverse("meetings:candidate_add", args=[meeting.pk, item.pk]), {
        "name": f"Dee{RLO} Director", "statement": "I have served\n\nfor two years\u200b.",
        "nominated_on": dt.date.today().isoformat()})
    assert response.status_code == 400
    assert field_error(response, f"candidate{item.pk}_name").startswith(
        "Remove the hidden character")
    assert field_error(response, f"candidate{item.pk}_statement").startswith(
        "Remove the hidden character U+200B (zero width space)")
    # A line break is fine in a statement, not in a name.
    response = client.post(reverse("meetings:candidate_add", args=[meeting.pk, item.pk]), {
        "name": "Dee\nDirector", "statement": "I have served\n\nfor two years.",
        "nominated_on": dt.date.today().isoformat()})
    assert response.status_code == 400
    assert field_error(response, f"candidate{item.pk}_name") == \
        "Enter this on one line, without line breaks."
    assert f"candidate{item.pk}_statement_error" not in response.content.decode()
    assert not Candidate.objects.exists()
    response = client.post(reverse("membership:stakeholder_class_new"), {
        "name": f"Staff{RLO}", "eligibility": "Permanent staff\nand trainees",
        "votes": "on", "votes_from": "2020-01-01"})
    assert response.status_code == 400
    assert field_error(response, "id_name").startswith("Remove the hidden character")


def test_each_candidate_on_a_ballot_is_one_line_without_hidden_characters(client, secretary):
    from ballots.forms import QuestionForm

    form = QuestionForm({"kind": "stv", "title": "Council", "seats": "2",
                         "candidates": "Ann Able\nBen\tBaker\nCat Cole"})
    assert form.errors["candidates"] == [
        "Ben\tBaker: Remove the hidden character U+0009: it is invisible, or changes how the "
        "text around it is shown."]
    form = QuestionForm({"kind": "stv", "title": "Council", "seats": "2",
                         "candidates": "Ann Able\r\nBen Baker\n"})
    assert "candidates" not in form.errors


def test_the_meeting_dates_command_refuses_numbers_beyond_the_planners_limits(capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    base = ["meeting_dates", "--legal-form", "cbs", "--nation", "england-wales",
            "--notice-sent", "2025-03-03T10:00", "--meeting", "2025-04-03T18:00"]
    with pytest.raises(CommandError, match="--clear-days cannot be more than 365."):
        call_command(*base, "--clear-days", "100000000")
    with pytest.raises(CommandError, match="--proxy-deadline-hours cannot be more than 720."):
        call_command(*base, "--proxy-deadline-hours", "1e12")
