"""Casting a vote. Participation (who voted on what question, and how) and contents (what
they voted, with their weight and class) are written in one transaction, so a failure
stores neither; a second vote on a question is refused by a unique constraint, so a storm
of duplicate requests leaves one. The ballot row is held with a key-share lock while the vote
is stored: closing marks the ballot closing first, which every later vote sees, then
takes the exclusive lock, which waits for the votes in flight, so a vote never lands
after close.

The voter gets a receipt code; only its hash is stored, on the contents rows. With it the
voter can check their ballot is among those counted, and change their vote while the
ballot is open if the rules allow; it does not show anyone how they voted."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, connection
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic

from ..models import (
    Ballot,
    BallotStatus,
    Channel,
    Contents,
    Elector,
    Participation,
    Question,
    QuestionKind,
)

CHOICES = ("for", "against", "withheld")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class VoteRefused(DomainError):
    pass


@dataclass(frozen=True)
class Answer:
    """A voter's answer to one question: a choice for a resolution, or the options chosen
    (in order of preference for STV) in an election."""

    choice: str = ""
    ranking: tuple[int, ...] = ()


def receipt_new() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def receipt_hash(*, ballot_id: int, receipt: str) -> str:
    normal = receipt.strip().upper().replace(" ", "")
    return hashlib.sha256(f"{ballot_id}:{normal}".encode()).hexdigest()


def _check_answer(question: Question, answer: Answer, elector: Elector) -> None:
    where = f"Question {question.position}"
    if question.constituency_id and question.constituency_id != elector.stakeholder_class_id:
        raise VoteRefused(f"{where} is for the {question.constituency} class only.")
    if question.kind == QuestionKind.RESOLUTION:
        if answer.choice not in CHOICES or answer.ranking:
            raise VoteRefused(f"{where}: choose for, against or withheld.")
        return
    options = {option.pk for option in question.options.all()}
    ranking = list(answer.ranking)
    if answer.choice or not ranking:
        raise VoteRefused(f"{where}: choose a candidate.")
    if len(set(ranking)) != len(ranking):
        raise VoteRefused(f"{where}: a candidate can be chosen only once.")
    if not set(ranking) <= options:
        raise VoteRefused(f"{where}: that is not one of the candidates.")
    if question.kind == QuestionKind.FPTP and len(ranking) != 1:
        raise VoteRefused(f"{where}: choose one candidate.")
    if question.kind == QuestionKind.BLOCK and len(ranking) > question.seats:
        raise VoteRefused(f"{where}: choose no more than {question.seats} candidates.")


def ballot_hold(ballot_id: int) -> Ballot:
    """The ballot, read again under a key-share lock held until the transaction ends.
    Writes that store or remove votes do not wait for each other, nor for the UPDATE that
    marks the ballot closing; the close's exclusive lock waits for them (see
    `ballot_close`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM ballots_ballot WHERE id = %s FOR KEY SHARE",
                           [ballot_id])
    return Ballot.objects.select_related("rulebook").get(pk=ballot_id)


def _refuse_unless_open(ballot: Ballot, channel: str) -> None:
    if ballot.status != BallotStatus.OPEN:
        raise VoteRefused("Voting has not opened yet." if ballot.status == BallotStatus.DRAFT
                          else "Voting has closed.")
    if channel in (Channel.ONLINE, Channel.PROXY) and timezone.now() >= ballot.closes_at:
        raise VoteRefused("Online voting has closed.")


def ballot_hold_open(ballot: Ballot, *, channel: str = Channel.ONLINE) -> Ballot:
    """The ballot, held with a key-share lock until the vote is stored, and refused unless
    it is open. It is read first without a lock: once a close has begun, a new vote is
    refused before it takes the lock the close is waiting for, so a stream of votes
    cannot hold a close back. Online and proxy votes also end at the closing time of
    online voting; votes in the room and by post are recorded until the close."""
    _refuse_unless_open(Ballot.objects.only("status", "closes_at").get(pk=ballot.pk),
                        channel)
    ballot = ballot_hold(ballot.pk)
    _refuse_unless_open(ballot, channel)
    return ballot


