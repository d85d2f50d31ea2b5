"""When the next AGM is due under the rules, and the secretary's reminders at 90, 60 and
30 days, each sent once."""

import datetime as dt

import pytest

from governance.models import Delivery
from meetings.rules import AgmTiming
from meetings.services import agm, rulebooks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("timing", "last_agm", "today", "due"), [
    # A society: within six months of the year end (31 March).
    (AgmTiming(year_end="03-31", months_after_year_end=6), dt.date(2025, 9, 1),
     dt.date(2026, 2, 1), dt.date(2026, 9, 30)),
    (AgmTiming(year_end="03-31", months_after_year_end=6), dt.date(2025, 9, 1),
     dt.date(2026, 5, 1), dt.date(2026, 9, 30)),
    # Co-operative articles: every calendar year, no more than 15 months apart.
    (AgmTiming(year_end=None, months_after_year_end=None, max_months_apart=15),
     dt.date(2025, 11, 20), dt.date(2026, 1, 5), dt.date(2026, 12, 31)),
    (AgmTiming(year_end=None, months_after_year_end=None, max_months_apart=15),
     dt.date(2025, 6, 20), dt.date(2026, 1, 5), dt.date(2026, 9, 20)),
    # The first, within 18 months of incorporation (1 April 2024 in the factory below).
    (AgmTiming(year_end=None, months_after_year_end=None, max_months_apart=15,
               first_within_months=18), None, dt.date(2024, 6, 1), dt.date(2025, 10, 1)),
])
def test_the_agm_due_date(organisation, timing, last_agm, today, due):
    organisation.incorporated_on = dt.date(2024, 4, 1)
    assert agm.agm_due_by(timing=timing, organisation=organisation, last_agm=last_agm,
                          today=today) == due


def test_the_secretary_is_reminded_once_at_each_threshold(users, organisation, mailbox):
    rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="coop_society",
                                    effective_from=dt.date(2024, 1, 1), adopted_by="Rules")
    # Due by 30 September 2026 (six months after the year end); no AGM held yet.
    assert agm.agm_reminders_send(today=dt.date(2026, 6, 1)) == 0  # 121 days left
    # The users include two secretaries (one without two-factor): both are reminded.
    assert agm.agm_reminders_send(today=dt.date(2026, 7, 2)) == 2  # 90 days
    assert agm.agm_reminders_send(today=dt.date(2026, 7, 3)) == 0  # already reminded
    assert agm.agm_reminders_send(today=dt.date(2026, 9, 1)) == 2  # 29 days: the 30-day one
    reminders = Delivery.objects.filter(kind="agm_reminder")
    assert sorted(d.to_email for d in reminders) == [
        "new.secretary@example.org", "new.secretary@example.org",
        "secretary@example.org", "secretary@example.org"]
    assert {d.payload["due_by"] for d in reminders} == {"2026-09-30"}
