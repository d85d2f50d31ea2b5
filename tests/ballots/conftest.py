import datetime as dt

import pytest
from django.utils import timezone

from meetings.models import AgendaItem, Candidate, Meeting, MeetingStatus
from meetings.services import rulebooks
from tests.meetings.conftest import community, make_members  # noqa: F401  (fixtures)


@pytest.fixture
def rules(users):
    return rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="coop_society",
                                           effective_from=dt.date(2024, 1, 1),
                                           adopted_by="Rules registered 2024")


@pytest.fixture
def agm(rules):
    """An AGM whose notice has gone: a special resolution and an election of two
    directors from three candidates."""
    meeting = Meeting.objects.create(
        kind="agm", title="Annual General Meeting", record_date=dt.date(2025, 3, 1),
        starts_at=timezone.now() + dt.timedelta(days=20), place="The Hall",
        status=MeetingStatus.NOTICE_SENT, rulebook=rules)
    AgendaItem.objects.create(meeting=meeting, position=1, kind="resolution",
                              title="Online meetings", resolution_type="special",
                              resolution_text="That members may attend online.")
    election = AgendaItem.objects.create(meeting=meeting, position=2, kind="election",
                                         title="Election of directors", seats=2,
                                         election_method="stv")
    for name in ("Ada", "Ben", "Cleo"):
        Candidate.objects.create(item=election, name=name, nominated_on=dt.date(2025, 2, 1))
    return meeting
