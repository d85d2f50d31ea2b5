"""A ballot's life: made from a meeting's agenda (or on its own), opened (the electorate is
frozen then), closed by the secretary or at its closing time by the beat sweep."""

import datetime as dt

from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from governance.db import is_lock_timeout
from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic, queue_after_commit
from meetings.models import ElectionMethod, ItemKind, Meeting, MeetingStatus
from meetings.selectors import rulebook_in_force, settings_of

from ..models import (
    Ballot,
    BallotKind,
    BallotStatus,
    CeremonyStage,
    Channel,
    KeyCeremony,
    Option,
    Participation,
    ProxyAppointment,
    Question,
    QuestionKind,
    SpoiltPaper,
)
from .casting import ballot_hold_open
from .electorate import electorate_fingerprint, electorate_freeze
from .mailings import electors_email

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
        if not ballot.questions.exists():
            raise DomainError("Add the questions first.")
        if ballot.questions.filter(recorded=False).exists() and not KeyCeremony.objects.filter(
                ballot=ballot, stage=CeremonyStage.COMPLETE).exists():
            raise DomainError("The ballot key is not complete: its trustees must make it "
                              "before the ballot opens (see the ballot's trustees page).")
        rulebook = ballot.rulebook or rulebook_in_force(on=ballot.record_date)
        settings = settings_of(rulebook)
        count = electorate_freeze(ballot=ballot, voting_basis=settings.voting_basis,
                                  share_vote_cap=settings.share_vote_cap)
        if count == 0:
            raise DomainError("Nobody on the register at the record date may vote.")
        if ballot.meeting_id is None:
            _ballot_papers_queue(ballot)
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


class CloseDelayed(DomainError):
    """The ballot is closing (no vote is accepted) but the votes in flight were not all
    stored within the request's lock timeout: the beat sweep finishes the close."""


def ballot_close(*, actor, ballot: Ballot) -> Ballot:
    """Close the ballot, in two steps, so that a steady stream of votes cannot hold it
    back (PostgreSQL lets new shared locks past a waiting exclusive one).

    1. A short transaction marks it closing: an UPDATE, which the votes' key-share locks
       do not block. Once it commits, every new vote is refused before it takes any lock.
    2. The ballot row is taken FOR UPDATE, which waits only for the votes already in
       flight; then it is closed, with the number of participations stored by then.

    A close stopped between the two (a lock timeout in the web request, a crash) leaves
    the ballot closing, accepting no vote; pressing Close again or the beat sweep
    finishes it. The count is queued after commit; the count's worker rewrites the stored
    contents so that they cannot be tied back to the participations (`ballot_count`)."""
    with atomic():
        marked = Ballot.objects.filter(pk=ballot.pk, status=BallotStatus.OPEN).update(
            status=BallotStatus.CLOSING)
        if marked:
            audit_record(actor=actor, action="ballot.closing", target=ballot,
                         changes={"closing_at": timezone.now()})
        elif not Ballot.objects.filter(pk=ballot.pk, status=BallotStatus.CLOSING).exists():
            raise DomainError("Only an open ballot can be closed.")
    try:
        return _close_finish(actor=actor, ballot_id=ballot.pk)
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        raise CloseDelayed("Voting has stopped: no new vote is accepted. A few votes that "
                           "were being cast when you closed the ballot are still being "
                           "stored; the close finishes by itself within a minute, or "
                           "press Close again.") from exc


def _close_finish(*, actor, ballot_id: int) -> Ballot:
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot_id)
        if ballot.status == BallotStatus.CLOSED:  # finished meanwhile by the sweep
            return ballot
        if ballot.status != BallotStatus.CLOSING:
            raise DomainError("Only an open ballot can be closed.")
        ballot.status = BallotStatus.CLOSED
        ballot.closed_at = timezone.now()
        ballot.save(update_fields=["status", "closed_at"])
        # Directed proxies' directions were kept (sealed) only for the holder to follow.
        ProxyAppointment.objects.filter(ballot=ballot).update(sealed_instructions=None)
        audit_record(actor=actor, action="ballot.closed", target=ballot, changes={
            "closed_at": ballot.closed_at, "participations": Participation.objects.filter(
                question__ballot=ballot).count()})
        from ..tasks import ballot_count_task

        queue_after_commit(ballot_count_task, ballot.pk)
    return ballot


