"""Reads for the scrutineer: the report that reconciles a closed ballot (the roll, papers
issued and returned by channel, valid and invalid, each count against its papers, the
audit chain) and the signed bundle that carries it to a regulator with the anonymised
contents, for an independent recount (`manage.py recount`).

The contents leave the platform only in a form that cannot be tied to a voter: a
resolution as its tally (how many papers of each class and weight said for, against or
withheld), an election as a BLT file of rankings with how many papers gave each, in a
random order. Neither has an id, a time or a receipt."""

import csv
import datetime as dt
import hashlib
import io
import json
import random
import zipfile
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from governance.selectors import ChainReport
from governance.signing import public_key_pem, sign
from meetings.selectors import settings_of

from .counting.blt import write_blt
from .counting.recount import MANIFEST, PUBLIC_KEY, SIGNATURE, key_fingerprint
from .models import (
    Ballot,
    BallotStatus,
    Channel,
    Elector,
    PaperVote,
    Participation,
    ProxyAppointment,
    QuestionKind,
    QuestionResult,
    RecordedVote,
    SpoiltPaper,
)
from .results import OUTCOME_WORDS, published_classes
from .services.counting import count_seed, election_papers, resolution_votes
from .services.electorate import electorate_fingerprint, roll_lines

_shuffle = random.SystemRandom().shuffle


def _stv_reconciled(data: dict) -> dict | None:
    """An STV count balances when, at its last stage, the candidates' votes and the
    non-transferable votes add up to the valid vote."""
    if data.get("method") != "stv" or not data.get("stages"):
        return None
    last = data["stages"][-1]
    total = sum((Decimal(v) for v in last["votes"].values() if v is not None), Decimal(0))
    nt = Decimal(last["non_transferable"])
    return {"valid_votes": data["valid_votes"], "final_stage_total": str(total),
            "non_transferable": str(nt), "balanced": total + nt == data["valid_votes"]}


