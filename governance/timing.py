"""Lawful timing of general meetings: deemed delivery of a notice, clear days, proxy deadlines,
the confirming meeting of a society's two-stage special resolution, and short notice.

Pure functions: they read no database and write nothing. Every refusal names its rule.
Input they cannot work with (hours that are not a finite number or more than a year's
working hours, clear days beyond a year, a day outside the years whose bank holidays the
calendar knows, a two-stage window for a company) raises `TimingInputError`, a
`DomainError` naming the field, so a page shows it next to the field and a command as its
error."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

from governance.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    LONDON,
    CalendarRangeError,
    add_working_hours,
    subtract_working_hours,
)
from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.models import COMPANY_FORMS, SOCIETY_FORMS, LegalForm

DEEMED_DELIVERY_HOURS = 48  # CA06 s.1147(2)-(3), unless the articles or rules say otherwise
COMPANY_NOTICE_CLEAR_DAYS = 14  # CA06 s.307(1), private company general meeting
SOCIETY_MODEL_NOTICE_CLEAR_DAYS = 14  # Co-operatives UK model rules
PROXY_DEADLINE_MAX_HOURS = 48  # CA06 ss.327(2), 330(5): the most a company's articles may require
SHORT_NOTICE_PERCENT = Decimal(90)  # CA06 s.307(6)(a)
SHORT_NOTICE_MAX_PERCENT = Decimal(95)
CONFIRMATION_MIN_DAYS = 14  # CCBSA ss.111(2), 113(2)
MAX_HOURS = 24 * 366  # no rule counts more working hours than a year's worth
MAX_CLEAR_DAYS = 366  # nor more clear days' notice than a year

_CA06 = "Companies Act 2006"
_CCBSA = "Co-operative and Community Benefit Societies Act 2014"


class UnlawfulTiming(DomainError):
    """A requested notice period, deadline or threshold that the law does not allow."""


class TimingInputError(DomainError, ValueError):
    """Input the timing rules cannot work with: not a number, out of range, outside the
    calendar, or of the wrong legal form. A ValueError too, as these refusals were."""


_CALENDAR_SPAN = f"1 January {FIRST_YEAR} and 31 December {LAST_YEAR}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _check_hours(hours, *, what: str, field: str) -> None:
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal) \
            or not math.isfinite(hours):
        raise TimingInputError(f"{_sentence(what)} must be a number of hours, not {hours}.",
                               field=field)
    if hours < 0:
        raise TimingInputError(f"{_sentence(what)} cannot be negative.", field=field)
    if hours > MAX_HOURS:
        raise TimingInputError(f"{_sentence(what)} can be at most {MAX_HOURS:,} working "
                               f"hours (a year), not {hours:,}.", field=field)


def _check_day(day: dt.date | dt.datetime, *, what: str, field: str) -> None:
    """A day the calendar can place (checked in its own time zone, before any
    conversion that could overflow)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise TimingInputError(f"{_sentence(what)} must fall between {_CALENDAR_SPAN}: the "
                               "calendar knows the bank holidays of those years only.",
                               field=field)


def _beyond_calendar(what: str, field: str) -> TimingInputError:
    return TimingInputError(f"Counting from {what} runs past 31 December {LAST_YEAR}, the "
                            "last day whose bank holidays the calendar knows.", field=field)


@dataclass(frozen=True)
class NoticeTiming:
    deemed_delivery: dt.datetime
    clear_days: int
    earliest_meeting: dt.date
    meeting_on: dt.date
    meeting_lawful: bool
    reason: str


@dataclass(frozen=True)
class ProxyDeadlines:
    """The last moments at which the organisation must receive a proxy appointment or its
    revocation; None where no deadline applies."""

    appointment_deadline: dt.datetime | None
    revocation_deadline: dt.datetime | None


@dataclass(frozen=True)
class ConfirmationWindow:
    earliest: dt.date
    latest: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest


@dataclass(frozen=True)
class ShortNoticeConsent:
    valid: bool
    headcount_met: bool
    voting_rights_met: bool
    percent: Decimal
    reason: str


def is_company(*, legal_form: str) -> bool:
    if legal_form in COMPANY_FORMS:
        return True
    if legal_form in SOCIETY_FORMS:
        return False
    raise TimingInputError(f"Unknown legal form {legal_form!r}; expected one of "
                           f"{', '.join(LegalForm.values)}.", field="legal_form")


def day_words(day: dt.date) -> str:
    """'Wednesday 5 March 2025'."""
    return f"{day:%A} {long_date(day)}"


