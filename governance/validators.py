"""What the platform accepts from the people who type into it, in one place: text without
hidden control characters, whole numbers within their column's range (or a lower lawful
one), and dates within sensible bounds. Every form applies these (`governance.forms`), and
so do the register import and the management commands. A leaf module: it imports nothing
of the platform's apps."""

import datetime as dt
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# --- Text -------------------------------------------------------------------------------

# Control (Cc) and format (Cf) characters are invisible or change what is shown: a
# right-to-left override (U+202E) shows the rest of a candidate's name backwards on the
# ballot paper, a zero-width space makes two names that look the same differ. Line and
# paragraph separators (Zl, Zp) break a single line. Multi-line text (addresses,
# resolutions, statements) keeps its line breaks and tabs.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf"})
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
KEPT_IN_LINES = frozenset("\n\r\t")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why this text cannot be accepted, or None."""
    for char in value:
        if multiline and char in KEPT_IN_LINES:
            continue
        if char in LINE_BREAKS and not multiline:
            return "Enter this on one line, without line breaks."
        if unicodedata.category(char) in REFUSED_CATEGORIES or char in LINE_BREAKS:
            code = f"U+{ord(char):04X}"
            name = unicodedata.name(char, "")
            return (f"Remove the hidden character {code}{f' ({name.lower()})' if name else ''}:"
                    " it is invisible, or changes how the text around it is shown.")
    return None


def validate_line(value: str) -> None:
    """One line of text shown to others: a name, a title, a reference."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="control_character")


def validate_lines(value: str) -> None:
    """Text of several lines: an address, the text of a resolution, a statement."""
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValidationError(problem, code="control_character")


def validate_one_per_line(value: str) -> None:
    """A list with one entry a line (candidates' names): each line is a single line."""
    for line in value.splitlines():
        problem = text_problem(line)
        if problem:
            raise ValidationError(f"{line.strip()[:40]}: {problem}", code="control_character")


# --- Whole numbers ----------------------------------------------------------------------

# Column ranges on PostgreSQL (SQLite stores values PostgreSQL refuses, so the forms check).
SMALLINT_MAX = 32_767  # PositiveSmallIntegerField
INT_MAX = 2_147_483_647  # IntegerField, PositiveIntegerField
BIGINT_MAX = 9_223_372_036_854_775_807  # ids (BigAutoField)
MONEY_MAX = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)

# Lawful and sensible limits, lower than the columns.
MAX_PEOPLE = 10_000_000  # votes and members counted: more than any UK mutual has members
MAX_SEATS = 200  # seats in one election (a members' council is the largest body elected)
MAX_NOTICE_DAYS = 365  # clear days' notice, days' notice to sell, notice days
MAX_NOTICE_MONTHS = 120  # a withdrawal notice of ten years
MAX_DEADLINE_HOURS = 720  # working hours before a meeting (thirty working days)
MAX_MINIMUM_AGE = 99  # minimum age for membership


def int_problem(value: int, *, lowest: int, highest: int) -> str | None:
    if value < lowest:
        return f"Enter {lowest:,} or more."
    if value > highest:
        return f"Enter {highest:,} or less."
    return None


# --- Dates ------------------------------------------------------------------------------

# Nobody on a register, in office or at a meeting today was born, admitted or nominated
# before 1900; registered societies go back to the 1840s, so an incorporation date may.
EARLIEST = dt.date(1900, 1, 1)
EARLIEST_INCORPORATION = dt.date(1800, 1, 1)
# Meetings, ballots, rulebooks and changes of voting rights may be planned ahead, but not
# by more than this.
YEARS_AHEAD = 5


def _words(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def latest_ahead(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_problem(day: dt.date, *, earliest: dt.date = EARLIEST, future: bool = True
                 ) -> str | None:
    """Why this date cannot be accepted, or None. With `future` false the date cannot be
    after today (a date of birth, a date of incorporation)."""
    if isinstance(day, dt.datetime):
        try:
            day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
        except OverflowError:
            return f"Enter a date between {_words(earliest)} and {_words(latest_ahead())}."
    if day < earliest:
        return f"Enter a date on or after {_words(earliest)}."
    today = timezone.localdate()
    if not future and day > today:
        return f"This date cannot be in the future: enter {_words(today)} or earlier."
    latest = latest_ahead(today)
    if day > latest:
        return (f"Enter a date no later than {_words(latest)}: the platform takes dates up "
                f"to {YEARS_AHEAD} years ahead.")
    return None


@deconstructible
class DateBounds:
    """A form field's validator: the date (or the day of a date and time) lies between
    `earliest` and, with `future`, five years from today, or without it today."""

    def __init__(self, earliest: dt.date = EARLIEST, future: bool = True):
        self.earliest, self.future = earliest, future

    def __call__(self, value) -> None:
        problem = date_problem(value, earliest=self.earliest, future=self.future)
        if problem:
            raise ValidationError(problem, code="date_out_of_range")

    def __eq__(self, other) -> bool:
        return (isinstance(other, DateBounds) and self.earliest == other.earliest
                and self.future == other.future)
