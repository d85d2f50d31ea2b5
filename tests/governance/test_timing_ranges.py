"""The timing rules at their edges: no hours at all before a meeting on a day that is not
a working day, and input they cannot work with (not a number, too large, outside the
calendar's years, a company's "two-stage" window) refused as a DomainError naming the
field, for the page and the command alike."""

import datetime as dt
import math

import pytest

from governance.calendar import LAST_YEAR, LONDON, Nation, add_working_hours, is_working_day
from governance.exceptions import DomainError
from governance.models import LegalForm
from governance.timing import (
    TimingInputError,
    confirmation_window,
    notice_deemed_delivery,
    notice_timing,
    proxy_deadlines,
)

EW = Nation.ENGLAND_WALES
COMPANY, SOCIETY = LegalForm.CIC_SHARES, LegalForm.COOPERATIVE_SOCIETY


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize("meeting", [
    london(2025, 3, 22, 10),  # a Saturday
    london(2025, 5, 26, 10),  # the spring bank holiday
    london(2025, 12, 25, 18, 30),  # Christmas Day
    london(2025, 3, 24, 10),  # a Monday: a working day, as before
])
def test_no_hours_before_a_meeting_is_the_meetings_start(meeting):
    deadlines = proxy_deadlines(legal_form=SOCIETY, nation=EW, meeting_at=meeting,
                                appointment_hours=0, revocation_hours=0)
    assert deadlines.appointment_deadline == meeting
    assert deadlines.revocation_deadline == meeting


def test_no_hours_after_sending_on_a_sunday_is_the_sending():
    sent = london(2025, 3, 23, 12)
    assert not is_working_day(sent.date(), nation=EW)
    assert notice_deemed_delivery(sent_at=sent, nation=EW, hours=0) == sent
    assert add_working_hours(sent, 1, nation=EW) == london(2025, 3, 24, 1)  # as before


@pytest.mark.parametrize("hours", [math.nan, math.inf, -math.inf, 1e300, 10**9, 24 * 366 + 1])
def test_hours_that_cannot_be_counted_are_refused(hours):
    with pytest.raises(TimingInputError) as refused:
        proxy_deadlines(legal_form=SOCIETY, nation=EW, meeting_at=london(2025, 6, 10, 18),
                        appointment_hours=hours)
    assert refused.value.field == "proxy_deadline_hours"
    assert "The deadline for a proxy appointment" in refused.value.message
    with pytest.raises(TimingInputError) as refused:
        proxy_deadlines(legal_form=SOCIETY, nation=EW, meeting_at=london(2025, 6, 10, 18),
                        revocation_hours=hours)
    assert refused.value.field == "revocation_deadline_hours"
    with pytest.raises(TimingInputError) as refused:
        notice_deemed_delivery(sent_at=london(2025, 6, 10, 18), nation=EW, hours=hours)
    assert refused.value.field == "delivery_hours"


def test_a_years_working_hours_are_still_counted():
    deadline = proxy_deadlines(legal_form=SOCIETY, nation=EW, meeting_at=london(2025, 6, 10, 18),
                               appointment_hours=24 * 366).appointment_deadline
    assert deadline == london(2023, 12, 27, 18)  # 366 working days back


@pytest.mark.parametrize("clear_days", [367, 10**12])
def test_clear_days_beyond_a_year_are_refused(clear_days):
    with pytest.raises(TimingInputError, match="at most 366") as refused:
        notice_timing(legal_form=SOCIETY, nation=EW, sent_at=london(2025, 6, 2, 10),
                      meeting=dt.date(2025, 7, 1), clear_days=clear_days)
    assert refused.value.field == "clear_days"


@pytest.mark.parametrize(("sent", "meeting", "field"), [
    (london(9999, 12, 31, 10), london(9999, 12, 31, 18), "notice_sent"),
    (london(2025, 6, 2, 10), london(9999, 12, 31, 18), "meeting"),
    (london(1, 1, 1, 10), london(2025, 6, 2, 10), "notice_sent"),
    (dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=5))),
     london(2025, 6, 2, 10), "notice_sent"),
    (london(LAST_YEAR + 1, 1, 5, 10), london(LAST_YEAR + 1, 2, 5, 10), "notice_sent"),
    # Sent on the calendar's last day: the 48 working hours run past it.
    (london(LAST_YEAR, 12, 31, 10), london(LAST_YEAR, 12, 31, 18), "notice_sent"),
])
def test_days_outside_the_calendar_are_refused(sent, meeting, field):
    with pytest.raises(TimingInputError) as refused:
        notice_timing(legal_form=COMPANY, nation=EW, sent_at=sent, meeting=meeting)
    assert refused.value.field == field
    assert str(LAST_YEAR) in refused.value.message


def test_a_day_the_calendar_does_not_know_is_never_taken_for_a_working_day():
    # The bank-holiday package knows no holidays past its last year: without the guard,
    # Christmas Day would count as a working day.
    with pytest.raises(ValueError, match="bank holidays"):
        is_working_day(dt.date(LAST_YEAR + 1, 12, 25), nation=EW)


def test_a_company_has_no_confirming_meeting_window():
    with pytest.raises(TimingInputError, match="registered society's procedure") as refused:
        confirmation_window(first_meeting=dt.date(2025, 6, 10), legal_form=COMPANY)
    assert refused.value.field == "first_meeting"
    assert isinstance(refused.value, DomainError)
    window = confirmation_window(first_meeting=dt.date(2025, 6, 10), legal_form=SOCIETY)
    assert (window.earliest, window.latest) == (dt.date(2025, 6, 24), dt.date(2025, 7, 10))


def test_the_refusals_are_value_errors_as_before():
    with pytest.raises(ValueError, match="cannot be negative"):
        notice_deemed_delivery(sent_at=london(2025, 6, 2, 10), nation=EW, hours=-1)
