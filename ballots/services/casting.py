"""Casting a vote. Each answer to a secret question is encrypted under the ballot key in
the request (`sealing`), before any transaction, with its proofs; what is stored is the
elector's paper (its tracker, the hash of the ciphertexts) and a participation per question
holding that question's ciphertexts. The rows name the elector: what they chose exists only
encrypted, and only k trustees together can decrypt, and then only totals (or, for STV,
rankings after a verifiable mix has unlinked them). Recorded (named) questions are stored
in the clear, apart, and never share a tracker with secret answers.

Participation and paper are written in one transaction, so a failure stores neither; a
second vote on a question is refused by a unique constraint, so a storm of duplicate
requests leaves one. The ballot row is held with a key-share lock while the vote is
stored: closing marks the ballot closing first, which every later vote sees, then takes the
exclusive lock, which waits for the votes in flight, so a vote never lands after close.

The voter is shown their tracker. With it they find their encrypted paper in the ballot
box published at close, and change their vote while the ballot is open if the rules allow:
only on their own paper. It proves nothing to anyone about how they voted."""

from dataclasses import dataclass

from django.db import IntegrityError, connection
from django.utils import timezone

from ballots.crypto import answers as sealed_answers
from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic

from ..models import (
    Ballot,
    BallotStatus,
    Channel,
    Elector,
    Paper,
    Participation,
    Question,
    QuestionKind,
    RecordedVote,
)
from .sealing import Sealer

CHOICES = ("for", "against", "withheld")


class VoteRefused(DomainError):
    pass


@dataclass(frozen=True)
class Answer:
    """A voter's answer to one question: a choice for a resolution, or the options chosen
    (in order of preference for STV) in an election."""

    choice: str = ""
    ranking: tuple[int, ...] = ()


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


@dataclass(frozen=True)
class SealedVote:
    """The answers as they will be stored: the tracker and ciphertexts of the secret ones
    (made before the transaction), and the recorded ones in the clear."""

    tracker: str
    encrypted: dict  # question id -> EncryptedAnswer
    recorded: dict   # question id -> Answer


def vote_seal(ballot: Ballot, elector: Elector, answers: dict[int, Answer],
              questions: dict) -> SealedVote:
    """Encrypt the secret answers (outside any transaction: the slow part)."""
    secret = {qid: a for qid, a in answers.items() if not questions[qid].recorded}
    recorded = {qid: a for qid, a in answers.items() if questions[qid].recorded}
    tracker, encrypted = "", {}
    if secret:
        try:
            sealer = Sealer.of(ballot)
        except ValueError as exc:
            raise VoteRefused("This ballot has no key yet: voting has not opened.") from exc
        tracker, encrypted = sealer.seal(elector, secret)
    return SealedVote(tracker, encrypted, recorded)


def vote_cast(*, ballot: Ballot, elector: Elector, answers: dict[int, Answer],
              channel: str = Channel.ONLINE, actor=None) -> str:
    """Store the elector's votes on the questions answered (question id -> Answer) and
    return their tracker ("" if every question answered is a recorded one). Refused, with
    nothing stored, if any answer is invalid, the ballot is not open, or the elector has
    voted on any of these questions already. A member's own vote replaces their proxy's
    where the rules say so."""
    if elector.ballot_id != ballot.pk:
        raise VoteRefused("You are not on the roll of this ballot.")
    questions = answers_checked(ballot, elector, answers)
    vote = vote_seal(ballot, elector, answers, questions)
    try:
        with atomic():
            ballot = ballot_hold_open(ballot, channel=channel)
            proxy_give_way(ballot=ballot, elector=elector)
            votes_store(ballot=ballot, elector=elector, vote=vote, questions=questions,
                        channel=channel, actor=actor)
    except IntegrityError as exc:
        paper = elector.paper_votes.filter(withdrawn_at__isnull=True).first()
        if paper is not None:
            raise VoteRefused(f"A vote on paper was recorded for you ({paper}). If you did "
                              "not cast it, tell the secretary.") from exc
        raise VoteRefused("You have already voted on this ballot."
                          + (" To change your vote, give your ballot tracker."
                             if ballot.change_allowed else "")) from exc
    return vote.tracker


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


