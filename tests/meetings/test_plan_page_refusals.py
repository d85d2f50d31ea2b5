"""'When can we hold the meeting?' with input the timing rules cannot work with: the
refusal is shown next to its field (a 400 page with the form), never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ASKED = {"legal_form": "cic_shares", "nation": "england-wales",
         "notice_sent": "2025-03-03T10:00", "meeting": "2025-03-20T10:00", "clear_days": "14"}


@pytest.mark.parametrize(("changes", "field", "words"), [
    # Sending the notice on the last day of year 9999 used to overflow the calendar.
    ({"notice_sent": "9999-12-31T10:00"}, "notice_sent", "no later than"),
    ({"meeting": "9999-12-31T10:00"}, "meeting", "no later than"),
    # A society's rules set their own deadline: ten million hours is no deadline at all.
    ({"legal_form": "coop_society", "proxy_deadline_hours": "10000000"},
     "proxy_deadline_hours", None),
    ({"clear_days": "100000000"}, "clear_days", None),
    # A company has no two-stage resolution: no confirming window to show.
    ({"first_meeting": "2025-03-20"}, "first_meeting", "procedure for amalgamation"),
])
def test_out_of_range_input_is_refused_next_to_its_field(client, users, organisation,
                                                         changes, field, words):
    client.force_login(users["secretary"])
    response = client.get(reverse("meetings:plan"), {**ASKED, **changes})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    if words:
        assert words in errors[field][0]
        assert words in response.content.decode()


def test_a_society_still_sees_its_confirming_window(client, users, organisation):
    client.force_login(users["secretary"])
    response = client.get(reverse("meetings:plan"), {
        **ASKED, "legal_form": "coop_society", "first_meeting": "2025-06-10"})
    assert response.status_code == 200
    assert "Between 24 June 2025 and 10 July 2025" in response.content.decode()


def test_the_first_year_is_refused_too(client, users, organisation):
    client.force_login(users["secretary"])
    response = client.get(reverse("meetings:plan"), {**ASKED, "notice_sent": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["notice_sent"]
