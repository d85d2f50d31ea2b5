"""Counting a closed ballot, by a Celery task on the counting queue.

Each question is counted from its stored contents by the pure counting modules
(`ballots.counting`): a resolution by the rulebook's rules for its type (the same module
as `manage.py tally`), an election by first past the post, block vote or STV under the
rule the rulebook names. The result records the rulebook version and the roll's
fingerprint it used.

The task can run twice, or be killed and delivered again: a count is claimed with a lease
(`count_claimed_until`), the results are written in one transaction at the end, and any
lot is drawn from a seed made from the ballot and its roll, so a count made again is the
same count. A beat sweep queues the count of a closed ballot that nobody has counted and
nobody holds a live claim on (the task was lost, the broker was down, the worker died)."""

import datetime as dt
import hashlib

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic, queue_after_commit
from meetings.rules import resolution_rules
from meetings.selectors import settings_of

from ..counting.plurality import count_plurality
from ..counting.stv import count_stv
from ..counting.tally import Rules, TallyError, VoteRow, count_resolution
from ..models import (
    Ballot,
    BallotKind,
    BallotStatus,
    Contents,
    Question,
    QuestionKind,
    QuestionResult,
)

COUNT_LEASE = dt.timedelta(minutes=10)
# A ballot closed this recently is left to the task its close queued.
SWEEP_GRACE = dt.timedelta(minutes=2)


def count_seed(ballot: Ballot) -> int:
    """The seed of any lot in the count: fixed by the ballot and its roll, so that a count
    made again draws the same lot, and written in the result so anyone can draw it."""
    digest = hashlib.sha256(f"{ballot.pk}:{ballot.electorate_fingerprint}".encode())
    return int(digest.hexdigest()[:12], 16)


def resolution_type_of(ballot: Ballot, question: Question) -> str:
    if ballot.kind == BallotKind.WRITTEN:
        return "written"
    return question.resolution_type or "ordinary"


def resolution_count_rules(ballot: Ballot, question: Question, settings, *,
                           chair_casting_vote: str | None = None) -> dict:
    """The rules object of the question's tally file: the rulebook's rules for its type,
    with the number eligible (members, or voting rights) from the frozen roll."""
    rules = resolution_rules(settings, resolution_type_of(ballot, question),
                             chair_casting_vote=chair_casting_vote)
    if question.agenda_item_id and question.agenda_item.confirms_id:
        rules["two_stage"] = False  # this is the second stage: passing it confirms
    eligible = ballot.electors.all()
    if question.constituency_id:
        eligible = eligible.filter(stakeholder_class_id=question.constituency_id)
    if rules["denominator"] == "total_voting_rights":
        rules["eligible"] = eligible.aggregate(total=Sum("weight"))["total"] or 0
    elif question.constituency_id:
        rules["eligible"] = eligible.count()
    else:
        rules["eligible"] = ballot.electors_count  # the roll, counted when it was frozen
    if not rules["eligible"]:
        rules.pop("eligible")
    return rules


def resolution_votes(question: Question) -> list[dict]:
    """The question's votes as the tally file's rows: one per class, weight and choice,
    with how many papers said it (a GROUP BY in the database)."""
    rows = (Contents.objects.filter(question=question)
            .values("class_slug", "weight", "choice").annotate(n=Count("*"))
            .order_by("class_slug", "weight", "choice"))
    return [{"class": row["class_slug"], "weight": str(row["weight"]),
             "choice": row["choice"], "count": row["n"]} for row in rows]


def _resolution(ballot: Ballot, question: Question, settings, *,
                chair_casting_vote: str | None = None) -> tuple[str, dict]:
    rules = resolution_count_rules(ballot, question, settings,
                                   chair_casting_vote=chair_casting_vote)
    votes = resolution_votes(question)
    try:
        result = count_resolution(
            [VoteRow(klass=v["class"], weight=int(v["weight"]), choice=v["choice"],
                     count=v["count"]) for v in votes],
            Rules.from_json(rules), resolution_type_of(ballot, question))
    except TallyError as exc:  # rules the count cannot apply: reported, never guessed
        return "undecidable", {"method": "resolution", "rules": rules,
                               "reason": f"The rules cannot be applied: {exc}."}
    data = {"method": "resolution", "resolution_type": resolution_type_of(ballot, question),
            **result.to_json(), "rules": rules, "papers": sum(v["count"] for v in votes)}
    hands = getattr(question, "show_of_hands", None)
    if hands is not None:
        data["show_of_hands"] = {"for": hands.votes_for, "against": hands.votes_against,
                                 "abstentions": hands.abstentions}
    return result.outcome, data