def votes_store(*, ballot: Ballot, elector: Elector, vote: SealedVote, questions: dict,
                channel: str, actor, audit: bool = True) -> None:
    """The paper, participations and recorded votes, inside the caller's transaction
    (which holds the ballot open)."""
    paper = None
    if vote.encrypted:
        paper = Paper.objects.create(ballot=ballot, elector=elector, tracker=vote.tracker,
                                     channel=channel)
    Participation.objects.bulk_create(
        Participation(question_id=qid, elector=elector, channel=channel,
                      paper=paper if qid in vote.encrypted else None,
                      sealed=vote.encrypted[qid].to_json() if qid in vote.encrypted else None)
        for qid in sorted(questions))
    RecordedVote.objects.bulk_create(
        RecordedVote(question_id=qid, elector=elector, choice=answer.choice,
                     ranking=list(answer.ranking))
        for qid, answer in sorted(vote.recorded.items()))
    if audit:
        audit_record(actor=actor, action="ballot.voted", target=ballot, changes={
            "member_number": elector.member_number, "channel": channel,
            "questions": sorted(questions[q].position for q in questions)})


def votes_remove(*, elector: Elector, channel: str) -> int:
    """Remove the elector's votes cast through `channel` (a proxy's, a paper entered in
    error), inside the caller's transaction: their papers, participations and recorded
    votes. Returns how many participations went."""
    participations = Participation.objects.filter(elector=elector, channel=channel)
    question_ids = list(participations.values_list("question_id", flat=True))
    RecordedVote.objects.filter(elector=elector, question_id__in=question_ids).delete()
    Paper.objects.filter(elector=elector, channel=channel).delete()  # cascades
    removed, _ = participations.delete()
    return removed


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
    that holds the ballot): the votes the proxy cast for them, if any, are removed (the
    principal's paper cast by proxy: the appointment keeps nothing of it)."""
    had_voted = appointment.voted_at is not None
    if had_voted:
        votes_remove(elector=elector, channel=Channel.PROXY)
    appointment.revoked_at = timezone.now()
    appointment.revoked_because = because
    appointment.save(update_fields=["revoked_at", "revoked_because"])
    audit_record(actor=actor, action="proxy.overridden", target=appointment, changes={
        "member_number": elector.member_number, "proxy_had_voted": had_voted,
        "because": because})


def vote_change(*, ballot: Ballot, elector: Elector, tracker: str,
                answers: dict[int, Answer], actor=None) -> str:
    """Replace the elector's paper, found by its tracker, while the ballot is open and
    where the rules allow it: the last one counts. The tracker must be the elector's own
    paper's, and the answers must be to the questions on it. Returns the new tracker."""
    if elector.ballot_id != ballot.pk:
        raise VoteRefused("You are not on the roll of this ballot.")
    if not ballot.change_allowed:
        raise VoteRefused("The rules do not allow a vote to be changed.")
    try:
        normal = sealed_answers.tracker_normal(tracker)
    except sealed_answers.AnswerError as exc:
        raise VoteRefused("A ballot tracker is 64 letters and digits (0-9, a-f): check it "
                          "and try again.", field="tracker") from exc
    questions = answers_checked(ballot, elector, answers)
    vote = vote_seal(ballot, elector, answers, questions)
    with atomic():
        ballot = ballot_hold_open(ballot)
        paper = Paper.objects.select_for_update().filter(
            ballot=ballot, elector=elector, tracker=normal).first()
        on_paper = set() if paper is None else set(
            paper.answers.values_list("question_id", flat=True))
        if paper is None or on_paper != set(vote.encrypted) or vote.recorded:
            raise VoteRefused("That ballot tracker does not match your vote. Check it and "
                              "try again.", field="tracker")
        channel = paper.channel
        paper.delete()  # and its participations
        votes_store(ballot=ballot, elector=elector, vote=vote, questions=questions,
                    channel=channel, actor=actor, audit=False)
        audit_record(actor=actor, action="ballot.vote_changed", target=ballot, changes={
            "member_number": elector.member_number,
            "questions": sorted(questions[q].position for q in answers)})
    return vote.tracker


def tracker_in_box(*, ballot: Ballot, tracker: str) -> bool:
    """Whether a paper with this tracker is in the ballot box (and, once closed, counted)."""
    try:
        normal = sealed_answers.tracker_normal(tracker)
    except sealed_answers.AnswerError:
        return False
    return Paper.objects.filter(ballot=ballot, tracker=normal).exists()


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
