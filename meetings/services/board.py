"""The board at the AGM: who retires by rotation, and the seats the rules reserve for a
class of members."""

import random
import secrets

from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic
from membership.models import StakeholderClass

from .. import selectors
from ..models import Meeting, MeetingKind, ReservedSeats, RotationDraw


def rotation_draw(*, actor, meeting: Meeting, seed: str | None = None) -> RotationDraw:
    """At an AGM one third of the directors retire (the number nearest one third): those
    longest in office since their last appointment first; between directors appointed on
    the same day a lot decides, drawn with a seed that is recorded, so that anyone can
    draw it again and get the same answer. Retiring directors may stand again."""
    if meeting.kind != MeetingKind.AGM:
        raise DomainError("Directors retire by rotation at the annual general meeting.")
    with atomic():
        if RotationDraw.objects.filter(meeting=meeting).exists():
            raise DomainError("The retirement by rotation for this AGM is already decided.")
        on = timezone.localdate(meeting.starts_at)
        directors = {}
        for appointment in selectors.directors_on(on=on):
            directors.setdefault(appointment.user_id, appointment)  # one entry a person
        people = sorted(directors.values(), key=lambda a: (a.started_on, a.pk))
        count = round(len(people) / 3)
        seed = seed or secrets.token_hex(8)
        retiring, lot_drawn = people[:count], False
        if 0 < count < len(people) and people[count - 1].started_on == people[count].started_on:
            boundary = people[count - 1].started_on
            sure = [p for p in people if p.started_on < boundary]
            tied = [p for p in people if p.started_on == boundary]
            random.Random(seed).shuffle(tied)
            retiring, lot_drawn = sure + tied[:count - len(sure)], True
        draw = RotationDraw.objects.create(
            meeting=meeting, seed=seed, lot_drawn=lot_drawn,
            directors=[{"appointment_id": p.pk, "name": p.full_name,
                        "started_on": p.started_on.isoformat()} for p in people],
            retiring=[p.pk for p in retiring], drawn_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="board.rotation_drawn", target=meeting, changes={
            "directors": len(people), "retiring": [p.full_name for p in retiring],
            "seed": seed, "lot_drawn": lot_drawn})
        return draw


def reserved_seats_set(*, actor, stakeholder_class: StakeholderClass, seats: int,
                       clause: str = "") -> ReservedSeats | None:
    """Reserve board seats for a class (0 removes the reservation)."""
    if seats < 0:
        raise DomainError("Enter a number of seats of 0 or more.", field="seats")
    with atomic():
        current = ReservedSeats.objects.select_for_update().filter(
            stakeholder_class=stakeholder_class).first()
        if seats == 0:
            if current is not None:
                current.delete()
            result = None
        else:
            result, _ = ReservedSeats.objects.update_or_create(
                stakeholder_class=stakeholder_class,
                defaults={"seats": seats, "clause": clause.strip()})
        audit_record(actor=actor, action="board.reserved_seats", target=stakeholder_class,
                     changes={"seats": seats, "clause": clause})
        return result