def vote_cast(*, ballot: Ballot, elector: Elector, answers: dict[int, Answer],
              channel: str = Channel.ONLINE, actor=None) -> str:
    """Store the elector's votes on the questions answered (question id -> Answer) and
    return their receipt code. Refused, with nothing stored, if any answer is invalid, the
    ballot is not open, or the elector has voted on any of these questions already. A
    member's own vote replaces their proxy's where the rules say so."""
    if elector.ballot_id != ballot.pk:
        raise VoteRefused("You are not on the roll of this ballot.")
    questions = answers_checked(ballot, elector, answers)
    receipt = receipt_new()
    hashed = receipt_hash(ballot_id=ballot.pk, receipt=receipt)
    try:
        with atomic():
            ballot = ballot_hold_open(ballot, channel=channel)
            proxy_give_way(ballot=ballot, elector=elector)
            store_votes(ballot=ballot, elector=elector, answers=answers, questions=questions,
                        channel=channel, hashed=hashed, actor=actor)
    except IntegrityError as exc:
        paper = elector.paper_votes.filter(withdrawn_at__isnull=True).first()
        if paper is not None:
            raise VoteRefused(f"A vote on paper was recorded for you ({paper}). If you did "
                              "not cast it, tell the secretary.") from exc
        raise VoteRefused("You have already voted on this ballot."
                          + (" To change your vote, use your receipt code."
                             if ballot.change_allowed else "")) from exc
    return receipt


def answers_checked(ballot: Ballot, elector: Elector, answers: dict[int, Answer]) -> dict:
    if not answers:
        raise VoteRefused("Answer at least one question.")
    questions = {q.pk: q for q in Question.objects.filter(ballot=ballot, pk__in=answers)
                 .select_related("constituency").prefetch_related("options")}
    if len(questions) != len(answers):
        raise VoteRefused("One of the questions is not on this ballot.")
    for question_id, answer in answers.items():
        _check_answer(questions[question_id], answer, elector)
    return questions


def store_votes(*, ballot: Ballot, elector: Elector, answers: dict[int, Answer],
                questions: dict, channel: str, hashed: str, actor) -> None:
    """Participation and contents, inside the caller's transaction (which holds the
    ballot open)."""
    Participation.objects.bulk_create(
        Participation(question_id=qid, elector=elector, channel=channel)
        for qid in sorted(answers))
    Contents.objects.bulk_create(
        Contents(question_id=qid, class_slug=elector.class_slug, weight=elector.weight,
                 choice=answer.choice, ranking=list(answer.ranking), receipt_hash=hashed,
                 elector=elector if questions[qid].recorded else None)
        for qid, answer in _shuffled(answers))
    audit_record(actor=actor, action="ballot.voted", target=ballot, changes={
        "member_number": elector.member_number, "channel": channel,
        "questions": sorted(questions[q].position for q in answers)})


def proxy_give_way(*, ballot: Ballot, elector: Elector) -> None:
    """The member votes themselves: their current proxy appointment ends; if the proxy has
    voted already, its votes are removed where the rules let the member override them,
    and the member's vote is refused where they do not."""
    from meetings.selectors import settings_of

    appointment = proxy_current_lock(elector)
    if appointment is None:
        return
    if appointment.voted_at is not None and \
            not settings_of(ballot.rulebook).proxies.principal_overrides:
        raise VoteRefused("Your proxy has already voted for you, and the rules do not "
                          "let a member's own vote replace their proxy's.")
    proxy_end(ballot=ballot, elector=elector, appointment=appointment,
              because="the member voted themselves", actor=None)


def proxy_current_lock(elector: Elector):
    """The elector's current proxy appointment, locked (the appointment row alone, never
    the ballot it joins), or None."""
    from ..models import ProxyAppointment

    return ProxyAppointment.objects.select_for_update(of=("self",)).order_by("pk").filter(
        principal=elector, revoked_at__isnull=True).first()


