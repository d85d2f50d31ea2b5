"""The demo mutual's general meetings: its rules, and next year's AGM being prepared (its
notice not yet sent, so that a demonstrator can check and send it)."""

import datetime as dt

from django.utils import timezone

from governance.transactions import atomic

from .models import Meeting, Rulebook
from .services import meetings, rulebooks

RULES = {"cbs": "cbs_statutory_lock", "cic-staff": "cic_shares"}


def seed_meetings(*, preset: str, actor) -> None:
    with atomic():
        if not Rulebook.objects.exists():
            rulebooks.rulebook_adopt_preset(
                actor=actor, preset=RULES[preset], effective_from=dt.date(2024, 9, 20),
                adopted_by="Rules registered on incorporation")
        if Meeting.objects.exists():
            return
        today = timezone.localdate()
        starts = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=35),
                                                         dt.time(18, 30)))
        agm = meetings.meeting_create(
            actor=actor, kind="agm", title=f"Annual General Meeting {starts.year}",
            starts_at=starts, record_date=today,
            place="The Community Hall, 1 Market Street", online_url="https://meet.example.org/agm")
        meetings.item_add(actor=actor, meeting=agm, kind="report",
                          title="Annual report and accounts",
                          description="To receive the accounts and the board's report.")
        meetings.item_add(actor=actor, meeting=agm, kind="resolution",
                          title="Appointment of the auditors", resolution_type="ordinary",
                          resolution_text="That Example & Co be appointed auditors.")
        meetings.item_add(actor=actor, meeting=agm, kind="resolution",
                          title="Meetings online", resolution_type="special",
                          resolution_text="That the rules be amended to allow members to "
                                          "attend general meetings online.")