def _london(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("a time without its time zone cannot be placed on the calendar")
    return moment.astimezone(LONDON)


def _local_date(meeting: dt.datetime | dt.date) -> dt.date:
    if isinstance(meeting, dt.datetime):
        return _london(meeting).date()
    return meeting


def notice_deemed_delivery(*, sent_at: dt.datetime, nation: str,
                           hours: float = DEEMED_DELIVERY_HOURS) -> dt.datetime:
    """When a notice sent by post or electronically is deemed delivered: `hours` working
    hours after sending (CA06 s.1147), in London time."""
    _check_hours(hours, what="the deemed-delivery period", field="delivery_hours")
    _check_day(sent_at, what="the day the notice is sent", field="notice_sent")
    try:
        return add_working_hours(sent_at, hours, nation=nation)
    except CalendarRangeError:
        raise _beyond_calendar("the notice's sending", "notice_sent") from None


def notice_clear_days(*, legal_form: str, clear_days: int | None = None) -> int:
    """The clear days' notice a general meeting needs: the rulebook's figure, refused if
    below the statutory floor. A company needs 14 (CA06 s.307(1)); statute sets no floor for
    a society, whose rules decide (model rules: 14)."""
    if clear_days is not None:
        _check_clear_days(clear_days)
    if is_company(legal_form=legal_form):
        if clear_days is not None and clear_days < COMPANY_NOTICE_CLEAR_DAYS:
            raise UnlawfulTiming(
                f"A company must give at least {COMPANY_NOTICE_CLEAR_DAYS} clear days' notice "
                f"of a general meeting ({_CA06} s.307(1)).", field="clear_days")
        return COMPANY_NOTICE_CLEAR_DAYS if clear_days is None else clear_days
    return SOCIETY_MODEL_NOTICE_CLEAR_DAYS if clear_days is None else clear_days


def _check_clear_days(clear_days) -> None:
    if isinstance(clear_days, bool) or not isinstance(clear_days, int):
        raise TimingInputError(f"Clear days are a whole number, not {clear_days}.",
                               field="clear_days")
    if clear_days < 0:
        raise TimingInputError("Clear days cannot be negative.", field="clear_days")
    if clear_days > MAX_CLEAR_DAYS:
        raise TimingInputError(f"Clear days' notice can be at most {MAX_CLEAR_DAYS} (a year), "
                               f"not {clear_days:,}.", field="clear_days")


def earliest_meeting_date(*, deemed_delivery: dt.datetime, clear_days: int) -> dt.date:
    """The day of deemed delivery and the day of the meeting are not clear days
    (CA06 s.360), so the earliest meeting is delivery day + clear days + 1."""
    _check_clear_days(clear_days)
    _check_day(deemed_delivery, what="deemed delivery", field="notice_sent")
    return _london(deemed_delivery).date() + dt.timedelta(days=clear_days + 1)


def _days(count: int) -> str:
    return f"{count} clear day{'' if count == 1 else 's'}"


def notice_timing(*, legal_form: str, nation: str, sent_at: dt.datetime,
                  meeting: dt.datetime | dt.date, clear_days: int | None = None,
                  delivery_hours: float = DEEMED_DELIVERY_HOURS) -> NoticeTiming:
    """Whether a meeting on the planned day may lawfully follow a notice sent at `sent_at`.
    For a notice sent to many members, pass the latest sending time."""
    days = notice_clear_days(legal_form=legal_form, clear_days=clear_days)
    delivered = notice_deemed_delivery(sent_at=sent_at, nation=nation, hours=delivery_hours)
    _check_day(meeting, what="the meeting", field="meeting")
    earliest = earliest_meeting_date(deemed_delivery=delivered, clear_days=days)
    meeting_on = _local_date(meeting)
    lawful = meeting_on >= earliest
    reason = (f"The notice is deemed delivered on {day_words(delivered.date())}; "
              f"{_days(days)} must pass, so the earliest lawful date is "
              f"{day_words(earliest)}.")
    if lawful:
        reason += f" A meeting on {day_words(meeting_on)} is lawful."
    else:
        reason += f" A meeting on {day_words(meeting_on)} would be too early."
    return NoticeTiming(deemed_delivery=delivered, clear_days=days, earliest_meeting=earliest,
                        meeting_on=meeting_on, meeting_lawful=lawful, reason=reason)


def _proxy_deadline(*, company: bool, nation: str, meeting_at: dt.datetime, hours: float,
                    what: str, section: str, field: str) -> dt.datetime:
    _check_hours(hours, what=f"the deadline for {what}", field=field)
    if company and hours > PROXY_DEADLINE_MAX_HOURS:
        raise UnlawfulTiming(
            f"A company's articles cannot require {what} more than "
            f"{PROXY_DEADLINE_MAX_HOURS} working hours before the meeting ({_CA06} {section}).",
            field=field)
    try:
        return subtract_working_hours(meeting_at, hours, nation=nation)
    except CalendarRangeError:
        raise _beyond_calendar("the meeting back", field) from None


def proxy_deadlines(*, legal_form: str, nation: str, meeting_at: dt.datetime,
                    appointment_hours: float | None = None,
                    revocation_hours: float | None = None) -> ProxyDeadlines:
    """The deadlines for receiving proxy appointments and revocations, `hours` working hours
    before the meeting starts. A company may not set either more than 48 working hours
    before (CA06 ss.327(2)-(3), 330(5)-(6)); with no revocation deadline in its articles a
    revocation counts if received before the meeting starts (s.330(2)-(3)). A society's
    rules decide, and without a figure there is no deadline."""
    company = is_company(legal_form=legal_form)
    _check_day(meeting_at, what="the meeting", field="meeting")
    start = _london(meeting_at)
    appointment = None
    if appointment_hours is not None:
        appointment = _proxy_deadline(
            company=company, nation=nation, meeting_at=start, hours=appointment_hours,
            what="a proxy appointment", section="s.327(2)-(3)", field="proxy_deadline_hours")
    if revocation_hours is not None:
        revocation = _proxy_deadline(
            company=company, nation=nation, meeting_at=start, hours=revocation_hours,
            what="notice revoking a proxy", section="s.330(5)-(6)",
            field="revocation_deadline_hours")
    else:
        revocation = start if company else None
    return ProxyDeadlines(appointment_deadline=appointment, revocation_deadline=revocation)


def confirmation_window(*, first_meeting: dt.date,
                        legal_form: str | None = None) -> ConfirmationWindow:
    """When the second meeting of a society's two-stage special resolution (amalgamation,
    transfer of engagements, conversion into a company) may be held: 14 days to one month
    after the first (CCBSA ss.111(2), 113(2)). The procedure is a society's: given a
    company's legal form, it is refused."""
    if legal_form is not None and is_company(legal_form=legal_form):
        raise TimingInputError(
            "A confirming meeting is a registered society's procedure for amalgamation, a "
            f"transfer of engagements or conversion ({_CCBSA} ss.111, 113); a company's "
            "special resolution is passed at one meeting and needs no confirmation.",
            field="first_meeting")
    _check_day(first_meeting, what="the first meeting", field="first_meeting")
    return ConfirmationWindow(earliest=first_meeting + dt.timedelta(days=CONFIRMATION_MIN_DAYS),
                              latest=first_meeting + relativedelta(months=1))


def confirmation_meeting_check(*, first_meeting: dt.date, second_meeting: dt.date) -> None:
    window = confirmation_window(first_meeting=first_meeting)
    _check_day(second_meeting, what="the confirming meeting", field="second_meeting")
    if not window.contains(second_meeting):
        raise UnlawfulTiming(
            f"The confirming meeting must be held between {day_words(window.earliest)} and "
            f"{day_words(window.latest)}, 14 days to one month after the first meeting "
            f"({_CCBSA} ss.111(2), 113(2)).", field="second_meeting")


def _percent_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_DOWN).normalize():f}%"