def proxy_end(*, ballot: Ballot, elector: Elector, appointment, because: str,
              actor) -> None:
    """End an appointment the member overrides (locked by the caller, inside a transaction
    that holds the ballot): the votes the proxy cast for them, if any, are removed, found
    by the receipt the appointment keeps."""
    had_voted = appointment.voted_at is not None
    if had_voted:
        Participation.objects.filter(elector=elector, channel=Channel.PROXY).delete()
        if appointment.voted_receipt_hash:
            Contents.objects.filter(question__ballot=ballot,
                                    receipt_hash=appointment.voted_receipt_hash).delete()
    appointment.revoked_at = timezone.now()
    appointment.revoked_because = because
    appointment.voted_receipt_hash = ""
    appointment.save(update_fields=["revoked_at", "revoked_because", "voted_receipt_hash"])
    audit_record(actor=actor, action="proxy.overridden", target=appointment, changes={
        "member_number": elector.member_number, "proxy_had_voted": had_voted,
        "because": because})


def _shuffled(answers: dict[int, Answer]) -> list:
    items = list(answers.items())
    secrets.SystemRandom().shuffle(items)
    return items


def vote_change(*, ballot: Ballot, elector: Elector, receipt: str,
                answers: dict[int, Answer], actor=None) -> None:
    """Replace the elector's votes on questions they answered, found by their receipt,
    while the ballot is open and where the rules allow it: the last one counts."""
    if elector.ballot_id != ballot.pk:
        raise VoteRefused("You are not on the roll of this ballot.")
    if not ballot.change_allowed:
        raise VoteRefused("The rules do not allow a vote to be changed.")
    hashed = receipt_hash(ballot_id=ballot.pk, receipt=receipt)
    questions = answers_checked(ballot, elector, answers)
    with atomic():
        ballot = ballot_hold_open(ballot)
        voted = set(Participation.objects.filter(elector=elector, question_id__in=answers)
                    .values_list("question_id", flat=True))
        found = {c.question_id: c for c in Contents.objects.select_for_update().filter(
            question_id__in=answers, receipt_hash=hashed)}
        if set(found) != set(answers) or voted != set(answers):
            raise VoteRefused("That receipt code does not match your vote. Check it and try "
                              "again.", field="receipt")
        for question_id, answer in answers.items():
            contents = found[question_id]
            contents.choice, contents.ranking = answer.choice, list(answer.ranking)
            contents.save(update_fields=["choice", "ranking"])
        audit_record(actor=actor, action="ballot.vote_changed", target=ballot, changes={
            "member_number": elector.member_number,
            "questions": sorted(questions[q].position for q in answers)})


def receipt_counted(*, ballot: Ballot, receipt: str) -> bool:
    """Whether a ballot with this receipt is among those stored (and, once closed, counted)."""
    return Contents.objects.filter(question__ballot=ballot, receipt_hash=receipt_hash(
        ballot_id=ballot.pk, receipt=receipt)).exists()


def show_of_hands_record(*, actor, ballot: Ballot, question: Question, votes_for: int,
                         votes_against: int, abstentions: int = 0):
    """The chair's declaration of a show of hands on a resolution, while the ballot is
    open. Recorded once; a poll on the question is entered as votes in the room."""
    from ..models import ShowOfHands

    if question.ballot_id != ballot.pk or question.kind != QuestionKind.RESOLUTION:
        raise VoteRefused("A show of hands is on a resolution of this ballot.")
    if min(votes_for, votes_against, abstentions) < 0:
        raise VoteRefused("Counts cannot be negative.")
    try:
        with atomic():
            ballot_hold_open(ballot, channel=Channel.ROOM)
            hands = ShowOfHands.objects.create(
                question=question, votes_for=votes_for, votes_against=votes_against,
                abstentions=abstentions, recorded_by_id=getattr(actor, "pk", None))
            audit_record(actor=actor, action="ballot.show_of_hands", target=ballot, changes={
                "question": question.position, "for": votes_for, "against": votes_against,
                "abstentions": abstentions})
    except IntegrityError as exc:
        raise VoteRefused("The show of hands on this question is already recorded.") from exc
    return hands