def scrutiny_report(ballot: Ballot, *, chain: ChainReport) -> dict:
    """The scrutineer's report of a closed ballot, as one JSON-ready object, with the
    result of the audit chain check the caller made (`governance.services
    .audit_chain_check`: the rows since the checkpoint, or all of them)."""
    electors = Elector.objects.filter(ballot=ballot)
    participations = Participation.objects.filter(question__ballot=ballot)
    returned = dict(participations.values("channel").annotate(
        n=Count("elector", distinct=True)).values_list("channel", "n"))
    spoilt = dict(SpoiltPaper.objects.filter(ballot=ballot).values("channel").annotate(
        n=Count("pk")).values_list("channel", "n"))
    proxies = ProxyAppointment.objects.filter(ballot=ballot)
    by_question = {}
    for row in participations.values("question_id", "channel").annotate(n=Count("pk")):
        by_question.setdefault(row["question_id"], {})[row["channel"]] = row["n"]
    # A valid paper is a sealed answer (its proofs made when cast) or a recorded vote.
    valid = dict(participations.filter(sealed__isnull=False).values("question_id")
                 .annotate(n=Count("pk")).values_list("question_id", "n"))
    for question_id, n in RecordedVote.objects.filter(question__ballot=ballot).values(
            "question_id").annotate(n=Count("pk")).values_list("question_id", "n"):
        valid[question_id] = valid.get(question_id, 0) + n
    results = {r.question_id: r for r in QuestionResult.objects.filter(question__ballot=ballot)}
    questions = []
    for question in ballot.questions.order_by("position"):
        channels = by_question.get(question.pk, {})
        voted = sum(channels.values())
        result = results.get(question.pk)
        entry = {"position": question.position, "title": question.title,
                 "kind": question.kind, "participations": voted,
                 "participations_by_channel": channels, "valid_papers": valid.get(
                     question.pk, 0), "papers_reconciled": voted == valid.get(question.pk, 0),
                 "outcome": result.outcome if result else None,
                 "outcome_words": OUTCOME_WORDS.get(result.outcome, result.outcome)
                 if result else "Not counted"}
        if result is not None:
            entry["counted_papers"] = result.data.get("papers", result.data.get(
                "valid_votes"))
            stv = _stv_reconciled(result.data)
            if stv is not None:
                entry["stv"] = stv
        questions.append(entry)
    roll_fingerprint = electorate_fingerprint(ballot)
    report = {
        "ballot": {"id": ballot.pk, "title": ballot.title, "kind": ballot.kind,
                   "secret": ballot.secret, "record_date": ballot.record_date.isoformat(),
                   "opened_at": _iso(ballot.opened_at), "closed_at": _iso(ballot.closed_at),
                   "counted_at": _iso(ballot.counted_at),
                   "results_published_at": _iso(ballot.results_published_at),
                   "rulebook_version": ballot.rulebook.version},
        "roll": {"electors": ballot.electors_count, "rows": electors.count(),
                 "fingerprint": ballot.electorate_fingerprint,
                 "fingerprint_now": roll_fingerprint,
                 "unchanged": roll_fingerprint == ballot.electorate_fingerprint},
        "papers": {
            "issued": {Channel.ONLINE: ballot.electors_count,
                       Channel.PROXY: proxies.filter(revoked_at__isnull=True).count()},
            "returned": {channel: returned.get(channel, 0) for channel in Channel.values},
            "invalid": {channel: spoilt.get(channel, 0)
                        for channel in (Channel.ROOM, Channel.POSTAL)},
            "voters": participations.values("elector").distinct().count(),
        },
        # Every poll card and postal paper the secretary entered, with its reference and
        # who entered it (and any withdrawn in error), to check against the papers.
        "paper_entries": [
            {"channel": entry.channel, "reference": entry.reference,
             "member_number": entry.elector.member_number,
             "entered_at": _iso(entry.entered_at), "entered_by": entry.entered_by_label,
             "withdrawn_at": _iso(entry.withdrawn_at),
             "withdrawn_by": entry.withdrawn_by_label,
             "withdrawn_because": entry.withdrawn_because}
            for entry in PaperVote.objects.filter(ballot=ballot).select_related("elector")],
        "proxies": {"appointed": proxies.count(),
                    "revoked": proxies.filter(revoked_at__isnull=False).count(),
                    "used": proxies.filter(voted_at__isnull=False).count()},
        "questions": questions,
        "audit_chain": {"intact": chain.ok, "entries_checked": chain.checked,
                        "problem": chain.problem or "", "whole_chain": chain.full,
                        "checked_after_entry": chain.from_seq,
                        "checked_to_entry": chain.head_seq if chain.ok else None,
                        "checkpoint_verified_at": _iso(chain.checkpoint_at),
                        "last_full_check_at": _iso(chain.full_checked_at)},
    }
    report["reconciled"] = (
        report["roll"]["unchanged"] and report["roll"]["rows"] == ballot.electors_count
        and all(q["papers_reconciled"] for q in questions)
        and all(q.get("stv", {}).get("balanced", True) for q in questions)
        and chain.ok)
    return report


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def recount_files(ballot: Ballot, progress: Callable[[int], None] = lambda done: None
                  ) -> dict[str, bytes]:
    """The anonymised contents of each question, the description of the ballot that the
    recount needs and the results stored, as files (`progress` told after each
    question)."""
    settings = settings_of(ballot.rulebook)
    files: dict[str, bytes] = {}
    described = []
    results = {r.question_id: r for r in QuestionResult.objects.filter(question__ballot=ballot)}
    stored = {}
    for question in ballot.questions.order_by("position").prefetch_related("options"):
        result = results.get(question.pk)
        entry = {"position": question.position, "title": question.title,
                 "kind": question.kind, "seats": question.seats}
        if question.kind == QuestionKind.RESOLUTION:
            votes = resolution_votes(ballot, question)
            _shuffle(votes)
            rules = result.data["rules"] if result else {}
            entry["file"] = f"q{question.position}.tally.json"
            files[entry["file"]] = json.dumps({
                "resolution_type": result.data.get("resolution_type", "ordinary")
                if result else question.resolution_type or "ordinary",
                "rules": rules, "votes": votes}, indent=1).encode()
        else:
            names, papers = election_papers(ballot, question)
            _shuffle(papers)
            entry["file"] = f"q{question.position}.blt"
            entry["seed"] = count_seed(ballot)
            if question.kind == QuestionKind.STV:
                entry["rule"] = result.data.get("rule", settings.stv_rule) if result \
                    else settings.stv_rule
            files[entry["file"]] = write_blt(candidates=names, seats=question.seats,
                                             ballots=papers, title=question.title).encode()
        described.append(entry)
        progress(len(described))
        if result is not None:
            stored[str(question.position)] = {"outcome": result.outcome, "data": result.data}
    if ballot.count_record and ballot.count_record.get("values") is not None:
        files.update(sealed_files(ballot))
    files["ballot.json"] = json.dumps({
        "ballot": {"id": ballot.pk, "title": ballot.title,
                   "electorate_fingerprint": ballot.electorate_fingerprint,
                   "rulebook_version": ballot.rulebook.version},
        "questions": described}, indent=1).encode()
    files["results.json"] = json.dumps(stored, indent=1, sort_keys=True).encode()
    return files


