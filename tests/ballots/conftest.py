import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ballots.models import Elector
from ballots.services import ballots
from meetings.models import AgendaItem, Candidate, Meeting, MeetingStatus
from meetings.services import rulebooks
from membership.models import ShareClassVoting, StakeholderClassVoting
from tests.ballots.sealed import ballot_key_make
from tests.factories import ShareClassFactory, StakeholderClassFactory
from tests.meetings.conftest import community, make_members  # noqa: F401  (fixtures)


class BallotRowHeld:
    """Another connection holds the ballot row with `mode` (FOR KEY SHARE, as a vote being
    stored does; FOR UPDATE) until the block ends. Transactional tests only."""

    def __init__(self, ballot_id: int, mode: str):
        self.ballot_id, self.mode = ballot_id, mode
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM ballots_ballot WHERE id = %s {self.mode}",
                               [self.ballot_id])
                self.held.set()
                self.release.wait(30)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(30)


@pytest.fixture(autouse=True)
def _no_stray_tasks(request, monkeypatch):
    """A test that does not use the worker sends no count or bundle to the broker: a worker
    started by another test of the session would otherwise count this test's ballot
    (rewriting its contents) while the test's tables are being emptied."""
    if "celery_worker_process" in request.fixturenames:
        return
    from ballots.tasks import ballot_count_task, scrutiny_bundle_task

    for task in (ballot_count_task, scrutiny_bundle_task):
        monkeypatch.setattr(task, "delay", lambda *args, **kwargs: None)


def open_ballot(meeting, *, actor=None):
    """The meeting's ballot, made and opened: online voting from a minute ago until an hour
    before the meeting starts."""
    now = timezone.now()
    ballot = ballots.ballot_for_meeting(actor=actor, meeting=meeting,
                                        opens_at=now - dt.timedelta(minutes=1),
                                        closes_at=meeting.starts_at - dt.timedelta(hours=1))
    ballot_key_make(ballot)
    return ballots.ballot_open(actor=actor, ballot=ballot)


def elector(ballot, number):
    return Elector.objects.get(ballot=ballot, member_number=number)


def rules_with(users, meeting, **changes):
    """The meeting held under the co-operative preset with some settings changed."""
    meeting.rulebook = rulebooks.rulebook_adopt_preset(
        actor=users["secretary"], preset="coop_society", effective_from=dt.date(2024, 6, 1),
        adopted_by="Rules amended 2024", changes=changes)
    meeting.save()


def voting_class(slug: str, name: str):
    """A stakeholder class that votes, with its own shares that carry votes."""
    shares = ShareClassFactory(code=f"{slug}-shares", name=f"{name} shares")
    klass = StakeholderClassFactory(slug=slug, name=name)
    klass.share_classes.add(shares)
    ShareClassVoting.objects.create(share_class=shares, carries_votes=True,
                                    effective_from=dt.date(2020, 1, 1))
    StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=True,
                                          effective_from=dt.date(2020, 1, 1))
    return klass


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