def short_notice_consent(*, legal_form: str, members_entitled: int, members_consenting: int,
                         voting_rights_total: Decimal | int,
                         voting_rights_consenting: Decimal | int,
                         threshold_percent: Decimal | int | None = None) -> ShortNoticeConsent:
    """Whether members have agreed to a general meeting on short notice: a majority in number
    of the members entitled to attend and vote, who together hold at least the threshold of
    the voting rights (nominal value of the voting shares for a company with share capital).
    A private company's threshold is 90%, or up to 95% if its articles say so
    (CA06 s.307(4)-(6)); a society may hold a meeting on short notice only if its rules allow,
    at the threshold they set."""
    company = is_company(legal_form=legal_form)
    threshold = SHORT_NOTICE_PERCENT if threshold_percent is None else Decimal(threshold_percent)
    if company and not SHORT_NOTICE_PERCENT <= threshold <= SHORT_NOTICE_MAX_PERCENT:
        raise UnlawfulTiming(
            f"A private company's short-notice threshold must be between "
            f"{_percent_text(SHORT_NOTICE_PERCENT)} and {_percent_text(SHORT_NOTICE_MAX_PERCENT)} "
            f"of the voting rights ({_CA06} s.307(5)-(6)).", field="threshold_percent")
    if not 0 < threshold <= 100:
        raise TimingInputError("The short-notice threshold must be above 0% and at most 100%.",
                               field="threshold_percent")
    if not 0 <= members_consenting <= members_entitled or members_entitled == 0:
        raise TimingInputError("Consenting members must be between none and all entitled "
                               "members.", field="members_consenting")
    total, consenting = Decimal(voting_rights_total), Decimal(voting_rights_consenting)
    if not 0 <= consenting <= total or total == 0:
        raise TimingInputError("Consenting voting rights must be between none and all voting "
                               "rights.", field="voting_rights_consenting")

    headcount_met = members_consenting * 2 > members_entitled
    percent = consenting * 100 / total
    rights_met = percent >= threshold
    source = f"{_CA06} s.307(5)-(6)" if company else "the rules"
    needed = members_entitled // 2 + 1
    headcount = (f"{members_consenting} of {members_entitled} members consent, "
                 + ("a majority in number" if headcount_met
                    else f"not a majority in number ({needed} needed)"))
    rights = (f"they hold {consenting.normalize():f} of {total.normalize():f} voting rights "
              f"({_percent_text(percent)}), "
              + ("at least" if rights_met else "below")
              + f" the {_percent_text(threshold)} required ({source})")
    valid = headcount_met and rights_met
    outcome = "Short notice is agreed." if valid else "Short notice is not agreed."
    return ShortNoticeConsent(valid=valid, headcount_met=headcount_met,
                              voting_rights_met=rights_met, percent=percent,
                              reason=f"{headcount}; {rights}. {outcome}")