def sealed_files(ballot: Ballot) -> dict[str, bytes]:
    """The sealed ballot box for anyone to check (`ballots.counting.sealed_check`): the
    manifest, the box (no names), the record of the count with every trustee's accepted
    partial decryptions, and the ceremony's public files where the trustees made the key."""
    from .counting import sealed_check
    from .models import KeyCeremony, TrusteeCount, TrusteeCountKind
    from .services.counting import box_lines

    record = dict(ballot.count_record)
    accepted = TrusteeCount.objects.filter(ballot=ballot, accepted=True).select_related(
        "trustee")
    partials: dict = {"totals": {}, "rows": {}}
    for upload in accepted:
        if upload.kind == TrusteeCountKind.TOTALS:
            partials["totals"][str(upload.trustee.index)] = upload.payload
        elif upload.kind == TrusteeCountKind.ROWS:
            partials["rows"].setdefault(upload.qid, {})[str(upload.trustee.index)] = \
                upload.payload
    manifest = record.pop("manifest")
    record["partials"] = partials
    out = {sealed_check.MANIFEST: json.dumps(manifest, indent=1).encode(),
           sealed_check.BOX: "".join(json.dumps(line) + "\n"
                                     for line in box_lines(ballot)).encode(),
           sealed_check.RECORD: json.dumps(record).encode()}
    ceremony = KeyCeremony.objects.filter(ballot=ballot).first()
    trustees = list(ceremony.trustees.order_by("index")) if ceremony else []
    if trustees and all(t.public_file and t.finish_file for t in trustees):
        out[sealed_check.CEREMONY] = json.dumps({
            "publics": [t.public_file for t in trustees],
            "finishes": [t.finish_file for t in trustees]}).encode()
    return out


BUNDLE_STEPS_BEYOND_QUESTIONS = 3  # the report, the roll, the manifest and its signature


def scrutiny_bundle(ballot: Ballot, *, chain: ChainReport,
                    progress: Callable[[int], None] = lambda done: None) -> bytes:
    """One zip for the regulator: the report, the roll, the results, the anonymised
    contents, a manifest of their SHA-256 hashes and its Ed25519 signature. `progress`
    is told how many steps are done: one for the questions' files, then one each for the
    report, the roll and the signature (`bundle_steps`)."""
    if ballot.status != BallotStatus.CLOSED:
        raise ValueError("the bundle is made once the ballot has closed")
    files = recount_files(ballot, progress)
    done = ballot.questions.count()
    files["report.json"] = json.dumps(scrutiny_report(ballot, chain=chain), indent=1).encode()
    progress(done + 1)
    files["roll.csv"] = "".join(roll_lines(ballot)).encode()
    progress(done + 2)
    manifest = json.dumps({
        "ballot_id": ballot.pk, "title": ballot.title,
        "made_at": timezone.now().isoformat(),
        "note": "roll.csv hashes to the electorate fingerprint; recount with "
                "`python manage.py recount BUNDLE.zip`",
        "files": {name: hashlib.sha256(data).hexdigest()
                  for name, data in sorted(files.items())}}, indent=1).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in sorted(files.items()):
            bundle.writestr(name, data)
        bundle.writestr(MANIFEST, manifest)
        bundle.writestr(SIGNATURE, sign(manifest))
        bundle.writestr(PUBLIC_KEY, public_key_pem())
    progress(done + 3)
    return out.getvalue()


def bundle_steps(ballot: Ballot) -> int:
    return ballot.questions.count() + BUNDLE_STEPS_BEYOND_QUESTIONS


def signing_key_fingerprint() -> str:
    return key_fingerprint(public_key_pem())


def results_csv(ballot: Ballot, questions) -> str:
    """The results as a table: a row for each option (or candidate) of each question, and
    for resolutions a row for each class."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "title", "kind", "outcome", "row", "name", "for",
                     "against", "withheld", "votes", "percentage_for", "elected"])
    for question in questions:
        result = question.stored
        if result is None:
            continue
        data = result.data
        base = [question.position, question.title, question.kind, result.outcome]
        if data.get("method") == "resolution":
            writer.writerow(base + ["total", "", data.get("for"), data.get("against"),
                                    data.get("withheld"), "", data.get("percentage_for"), ""])
            for slug, totals in published_classes(question, data):
                writer.writerow(base + ["class", slug, totals["for"], totals["against"],
                                        totals["withheld"], "", "", ""])
        else:
            if data.get("method") == "stv":
                votes = data["stages"][-1]["votes"] if data.get("stages") else {}
            else:
                votes = data.get("votes", {})
            for name, value in votes.items():
                writer.writerow(base + ["candidate", name, "", "", "",
                                        "" if value is None else value, "",
                                        "yes" if name in data.get("elected", []) else "no"])
    return out.getvalue()
