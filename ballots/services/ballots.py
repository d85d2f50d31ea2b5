"""A ballot's life: made from a meeting's agenda (or on its own), opened (the electorate is
frozen then), closed by the secretary or at its closing time by the beat sweep."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic
from meetings.models import ElectionMethod, ItemKind, Meeting, MeetingStatus
from meetings.selectors import rulebook_in_force, settings_of

from ..models import (
    Ballot,
    BallotKind,
    BallotStatus,
    Contents,
    Option,
    Participation,
    ProxyAppointment,
    Question,
    QuestionKind,
)
from .electorate import electorate_fingerprint, electorate_freeze

METHODS = {ElectionMethod.FPTP: QuestionKind.FPTP, ElectionMethod.BLOCK: QuestionKind.BLOCK,
           ElectionMethod.STV: QuestionKind.STV}


def ballot_for_meeting(*, actor, meeting: Meeting, opens_at: dt.datetime,
                       closes_at: dt.datetime) -> Ballot:
    """The ballot paper of a meeting whose notice has gone: a question for each resolution
    and election on its agenda, voted online from `opens_at` to `closes_at` (no later than
    the meeting starts), then in the room until the secretary closes it."""
    if meeting.status != MeetingStatus.NOTICE_SENT or meeting.rulebook is None:
        raise DomainError("Make the ballot once the notice of the meeting has gone.")
    settings = settings_of(meeting.rulebook)
    if not settings.advance_online_voting:
        raise DomainError("The rules do not allow voting online before the meeting.")
    if not opens_at < closes_at <= meeting.starts_at:
        raise DomainError("Online voting must open before it closes, and close by the time "
                          "the meeting starts.", field="closes_at")
    items = [item for item in meeting.items.order_by("position")
             if item.kind in (ItemKind.RESOLUTION, ItemKind.ELECTION)]
    if not items:
        raise DomainError("The agenda has no resolution or election to vote on.")
    with atomic():
        if Ballot.objects.filter(meeting=meeting).exists():
            raise DomainError("This meeting already has its ballot.")
        ballot = Ballot.objects.create(
            kind=BallotKind.MEETING, meeting=meeting, title=meeting.title,
            record_date=meeting.record_date, rulebook=meeting.rulebook, opens_at=opens_at,
            closes_at=closes_at, change_allowed=settings.change_vote_before_close,
            created_by_id=getattr(actor, "pk", None))
        for position, item in enumerate(items, start=1):
            election = item.kind == ItemKind.ELECTION
            question = Question.objects.create(
                ballot=ballot, position=position, agenda_item=item, title=item.title,
                kind=METHODS[item.election_method] if election else QuestionKind.RESOLUTION,
                text=item.resolution_text, resolution_type=item.resolution_type,
                seats=item.seats or 1, constituency=item.constituency)
            if election:
                candidates = list(item.candidates.order_by("name"))
                if len(candidates) < 1:
                    raise DomainError(f"Item {item.position}: there are no candidates.")
                Option.objects.bulk_create(
                    Option(question=question, position=i, label=candidate.name)
                    for i, candidate in enumerate(candidates, start=1))
        audit_record(actor=actor, action="ballot.created", target=ballot, changes={
            "meeting_id": meeting.pk, "questions": len(items), "opens_at": opens_at,
            "closes_at": closes_at})
        return ballot


def ballot_open(*, actor, ballot: Ballot) -> Ballot:
    """Freeze the electorate from the register at the record date and open the ballot."""
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotStatus.DRAFT:
            raise DomainError("The ballot is already open or closed.")
        rulebook = ballot.rulebook or rulebook_in_force(on=ballot.record_date)
        settings = settings_of(rulebook)
        count = electorate_freeze(ballot=ballot, voting_basis=settings.voting_basis,
                                  share_vote_cap=settings.share_vote_cap)
        if count == 0:
            raise DomainError("Nobody on the register at the record date may vote.")
        ballot.electors_count = count
        ballot.electorate_fingerprint = electorate_fingerprint(ballot)
        ballot.status = BallotStatus.OPEN
        ballot.opened_at = timezone.now()
        ballot.save(update_fields=["electors_count", "electorate_fingerprint", "status",
                                   "opened_at"])
        audit_record(actor=actor, action="ballot.opened", target=ballot, changes={
            "electors": count, "electorate_fingerprint": ballot.electorate_fingerprint,
            "record_date": ballot.record_date, "rulebook_version": rulebook.version})
        return ballot


def ballot_close(*, actor, ballot: Ballot) -> Ballot:
    """Close the ballot. The row lock waits for votes being cast to finish, and every later
    cast sees it closed, so no vote lands after close. The stored contents are then
    rewritten in one statement and reordered by their random ids, so that neither the
    transaction that wrote a row nor its place on disk can tie it to a participation."""
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotStatus.OPEN:
            raise DomainError("Only an open ballot can be closed.")
        ballot.status = BallotStatus.CLOSED
        ballot.closed_at = timezone.now()
        ballot.save(update_fields=["status", "closed_at"])
        Contents.objects.filter(question__ballot=ballot).update(receipt_hash=F("receipt_hash"))
        # The proxies' receipts were kept only so a member's own vote could replace theirs.
        ProxyAppointment.objects.filter(ballot=ballot).update(voted_receipt_hash="")
        audit_record(actor=actor, action="ballot.closed", target=ballot, changes={
            "closed_at": ballot.closed_at, "participations": Participation.objects.filter(
                question__ballot=ballot).count()})
        transaction.on_commit(_contents_reorder)
    return ballot


def _contents_reorder() -> None:
    """Rewrite the contents table in the order of its random ids (PostgreSQL; SQLite, for
    the demo only, keeps the order rows were written in)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CLUSTER ballots_contents USING ballots_contents_pkey")


def ballots_close_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: close ballots of members (not a meeting's, which the secretary
    closes after the votes in the room) whose closing time has passed. Safe to run twice."""
    now = now or timezone.now()
    closed = 0
    for ballot in Ballot.objects.filter(status=BallotStatus.OPEN, closes_at__lte=now).exclude(
            kind=BallotKind.MEETING):
        try:
            ballot_close(actor=None, ballot=ballot)
        except DomainError:  # closed meanwhile by the secretary or another sweep
            continue
        closed += 1
    return closed
