"""When the next AGM is due, and reminders to the secretary at 90, 60 and 30 days."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accounts.roles import Role
from governance.models import Delivery, Organisation
from governance.outbox import delivery_queue
from governance.selectors import officers_on, organisation_get
from governance.transactions import atomic

from .. import selectors
from ..rules import AgmTiming

REMINDER_DAYS = (90, 60, 30)


def agm_due_by(*, timing: AgmTiming, organisation: Organisation, last_agm: dt.date | None,
               today: dt.date) -> dt.date | None:
    """The last day on which the next AGM may be held (rules guide D1). Within some months
    of the end of the financial year; or, in co-operative articles, once in each calendar
    year and no more than some months after the last one (the first within some months of
    incorporation)."""
    if timing.months_after_year_end and timing.year_end:
        month, day = (int(part) for part in timing.year_end.split("-"))
        year_end = dt.date(today.year, month, day)
        if year_end >= today:
            year_end = year_end.replace(year=today.year - 1)
        if last_agm is not None and last_agm > year_end:
            year_end = year_end.replace(year=year_end.year + 1)
        return year_end + relativedelta(months=timing.months_after_year_end)
    if timing.max_months_apart:
        if last_agm is None:
            if organisation.incorporated_on is None or not timing.first_within_months:
                return None
            return organisation.incorporated_on + relativedelta(
                months=timing.first_within_months)
        end_of_next_year = dt.date(last_agm.year + 1, 12, 31)
        return min(end_of_next_year, last_agm + relativedelta(months=timing.max_months_apart))
    return None


def agm_due(*, today: dt.date | None = None) -> dt.date | None:
    organisation = organisation_get()
    today = today or timezone.localdate()
    rulebook = selectors.rulebook_in_force(on=today)
    if organisation is None or rulebook is None:
        return None
    return agm_due_by(timing=selectors.settings_of(rulebook).agm, organisation=organisation,
                      last_agm=selectors.last_agm_date(), today=today)


def agm_reminders_send(*, today: dt.date | None = None) -> int:
    """Email the secretary when the AGM is due within 90, 60 or 30 days and none is
    arranged; each reminder once (the outbox's key). Returns how many were new."""
    today = today or timezone.localdate()
    due = agm_due(today=today)
    if due is None or selectors.upcoming_meetings().filter(kind="agm").exists():
        return 0
    days_left = (due - today).days
    queued = 0
    with atomic():
        for threshold in sorted(REMINDER_DAYS):  # the nearest threshold reached
            if days_left > threshold:
                continue
            for secretary in officers_on(on=today).filter(role=Role.SECRETARY):
                key = f"agm-reminder:{due.isoformat()}:{threshold}:{secretary.user_id}"
                if Delivery.objects.filter(key=key).exists():
                    continue
                delivery_queue(kind="agm_reminder", key=key, to_email=secretary.user.email,
                               payload={"due_by": due.isoformat(), "days_left": days_left})
                queued += 1
            break
    return queued