def ballots_close_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: close ballots of members (not a meeting's, which the secretary
    closes after the votes in the room) whose closing time has passed, and finish any
    close that stopped half-way (a ballot left closing). Safe to run twice."""
    now = now or timezone.now()
    closed = 0
    due = Ballot.objects.filter(
        Q(status=BallotStatus.OPEN, closes_at__lte=now) & ~Q(kind=BallotKind.MEETING)
        | Q(status=BallotStatus.CLOSING)).order_by("pk")
    for ballot in due:
        try:
            ballot_close(actor=None, ballot=ballot)
        except DomainError:  # closed meanwhile by the secretary or another sweep
            continue
        closed += 1
    return closed


def ballot_create(*, actor, kind: str, title: str, record_date: dt.date,
                  opens_at: dt.datetime, closes_at: dt.datetime | None = None) -> Ballot:
    """A ballot of the members, or a written resolution, held without a meeting. A written
    resolution lapses after the days the rules set (28 unless they say otherwise), counted
    from its circulation: it closes then at the latest."""
    if kind not in (BallotKind.STANDALONE, BallotKind.WRITTEN):
        raise DomainError("Choose a ballot of the members or a written resolution.",
                          field="kind")
    if not title.strip():
        raise DomainError("Give the ballot a title.", field="title")
    rulebook = rulebook_in_force(on=timezone.localdate(opens_at))
    if rulebook is None:
        raise DomainError("No rules are in force on that day: record the rules first.")
    if kind == BallotKind.WRITTEN:
        lapse = opens_at + dt.timedelta(days=settings_of(rulebook).written_resolution_lapse_days)
        closes_at = closes_at or lapse
        if closes_at > lapse:
            raise DomainError(f"A written resolution lapses {lapse:%-d %B %Y}: it cannot "
                              "stay open longer.", field="closes_at")
    if closes_at is None or closes_at <= opens_at:
        raise DomainError("Voting must close after it opens.", field="closes_at")
    if record_date > timezone.localdate(opens_at):
        raise DomainError("The record date is on or before the day voting opens.",
                          field="record_date")
    with atomic():
        ballot = Ballot.objects.create(
            kind=kind, title=title.strip(), record_date=record_date, rulebook=rulebook,
            opens_at=opens_at, closes_at=closes_at,
            change_allowed=settings_of(rulebook).change_vote_before_close,
            created_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="ballot.created", target=ballot, changes={
            "kind": kind, "title": ballot.title, "record_date": record_date,
            "opens_at": opens_at, "closes_at": closes_at})
        return ballot


def question_add(*, actor, ballot: Ballot, kind: str, title: str, text: str = "",
                 resolution_type: str = "", seats: int = 1, candidates: list[str] = (),
                 constituency=None) -> Question:
    """Add a question to a ballot being prepared (not a meeting's, which follows its
    agenda). A written resolution asks resolutions only."""
    if kind not in QuestionKind.values:
        raise DomainError("Choose the kind of question.", field="kind")
    if not title.strip():
        raise DomainError("Give the question a title.", field="title")
    if kind == QuestionKind.RESOLUTION and not text.strip():
        raise DomainError("Write the full text of the resolution.", field="text")
    if ballot.kind == BallotKind.WRITTEN and kind != QuestionKind.RESOLUTION:
        raise DomainError("A written resolution has no elections.", field="kind")
    names = [name.strip() for name in candidates if name.strip()]
    if kind != QuestionKind.RESOLUTION and len(names) < 1:
        raise DomainError("Give the candidates, one a line.", field="candidates")
    if len(set(names)) != len(names):
        raise DomainError("A candidate is named twice.", field="candidates")
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotStatus.DRAFT or ballot.meeting_id:
            raise DomainError("Questions are added to a ballot of the members being "
                              "prepared.")
        position = ballot.questions.count() + 1
        question = Question.objects.create(
            ballot=ballot, position=position, kind=kind, title=title.strip(),
            text=text.strip(), resolution_type=resolution_type or (
                "written" if ballot.kind == BallotKind.WRITTEN else "ordinary")
            if kind == QuestionKind.RESOLUTION else "", seats=seats,
            constituency=constituency)
        Option.objects.bulk_create(Option(question=question, position=i, label=name)
                                   for i, name in enumerate(names, start=1))
        audit_record(actor=actor, action="ballot.question_added", target=ballot, changes={
            "position": position, "kind": kind, "title": title, "text": text,
            "candidates": names})
        return question


def _ballot_papers_queue(ballot: Ballot) -> int:
    """Email each elector who agreed to email their personal link to the ballot paper
    (a meeting's ballot goes with the meeting's notice instead)."""
    return electors_email(ballot=ballot, kind="ballot_paper", title=f"Ballot: {ballot.title}")


def spoilt_paper_record(*, actor, ballot: Ballot, channel: str, reason: str):
    """A poll card or postal paper that cannot be counted, recorded for the scrutineer's
    report (invalid papers beside the valid ones). Only while the ballot is open."""
    if channel not in (Channel.ROOM, Channel.POSTAL):
        raise DomainError("A spoilt paper is a poll card or a postal paper.", field="channel")
    if not reason.strip():
        raise DomainError("Say why the paper cannot be counted.", field="reason")
    with atomic():
        try:  # held as a vote is: a spoilt paper is recorded before the close, or not
            ballot = ballot_hold_open(ballot, channel=channel)
        except DomainError as exc:
            raise DomainError("Spoilt papers are recorded while the ballot is open.") from exc
        paper = SpoiltPaper.objects.create(ballot=ballot, channel=channel,
                                           reason=reason.strip(),
                                           recorded_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="ballot.spoilt_paper_recorded", target=ballot,
                     changes={"channel": channel, "reason": paper.reason})
        return paper