def election_papers(question: Question) -> tuple[list[str], list[tuple[tuple[int, ...], int]]]:
    """The candidates (in ballot-paper order) and the papers as (ranking by candidate
    index, weight), identical rankings added together in the database."""
    options = list(question.options.order_by("position"))
    index = {option.pk: i for i, option in enumerate(options)}
    papers: dict[tuple[int, ...], int] = {}
    for row in (Contents.objects.filter(question=question).values("ranking")
                .annotate(weight=Sum("weight"))):
        ranking = tuple(index[pk] for pk in row["ranking"] if pk in index)
        papers[ranking] = papers.get(ranking, 0) + row["weight"]
    return [option.label for option in options], sorted(papers.items())


def _election(ballot: Ballot, question: Question, settings) -> tuple[str, dict]:
    names, papers = election_papers(question)
    seed = count_seed(ballot)
    if question.kind == QuestionKind.STV:
        result = count_stv(papers, names, question.seats, settings.stv_rule, seed=seed)
        data = {"method": "stv", **result.to_json(), "seed": seed,
                "reason": f"Elected: {', '.join(result.elected)}." if result.elected
                else "Nobody was elected."}
        return "elected", data
    data = count_plurality(papers, names, question.seats, seed=seed)
    return "elected", {"method": question.kind, "seats": question.seats, "seed": seed,
                       **data}


def question_count(ballot: Ballot, question: Question, settings, *,
                   chair_casting_vote: str | None = None) -> tuple[str, dict]:
    """Count one question: (outcome, the count's report). Reads only; stores nothing."""
    if question.kind == QuestionKind.RESOLUTION:
        return _resolution(ballot, question, settings, chair_casting_vote=chair_casting_vote)
    return _election(ballot, question, settings)


def _claim(ballot_id: int, now: dt.datetime) -> bool:
    return bool(Ballot.objects.filter(
        Q(count_claimed_until__isnull=True) | Q(count_claimed_until__lt=now),
        pk=ballot_id, status=BallotStatus.CLOSED, counted_at__isnull=True,
    ).update(count_claimed_until=now + COUNT_LEASE, count_progress=0))


def ballot_count(*, ballot_id: int) -> int:
    """Count every question of a closed ballot and store the results. Returns how many
    questions it counted: 0 when the ballot is counted already or another worker holds
    the count."""
    ballot = Ballot.objects.select_related("rulebook").get(pk=ballot_id)
    if ballot.status != BallotStatus.CLOSED:
        raise DomainError("A ballot is counted once it has closed.")
    if ballot.counted_at is not None or not _claim(ballot.pk, timezone.now()):
        return 0
    contents_rewrite(ballot)
    settings = settings_of(ballot.rulebook)
    counted = {}
    questions = ballot.questions.order_by("position").select_related("show_of_hands",
                                                                      "agenda_item")
    for done, question in enumerate(questions, start=1):
        counted[question.pk] = question_count(ballot, question, settings)
        Ballot.objects.filter(pk=ballot.pk).update(count_progress=done)  # the progress bar
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.counted_at is not None:  # a second worker finished first
            return 0
        now = timezone.now()
        for question_id, (outcome, data) in counted.items():
            QuestionResult.objects.update_or_create(question_id=question_id, defaults={
                "outcome": outcome, "data": data, "rulebook_version": ballot.rulebook.version,
                "electorate_fingerprint": ballot.electorate_fingerprint, "counted_at": now})
        ballot.counted_at = now
        ballot.count_claimed_until = None
        ballot.save(update_fields=["counted_at", "count_claimed_until"])
        audit_record(actor=None, action="ballot.counted", target=ballot, changes={
            "questions": len(counted), "rulebook_version": ballot.rulebook.version,
            "electorate_fingerprint": ballot.electorate_fingerprint,
            "outcomes": {str(qid): outcome for qid, (outcome, _d) in counted.items()}})
    contents_vacuum()
    return len(counted)


