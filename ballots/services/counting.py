"""Counting a closed ballot, by a Celery task on the counting queue.

A secret question's votes exist only encrypted, so its count has three steps:
1. **Totals.** The worker adds the papers' ciphertexts homomorphically, per question, cell
   (a class, where the rules weigh or cap classes; otherwise everyone) and entry: the
   number of papers, and where the cell's weights differ, the weighted sum. STV rankings
   are kept as rows for the mix. The record of what the trustees are asked
   (`Ballot.count_record`) is stored and the stage is "trustees".
2. **The trustees.** Each trustee downloads the count package (the manifest, the box and
   what is needed of them), checks it and recomputes the totals on their own machine, and
   uploads their partial decryptions (for STV: first a mix of the rankings, in turn, then
   the decryption of the last mix's rows). Each upload is checked here, on the worker,
   before it is used; a bad one is refused with the reason.
3. **Decryption and the count.** With k trustees' valid parts, the totals (and mixed
   rankings) are decrypted, and each question is counted by the pure counting modules
   exactly as before: a resolution by the rulebook's rules for its type, an election by
   first past the post, block vote or STV. Recorded (named) questions are counted from
   their votes in the clear.

The task can run twice, or be killed and delivered again: a count is claimed with a lease
(`count_claimed_until`), each step's writes are one transaction, and any lot is drawn from
a seed made from the ballot and its roll. A beat sweep queues the count of a closed ballot
that nobody has counted and nobody holds a live claim on."""

import datetime as dt
import hashlib
from collections import defaultdict
from fractions import Fraction

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic, queue_after_commit
from meetings.rules import resolution_rules
from meetings.selectors import settings_of

from ..counting import from_totals
from ..counting.plurality import count_plurality
from ..counting.stv import count_stv
from ..counting.tally import Rules, TallyError, VoteRow, count_resolution
from ..crypto import record as sealed_record
from ..crypto.elgamal import Ciphertext
from ..models import (
    Ballot,
    BallotKind,
    BallotStatus,
    Elector,
    KeyCeremony,
    Paper,
    Question,
    QuestionKind,
    QuestionResult,
    RecordedVote,
    Trustee,
    TrusteeCount,
    TrusteeCountKind,
)
from .sealing import question_spec

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


def resolution_votes(ballot: Ballot, question: Question) -> list[dict]:
    """The question's votes as the tally file's rows: one per class (or cell), weight and
    choice, with how many papers said it. A sealed question's come from its decrypted
    totals (`ballots.counting.from_totals`); a recorded question's are grouped from its
    named votes."""
    if not question.recorded:
        return from_totals.resolution_rows(ballot.count_record, str(question.position))
    rows = (RecordedVote.objects.filter(question=question)
            .values("elector__class_slug", "elector__weight", "choice")
            .annotate(n=Count("*")).order_by("elector__class_slug", "elector__weight",
                                             "choice"))
    return [{"class": r["elector__class_slug"], "weight": str(r["elector__weight"]),
             "choice": r["choice"], "count": r["n"]} for r in rows]


def election_papers(ballot: Ballot, question: Question
                    ) -> tuple[list[str], list[tuple[tuple[int, ...], int]]]:
    """The candidates (in ballot-paper order) and the papers as (ranking by candidate
    index, weight), identical rankings added together: STV's from the decrypted mixed
    rankings, first past the post and block votes' from the decrypted totals, a recorded
    question's from its named votes."""
    options = list(question.options.order_by("position"))
    names = [option.label for option in options]
    qid = str(question.position)
    if question.recorded:
        index = {option.pk: i for i, option in enumerate(options)}
        papers: dict[tuple[int, ...], int] = defaultdict(int)
        for vote in RecordedVote.objects.filter(question=question).select_related("elector"):
            papers[tuple(index[pk] for pk in vote.ranking if pk in index)] += \
                vote.elector.weight
        return names, sorted(papers.items())
    if question.kind == QuestionKind.STV:
        return names, from_totals.stv_papers(ballot.count_record, qid)
    return names, from_totals.plurality_papers(ballot.count_record, qid, len(options))


