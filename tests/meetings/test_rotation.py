"""Retirement by rotation at the AGM: one third of the directors (the number nearest one
third), longest in office since their last appointment first, a tie decided by a lot drawn
with a seed that is recorded, so that the same seed draws the same directors again."""

import datetime as dt

import pytest
import time_machine

from accounts.roles import Role
from governance.exceptions import DomainError
from governance.models import AuditEvent
from meetings.models import RotationDraw
from meetings.services import board, meetings
from tests.factories import UserFactory, appoint

from .conftest import at

pytestmark = pytest.mark.django_db
D = dt.date

NOW = at(2025, 3, 3, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def secretary(organisation):
    user = UserFactory(email="secretary@example.org")
    appoint(user, Role.SECRETARY, started_on=D(2010, 1, 1))  # not a director
    return user


def director(name: str, started_on: dt.date, role: str = Role.BOARD):
    user = UserFactory(full_name=name)
    return appoint(user, role, started_on=started_on)


def agm(actor, title="Annual General Meeting 2025", starts_at=None):
    return meetings.meeting_create(actor=actor, kind="agm", title=title,
                                   starts_at=starts_at or at(2025, 6, 20, 18, 0),
                                   place="The Village Hall")


def retiring_names(draw: RotationDraw) -> list[str]:
    names = {d["appointment_id"]: d["name"] for d in draw.directors}
    return [names[pk] for pk in draw.retiring]


@pytest.mark.parametrize(("directors", "retire"), [(1, 0), (2, 1), (3, 1), (4, 1), (5, 2),
                                                   (6, 2), (8, 3), (10, 3)])
def test_one_third_retire_the_number_nearest_one_third(secretary, directors, retire):
    for n in range(directors):
        director(f"Director {n}", D(2015 + n, 1, 1))
    draw = board.rotation_draw(actor=secretary, meeting=agm(secretary))
    assert len(draw.directors) == directors
    assert len(draw.retiring) == retire


def test_those_longest_in_office_since_their_last_appointment_retire_first(secretary):
    # Appointed in an order that differs from their time in office.
    director("Recent Rhodes", D(2024, 5, 1))
    director("Longest Lane", D(2016, 9, 1))
    director("Middle Marsh", D(2021, 3, 1))
    director("Second Shaw", D(2018, 2, 1))
    # Reappointed in 2023: counted from then, not from her first appointment in 2012.
    reappointed = UserFactory(full_name="Again Ames")
    old = appoint(reappointed, Role.BOARD, started_on=D(2012, 1, 1))
    old.ended_on = D(2023, 4, 30)
    old.save()
    appoint(reappointed, Role.BOARD, started_on=D(2023, 5, 1))
    # The chair is also a board member: one director, in office since the earlier date.
    chair = UserFactory(full_name="Chair Cole")
    appoint(chair, Role.BOARD, started_on=D(2019, 6, 1))
    appoint(chair, Role.CHAIR, started_on=D(2024, 1, 1))
    # Someone whose appointment ended before the meeting is not a director at it.
    gone = director("Gone Gray", D(2010, 1, 1))
    gone.ended_on = D(2025, 1, 31)
    gone.save()

    draw = board.rotation_draw(actor=secretary, meeting=agm(secretary))
    assert [d["name"] for d in draw.directors] == [
        "Longest Lane", "Second Shaw", "Chair Cole", "Middle Marsh", "Again Ames",
        "Recent Rhodes"]
    assert retiring_names(draw) == ["Longest Lane", "Second Shaw"]
    assert not draw.lot_drawn


def test_a_tie_is_decided_by_a_lot_whose_seed_is_recorded_and_draws_the_same_again(
        secretary):
    director("First Fox", D(2016, 1, 1))
    tied = {director(name, D(2019, 7, 1)).pk: name
            for name in ("Tied Ash", "Tied Birch", "Tied Cedar", "Tied Dale")}
    director("Late Lamb", D(2023, 1, 1))
    director("Later Lowe", D(2024, 1, 1))
    # Six directors: two retire, the longest in office and one of the four appointed on
    # the same day.
    draw = board.rotation_draw(actor=secretary, meeting=agm(secretary))
    assert draw.lot_drawn and draw.seed
    first, drawn = retiring_names(draw)
    assert first == "First Fox" and drawn in tied.values()
    event = AuditEvent.objects.get(action="board.rotation_drawn")
    assert event.changes["seed"] == draw.seed and event.changes["lot_drawn"] is True
    with pytest.raises(DomainError, match="already decided"):
        board.rotation_draw(actor=secretary, meeting=draw.meeting)

    # Anyone drawing again with the recorded seed gets the same directors.
    again = board.rotation_draw(actor=secretary, meeting=agm(
        secretary, title="Annual General Meeting 2025 (check)"), seed=draw.seed)
    assert again.retiring == draw.retiring and again.seed == draw.seed

    # The seed decides: other seeds draw other directors from the tie, and never one
    # outside it.
    outcomes = set()
    for n in range(12):
        meeting = agm(secretary, title=f"Annual General Meeting 2025 ({n})")
        result = board.rotation_draw(actor=secretary, meeting=meeting, seed=f"seed-{n}")
        assert retiring_names(result)[0] == "First Fox"
        outcomes.add(result.retiring[1])
    assert len(outcomes) > 1 and outcomes <= set(tied)


def test_only_an_agm_has_a_retirement_by_rotation(secretary):
    director("Only One", D(2016, 1, 1))
    general = meetings.meeting_create(actor=secretary, kind="general",
                                      title="General Meeting", place="The Hall",
                                      starts_at=at(2025, 6, 20, 18, 0))
    with pytest.raises(DomainError, match="annual general meeting"):
        board.rotation_draw(actor=secretary, meeting=general)
    assert not RotationDraw.objects.exists()