def contents_rewrite(ballot: Ballot) -> None:
    """After close, before the count: delete the ballot's contents and write them again in
    one statement, in the order of their random ids. Every row then carries the same
    writing transaction (`xmin`), none shared with a participation, and sits on disk in id
    order, not in the order the votes were cast. Per ballot, so no other ballot's voters
    wait: a table-wide rewrite (CLUSTER) would lock every open ballot's votes out. Running
    it again changes nothing that matters. PostgreSQL only (SQLite, for the demo, keeps
    the order rows were written in)."""
    if connection.vendor != "postgresql":
        return
    with atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH old AS (DELETE FROM ballots_contents c USING ballots_question q "
            "WHERE c.question_id = q.id AND q.ballot_id = %s RETURNING c.*) "
            "INSERT INTO ballots_contents SELECT * FROM old ORDER BY id", [ballot.pk])


def contents_vacuum() -> None:
    """Prune the old copies the rewrite left behind (dead rows that still carry the
    casting transactions' ids). A plain VACUUM takes no lock that votes wait for; it
    cannot run inside a transaction, so a caller inside one (a test) leaves it to
    autovacuum."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ballots_contents")


def casting_vote_record(*, actor, question: Question, choice: str) -> QuestionResult:
    """The chair's casting vote on a tied resolution, as the chair gave it at the meeting:
    the question is counted again with it, and the result says so."""
    if choice not in ("for", "against"):
        raise DomainError("The casting vote is for or against.", field="choice")
    with atomic():
        ballot = Ballot.objects.select_for_update().select_related("rulebook").get(
            pk=question.ballot_id)
        result = QuestionResult.objects.select_for_update().filter(question=question).first()
        if result is None or result.outcome != "tied_undecided":
            raise DomainError("Only a tied resolution whose rules give the chair a casting "
                              "vote waits for it.")
        if ballot.results_published_at is not None:
            raise DomainError("The results are published already.")
        outcome, data = question_count(ballot, question, settings_of(ballot.rulebook),
                                       chair_casting_vote=choice)
        result.outcome, result.data = outcome, data
        result.save(update_fields=["outcome", "data"])
        audit_record(actor=actor, action="ballot.casting_vote_recorded", target=ballot,
                     changes={"question_id": question.pk, "casting_vote": choice,
                              "outcome": outcome})
        return result


def results_publish(*, actor, ballot: Ballot) -> Ballot:
    """Publish the results: members and the board see them, and every member on the roll
    who agreed to email is sent them (through the outbox, after commit)."""
    from .results_notice import results_notice_queue

    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.counted_at is None:
            raise DomainError("The ballot has not been counted yet.")
        if ballot.results_published_at is not None:
            raise DomainError("The results are already published.")
        # A tie waits for the chair's casting vote; a question the rules cannot decide is
        # published as such, with the reason.
        undecided = list(QuestionResult.objects.filter(
            question__ballot=ballot, outcome="tied_undecided")
            .values_list("question__title", flat=True))
        if undecided:
            raise DomainError("Decide the tie first (record the chair's casting vote): "
                              + "; ".join(undecided) + ".")
        ballot.results_published_at = timezone.now()
        ballot.save(update_fields=["results_published_at"])
        audit_record(actor=actor, action="ballot.results_published", target=ballot)
        results_notice_queue(ballot)
        return ballot


def ballots_count_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: closed ballots not counted, with no live claim (the task was lost,
    the broker was down, or the worker died mid-count), are queued again."""
    from ..tasks import ballot_count_task

    now = now or timezone.now()
    due = list(Ballot.objects.filter(
        Q(count_claimed_until__isnull=True) | Q(count_claimed_until__lt=now),
        status=BallotStatus.CLOSED, counted_at__isnull=True, closed_at__lt=now - SWEEP_GRACE,
    ).values_list("pk", flat=True))
    for ballot_id in due:
        queue_after_commit(ballot_count_task, ballot_id)  # outside a transaction: at once
    return len(due)
