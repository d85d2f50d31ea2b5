"""The working-day calendar of the platform: one place that knows the bank holidays of each
UK nation and counts working days and working hours the way the Companies Act counts them.

A leaf module: it imports only the standard library, `holidays` and Django's TextChoices."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import models

LONDON = ZoneInfo("Europe/London")


class Nation(models.TextChoices):
    ENGLAND_WALES = "england-wales", "England and Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


# The subdivision of the `holidays` package whose bank holidays each nation keeps.
_SUBDIVISIONS = {Nation.ENGLAND_WALES: "ENG", Nation.SCOTLAND: "SCT",
                 Nation.NORTHERN_IRELAND: "NIR"}
# The years the package knows. Outside them it returns no holidays at all, which would make
# every weekday a working day: a wrong answer given as a right one, so it is refused.
_KNOWN = holidays.country_holidays("GB", subdiv="ENG")
FIRST_YEAR, LAST_YEAR = _KNOWN.start_year, _KNOWN.end_year


class CalendarRangeError(ValueError):
    """A day outside the years whose bank holidays the calendar knows."""


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[dt.date]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarRangeError(f"the calendar knows the bank holidays of {FIRST_YEAR} to "
                                 f"{LAST_YEAR} only, not of {year}")
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[Nation(nation)],
                                               years=year))


def bank_holidays(*, nation: str, year: int) -> frozenset[dt.date]:
    """The bank holidays of a nation in a year, substitute days included."""
    return _bank_holidays(str(nation), year)


def is_working_day(day: dt.date, *, nation: str) -> bool:
    """A working day (CA06 s.1173): not a Saturday, a Sunday, Christmas Day, Good Friday
    or a bank holiday where the organisation is registered."""
    bank_holidays_then = _bank_holidays(str(nation), day.year)  # refuses unknown years
    return day.weekday() < 5 and day not in bank_holidays_then


def add_working_days(start: dt.date, days: int, *, nation: str) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, nation=nation):
            left -= 1
    return current


def _local_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("working hours are counted from a time with its time zone")
    return moment.astimezone(LONDON).replace(tzinfo=None)


_DAY = dt.timedelta(hours=24)


def add_working_hours(start: dt.datetime, hours: float, *, nation: str) -> dt.datetime:
    """The moment `hours` hours after `start`, leaving out every part of a day that is not
    a working day (CA06 ss.327, 330, 1147): posted Friday 15:00, 48 working hours later is
    Tuesday 15:00. Hours are counted on the local (London) clock, so a change of the
    clocks does not move the answer off the hour. No hours at all is `start` itself, on any
    day."""
    moment = _local_naive(start)
    left = dt.timedelta(hours=hours)
    if left < dt.timedelta(0):
        raise ValueError("working hours cannot be negative")
    if not left:
        return start.astimezone(LONDON)
    day = moment.date()
    rest_of_day = dt.datetime.combine(day, dt.time(0)) + _DAY - moment
    if is_working_day(day, nation=nation):
        if left <= rest_of_day:
            return (moment + left).replace(tzinfo=LONDON)
        left -= rest_of_day
    while True:
        day += dt.timedelta(days=1)
        if is_working_day(day, nation=nation):
            if left <= _DAY:
                return (dt.datetime.combine(day, dt.time(0)) + left).replace(tzinfo=LONDON)
            left -= _DAY


def subtract_working_hours(end: dt.datetime, hours: float, *, nation: str) -> dt.datetime:
    """The moment `hours` working hours before `end` (deadlines before a meeting). No hours
    at all is `end` itself (the meeting's start), even on a day that is not a working
    day."""
    moment = _local_naive(end)
    left = dt.timedelta(hours=hours)
    if left < dt.timedelta(0):
        raise ValueError("working hours cannot be negative")
    if not left:
        return end.astimezone(LONDON)
    day = moment.date()
    start_of_day = dt.datetime.combine(day, dt.time(0))
    if is_working_day(day, nation=nation):
        if left <= moment - start_of_day:
            return (moment - left).replace(tzinfo=LONDON)
        left -= moment - start_of_day
    while True:
        day -= dt.timedelta(days=1)
        if is_working_day(day, nation=nation):
            if left <= _DAY:
                return (dt.datetime.combine(day, dt.time(0)) + _DAY - left).replace(
                    tzinfo=LONDON)
            left -= _DAY