def _valid_weight(ballot: Ballot, question: Question) -> int:
    if question.recorded:
        return RecordedVote.objects.filter(question=question).exclude(ranking=[]).aggregate(
            total=Sum("elector__weight"))["total"] or 0
    return from_totals.valid_weight(ballot.count_record, str(question.position))


def _resolution(ballot: Ballot, question: Question, settings, *,
                chair_casting_vote: str | None = None) -> tuple[str, dict]:
    rules = resolution_count_rules(ballot, question, settings,
                                   chair_casting_vote=chair_casting_vote)
    votes = resolution_votes(ballot, question)
    try:
        result = count_resolution(
            [VoteRow(klass=v["class"], weight=Fraction(v["weight"]), choice=v["choice"],
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


def _election(ballot: Ballot, question: Question, settings) -> tuple[str, dict]:
    names, papers = election_papers(ballot, question)
    seed = count_seed(ballot)
    if question.kind == QuestionKind.STV:
        result = count_stv(papers, names, question.seats, settings.stv_rule, seed=seed)
        data = {"method": "stv", **result.to_json(), "seed": seed,
                "reason": f"Elected: {', '.join(result.elected)}." if result.elected
                else "Nobody was elected."}
        return "elected", data
    data = count_plurality(papers, names, question.seats, seed=seed)
    # Every paper cast marks at least one candidate (a blank one is refused when cast):
    # the valid votes are the weight of the papers cast, not the sum of the marks.
    data["valid_votes"] = _valid_weight(ballot, question)
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
    """Take the count of a closed ballot as far as it can go: make the totals, check the
    trustees' uploads, decrypt once k have taken part, then count every question and store
    the results. Returns how many questions it counted: 0 when it waits for trustees, the
    ballot is counted already, or another worker holds the count."""
    ballot = Ballot.objects.select_related("rulebook").get(pk=ballot_id)
    if ballot.status != BallotStatus.CLOSED:
        raise DomainError("A ballot is counted once it has closed.")
    if ballot.counted_at is not None or not _claim(ballot.pk, timezone.now()):
        return 0
    try:
        if ballot.questions.filter(recorded=False).exists():
            if not ballot.count_stage:
                totals_make(ballot)
            platform_take_part(ballot)
            uploads_check(ballot)
            if ballot.count_stage != "decrypted" and not decrypt_if_ready(ballot):
                return 0
        return _count_and_store(ballot)
    finally:
        Ballot.objects.filter(pk=ballot.pk, counted_at__isnull=True).update(
            count_claimed_until=None)


def _count_and_store(ballot: Ballot) -> int:
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
    return len(counted)


# --- The sealed count -------------------------------------------------------------------

def _uses_classes(ballot: Ballot, question: Question, settings) -> bool:
    """Whether the question's rules treat classes apart (weights, caps, exclusions, a dual
    test): only then are its totals kept per class. Otherwise one cell for everyone, so no
    small class's sum is ever decrypted."""
    if question.kind != QuestionKind.RESOLUTION:
        return False
    rules = resolution_count_rules(ballot, question, settings)
    return rules.get("voting_basis") == "class_weighted" or bool(
        rules.get("class_caps") or rules.get("excluded_classes") or rules.get("dual_test"))


def manifest_build(ballot: Ballot) -> dict:
    """The manifest of the sealed record: key, trustees' public shares, and each secret
    question's encoding, cells and whether its weights differ (from the frozen roll)."""
    ceremony = KeyCeremony.objects.get(ballot=ballot)
    settings = settings_of(ballot.rulebook)
    questions = []
    for question in ballot.questions.filter(recorded=False).order_by("position"):
        electors = ballot.electors.all()
        if question.constituency_id:
            electors = electors.filter(stakeholder_class_id=question.constituency_id)
        weights = set(electors.values_list("weight", flat=True))
        spec = question_spec(question, question.options.count())
        if _uses_classes(ballot, question, settings):
            slugs = sorted(set(electors.values_list("class_slug", flat=True)))
            cells = [{"name": slug, "classes": [slug]} for slug in slugs]
        else:
            cells = [{"name": sealed_record.ALL, "classes": None}]
        questions.append({"qid": spec.qid, "kind": spec.kind, "options": spec.options,
                          "seats": spec.seats, "cells": cells, "weighted": len(weights) > 1})
    trustees = ceremony.trustees.order_by("index")
    return {"version": 1, "ballot": ballot.title, "context": ceremony.context,
            "key": ceremony.public_key, "threshold": ceremony.threshold,
            "platform_share": ceremony.platform_share,
            "trustees": [{"index": t.index, "name": t.name, "public_share": t.public_share,
                          "platform": t.is_platform} for t in trustees],
            "questions": questions}


def box_lines(ballot: Ballot) -> list[dict]:
    """The ballot box: one line per paper, in tracker order (not the order cast), with the
    elector's class and weight and no name."""
    positions = dict(ballot.questions.values_list("pk", "position"))
    lines = []
    for paper in (Paper.objects.filter(ballot=ballot).order_by("tracker")
                  .select_related("elector").prefetch_related("answers")):
        lines.append({"tracker": paper.tracker, "class": paper.elector.class_slug,
                      "weight": paper.elector.weight,
                      "answers": {str(positions[p.question_id]): p.sealed
                                  for p in paper.answers.all()}})
    return lines


def totals_make(ballot: Ballot) -> None:
    """Step 1: the totals, and the record of what the trustees are asked."""
    manifest_json = manifest_build(ballot)
    manifest = sealed_record.Manifest.from_json(manifest_json)
    papers = sealed_record.box_read(manifest, box_lines(ballot), verify=False)
    totals = sealed_record.totals(manifest, papers)
    cells: dict = {}
    for question in manifest.questions:
        cells[question.qid] = {}
        for cell in question.cells:
            members = [p for p in papers if question.qid in p.answers
                       and question.cell_of(p.klass) == cell["name"]]
            weights = {p.weight for p in members}
            cells[question.qid][cell["name"]] = {
                "papers": len(members), "weight": sum(p.weight for p in members),
                "weight_each": weights.pop() if len(weights) == 1 else 1}
    record = {"manifest": manifest_json,
              "totals_labels": [t.label() for t in totals],
              "totals": [t.ciphertext.to_json() for t in totals],
              "bounds": [t.bound for t in totals],
              "cells": cells,
              "weighted": {q.qid: q.weighted for q in manifest.questions},
              "mixes": {q.qid: [] for q in manifest.questions if q.spec.kind == "stv"},
              "values": None, "rankings": {}}
    with atomic():
        locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if locked.count_stage:
            return
        locked.count_record, locked.count_stage = record, "trustees"
        locked.save(update_fields=["count_record", "count_stage"])
        audit_record(actor=None, action="ballot.totals_made", target=locked, changes={
            "papers": len(papers), "totals": len(totals)})
    ballot.count_record, ballot.count_stage = record, "trustees"


def _accepted(ballot: Ballot, kind: str, qid: str = ""):
    return TrusteeCount.objects.filter(ballot=ballot, kind=kind, qid=qid, accepted=True)


def trustee_needs(ballot: Ballot, trustee: Trustee) -> dict:
    """What the count needs of this trustee now."""
    record = ballot.count_record or {}
    if ballot.count_stage != "trustees":
        return {}
    mine = TrusteeCount.objects.filter(ballot=ballot, trustee=trustee).exclude(accepted=False)
    needs: dict = {"totals": bool(record.get("totals")) and not mine.filter(
        kind=TrusteeCountKind.TOTALS).exists(), "mix": [], "rows": []}
    wanted_mixes = min(sealed_record.MIXES_NEEDED, len(record["manifest"]["trustees"]))
    for qid, mixes in record.get("mixes", {}).items():
        if len(mixes) < wanted_mixes:
            if not mine.filter(kind=TrusteeCountKind.MIX, qid=qid).exists() and not \
                    TrusteeCount.objects.filter(ballot=ballot, kind=TrusteeCountKind.MIX,
                                                qid=qid, accepted__isnull=True).exists():
                needs["mix"].append(qid)
        elif not mine.filter(kind=TrusteeCountKind.ROWS, qid=qid).exists():
            needs["rows"].append(qid)
    return needs if needs["totals"] or needs["mix"] or needs["rows"] else {}


def count_package(ballot: Ballot, trustee: Trustee) -> dict:
    """What a trustee downloads to take part: the manifest, the box, the totals' labels,
    the mixes so far, and what is needed of them."""
    record = ballot.count_record
    return {"kind": "count-package", "version": 1, "trustee": trustee.index,
            "manifest": record["manifest"], "box": box_lines(ballot),
            "totals_labels": record["totals_labels"], "mixes": record["mixes"],
            "needs": trustee_needs(ballot, trustee)}


class CountRefused(DomainError):
    pass


def trustee_count_upload(*, actor, trustee: Trustee, response) -> int:
    """A trustee's response, stored to be checked on the worker. Refused at once, with
    nothing stored, if it is not shaped like a response, is not this trustee's, or gives
    nothing the count needs now."""
    ballot = trustee.ceremony.ballot
    if not isinstance(response, dict) or response.get("index") != trustee.index:
        raise CountRefused("That is not this trustee's response to the count package: "
                           "make it with your own key from the package for you.",
                           field="response")
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        needs = trustee_needs(ballot, trustee)
        parts = []
        if needs.get("totals") and isinstance(response.get("totals"), dict):
            parts.append((TrusteeCountKind.TOTALS, "", response["totals"]))
        for qid in needs.get("mix", []):
            if isinstance(response.get("mixes"), dict) and qid in response["mixes"]:
                parts.append((TrusteeCountKind.MIX, qid, response["mixes"][qid]))
        for qid in needs.get("rows", []):
            if isinstance(response.get("rows"), dict) and qid in response["rows"]:
                parts.append((TrusteeCountKind.ROWS, qid, response["rows"][qid]))
        if not parts:
            raise CountRefused("This response gives nothing the count needs now: download "
                               "the package again and answer it.", field="response")
        for kind, qid, payload in parts:
            TrusteeCount.objects.create(ballot=ballot, trustee=trustee, kind=kind, qid=qid,
                                        payload=payload)
        audit_record(actor=actor, action="ballot.trustee_count_received", target=ballot,
                     changes={"trustee": trustee.index, "parts": [k for k, _q, _p in parts]})
        from ..tasks import ballot_count_task

        queue_after_commit(ballot_count_task, ballot.pk)
    return len(parts)


def _rows_now(ballot: Ballot, manifest, qid: str) -> list:
    record = ballot.count_record
    mixes = record["mixes"][qid]
    if mixes:
        last = mixes[-1]["rows"]
        width = len(last[0]) if last else 0
        return sealed_record.rows_read(last, count=len(last), width=width, where="the mix")
    papers = sealed_record.box_read(manifest, box_lines(ballot), verify=False)
    return sealed_record.mix_input(manifest, papers, qid)


def uploads_check(ballot: Ballot) -> None:
    """Step 2: check every upload not yet checked; a bad one is refused with its reason."""
    manifest = sealed_record.Manifest.from_json(ballot.count_record["manifest"])
    context = manifest.context
    for upload in TrusteeCount.objects.filter(ballot=ballot, accepted__isnull=True
                                              ).select_related("trustee"):
        index = upload.trustee.index
        record = ballot.count_record
        try:
            if upload.kind == TrusteeCountKind.TOTALS:
                ciphertexts = [Ciphertext.from_json(c) for c in record["totals"]]
                sealed_record.partials_read(manifest, {str(index): upload.payload},
                                            ciphertexts, sealed_record.totals_context(context),
                                            "the totals")
            elif upload.kind == TrusteeCountKind.MIX:
                rows = _rows_now(ballot, manifest, upload.qid)
                mix = {**upload.payload, "mixer": index}
                sealed_record.mix_check_one(manifest, upload.qid, rows, mix,
                                            len(record["mixes"][upload.qid]) + 1)
                record["mixes"][upload.qid].append(mix)
            else:
                rows = _rows_now(ballot, manifest, upload.qid)
                flat = [c for row in rows for c in row]
                sealed_record.partials_read(manifest, {str(index): upload.payload}, flat,
                                            sealed_record.rows_context(context, upload.qid),
                                            f"the rankings of question {upload.qid}")
            upload.accepted = True
        except (sealed_record.RecordError, ValueError) as error:
            upload.accepted, upload.refused_because = False, str(error)[:300]
        with atomic():
            upload.save(update_fields=["accepted", "refused_because"])
            if upload.accepted and upload.kind == TrusteeCountKind.MIX:
                Ballot.objects.filter(pk=ballot.pk).update(count_record=ballot.count_record)
            audit_record(actor=None, action="ballot.trustee_count_checked", target=ballot,
                         changes={"trustee": index, "part": upload.kind, "question": upload.qid,
                                  "accepted": upload.accepted,
                                  "because": upload.refused_because})


def decrypt_if_ready(ballot: Ballot) -> bool:
    """Step 3: with k trustees' accepted parts for everything, decrypt."""
    record = ballot.count_record
    manifest = sealed_record.Manifest.from_json(record["manifest"])
    k = manifest.threshold

    def partials(kind, qid=""):
        return {str(u.trustee.index): u.payload
                for u in _accepted(ballot, kind, qid).select_related("trustee")}

    given = partials(TrusteeCountKind.TOTALS)
    if record["totals"] and len(given) < k:
        return False
    wanted_mixes = min(sealed_record.MIXES_NEEDED, len(manifest.public_shares))
    for qid, mixes in record["mixes"].items():
        if len(mixes) < wanted_mixes or len(partials(TrusteeCountKind.ROWS, qid)) < k:
            return False
    ciphertexts = [Ciphertext.from_json(c) for c in record["totals"]]
    values = []
    if ciphertexts:
        checked = sealed_record.partials_read(manifest, given, ciphertexts,
                                              sealed_record.totals_context(manifest.context),
                                              "the totals")
        values = sealed_record.decrypt(manifest, ciphertexts, checked, record["bounds"],
                                       "the totals")
    rankings = {}
    for qid in record["mixes"]:
        question = manifest.question(qid)
        rows = _rows_now(ballot, manifest, qid)
        flat = [c for row in rows for c in row]
        checked = sealed_record.partials_read(
            manifest, partials(TrusteeCountKind.ROWS, qid), flat,
            sealed_record.rows_context(manifest.context, qid), f"question {qid}")
        heaviest = Elector.objects.filter(ballot=ballot).aggregate(m=Max("weight"))["m"]
        bound = max(question.spec.options, heaviest or 1)
        flat_values = sealed_record.decrypt(manifest, flat, checked, bound, f"question {qid}")
        row_width = len(rows[0]) if rows else 0
        decoded = sealed_record.rankings_decode(
            question, [flat_values[i:i + row_width] for i in range(0, len(flat_values),
                                                                   row_width)])
        rankings[qid] = sorted([ranking, weight] for ranking, weight in decoded)
    with atomic():
        locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
        locked.count_record = {**record, "values": values, "rankings": rankings}
        locked.count_stage = "decrypted"
        locked.save(update_fields=["count_record", "count_stage"])
        audit_record(actor=None, action="ballot.decrypted", target=locked, changes={
            "trustees": sorted(int(i) for i in given), "totals": len(values)})
    ballot.count_record, ballot.count_stage = locked.count_record, "decrypted"
    return True


def platform_take_part(ballot: Ballot) -> None:
    """Where the platform holds a share (a small mutual's choice), it answers its own part
    of the count as any trustee would, with the share it keeps sealed."""
    trustee = Trustee.objects.filter(ceremony__ballot=ballot, is_platform=True).first()
    if trustee is None or not trustee_needs(ballot, trustee):
        return
    from ..crypto.trustee_count import respond
    from .ceremony import platform_share_secret

    share = platform_share_secret(trustee.ceremony)
    response = respond(count_package(ballot, trustee), trustee.index, share)
    trustee_count_upload(actor=None, trustee=trustee, response=response)


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
