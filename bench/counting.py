"""Benchmark: the sealed count of a resolution with N ballots in three weighted classes.

    .venv/bin/python -m bench.counting --ballots 1000000

It uses a database of its own (bench_counting), loads N members in three classes (workers,
users, investors, in the proportions 5:3:2), a closed ballot of the members under the
Somerset Rules preset (class weights 50/25/25) with one ordinary resolution, its roll of
N electors (weights 1 to 50), a 2-of-3 ballot key and N sealed answers (see
`sealed_votes` for how they are made cheaply). Then the platform's count as the counting
task runs it: the encrypted totals per class (summing), two trustees' partial decryptions,
and the checks, decryption and count; and, for the ratio, the tally module alone on the
same figures in the clear.

The last line is one JSON object with each phase's seconds, the ratio to the plaintext
count, and "ok" when summing, decrypting and counting take at most 60 s.
"""

import argparse
import datetime as dt
import json
import os
import sys
import time

from .common import PROJECT_ROOT, create_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_counting"
TARGETS = {"sealed_count_seconds": 60.0}
RUNS = 3


def environment(database_url: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url, "TEST_REDIS_URL": "redis://127.0.0.1:6379/12",
            "LOG_LEVEL": "WARNING"}


def log(message: str) -> None:
    print(f"[bench.counting {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load(ballots_count: int):
    """The classes, N members, the rules, a closed ballot with its roll and its votes."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ballots.models import Ballot, Question
    from governance.models import LegalForm, Organisation
    from meetings.services import rulebooks
    from membership.models import StakeholderClass, StakeholderClassVoting

    call_command("migrate", interactive=False, verbosity=0)
    Organisation.objects.create(name="Bench Co-operative", registration_number="RS1",
                                legal_form=LegalForm.COOPERATIVE_SOCIETY)
    classes = []
    for slug in ("workers", "users", "investors"):
        klass = StakeholderClass.objects.create(slug=slug, name=slug.title(),
                                                eligibility="Anyone")
        StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=True,
                                              effective_from=dt.date(2020, 1, 1))
        classes.append(klass)
    rulebook = rulebooks.rulebook_adopt_preset(actor=None, preset="somerset",
                                               effective_from=dt.date(2020, 1, 1),
                                               adopted_by="Rules")
    now = timezone.now()
    log(f"loading {ballots_count:,} members")

    def klass_of(number: int):
        return classes[0] if number % 10 < 5 else classes[1] if number % 10 < 8 else \
            classes[2]

    with connection.cursor() as cursor:
        with cursor.copy("COPY membership_member (member_number, kind, full_name, "
                         "representative, address, email, email_purpose, "
                         "stakeholder_class_id, admitted_on, cessation_reason, "
                         "cessation_note, society_registration_number, "
                         "registered_society_minute, created_at) FROM STDIN") as copy:
            for number in range(1, ballots_count + 1):
                copy.write_row((number, "person", f"Member {number}", "", "1 Street", "", "",
                                klass_of(number).pk, dt.date(2020, 1, 1), "", "", "", "",
                                now))
    ballot = Ballot.objects.create(
        kind="standalone", title="Bench ballot", record_date=dt.date(2025, 1, 1),
        rulebook=rulebook, opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(days=1), status="closed", closed_at=now,
        electors_count=ballots_count, electorate_fingerprint="0" * 64)
    question = Question.objects.create(ballot=ballot, position=1, kind="resolution",
                                       title="Accounts", text="That the accounts be received.",
                                       resolution_type="ordinary")
    log("loading the roll and the votes")
    with connection.cursor() as cursor:
        # Weights 1-50, most voters holding few shares; choices about 60% for, 30%
        # against, 10% withheld, a little different in each class.
        cursor.execute("""
            INSERT INTO ballots_elector (ballot_id, member_id, member_number,
                                         stakeholder_class_id, class_slug, weight)
            SELECT %s, m.id, m.member_number, m.stakeholder_class_id, c.slug,
                   1 + (hashtext(m.member_number::text) & 2147483647) %% 50
                       * (hashtext(m.member_number::text) & 3) / 3
            FROM membership_member m
            JOIN membership_stakeholderclass c ON c.id = m.stakeholder_class_id""",
                       [ballot.pk])
        cursor.execute("VACUUM ANALYZE ballots_elector")
    shares, plain = sealed_votes(ballot, question)
    return ballot, question, shares, plain


def sealed_votes(ballot, question) -> dict[int, int]:
    """A 2-of-3 ballot key dealt here, and each elector's sealed answer: about 60% for,
    30% against, 10% withheld. Encrypting a million answers with their proofs would take
    hours, so each paper's two ciphertexts are a pooled encryption of its value plus a
    pooled encryption of 0 (fresh-looking, unique ciphertexts of the right value), and its
    proofs are one honest paper's, copied: the platform's count does not check proofs (the
    trustees' tool and the recount do), so the count's work is the same. Returns the key
    shares, for the trustees' part."""
    import secrets

    from django.db import connection

    from ballots.crypto import answers, elgamal, group
    from ballots.models import CeremonyStage, Elector, KeyCeremony, Paper, Trustee
    from ballots.services.sealing import question_spec

    secret, slope = group.random_scalar(), group.random_scalar()
    shares = {i: (secret + slope * i) % group.Q for i in (1, 2, 3)}
    key = group.base_mul(secret)
    ceremony = KeyCeremony.objects.create(ballot=ballot, threshold=2, size=3,
                                          stage=CeremonyStage.COMPLETE,
                                          context=f"bench-{secrets.token_hex(8)}",
                                          public_key=key.hex())
    for index, share in shares.items():
        Trustee.objects.create(ceremony=ceremony, index=index, name=f"Trustee {index}",
                               public_share=group.base_mul(share).hex())
    spec = question_spec(question, 0)
    honest = answers.encrypt_answer(key, spec, "for", "bench").to_json()
    pool = {m: [elgamal.encrypt(key, m)[0] for _ in range(64)] for m in (0, 1)}
    low, high = ([elgamal.encrypt(key, 0)[0] for _ in range(1024)] for _pool in range(2))
    log("sealing the votes")
    electors = list(Elector.objects.filter(ballot=ballot).values_list(
        "pk", "member_number", "class_slug", "weight"))
    plain = []
    with connection.cursor() as cursor:
        with cursor.copy("COPY ballots_paper (ballot_id, elector_id, tracker, channel) "
                         "FROM STDIN") as copy:
            for pk, number, _klass, _weight in electors:
                copy.write_row((ballot.pk, pk, f"{number:064x}", "online"))
        papers = dict(Paper.objects.filter(ballot=ballot).values_list("elector_id", "pk"))
        with cursor.copy("COPY ballots_participation (question_id, elector_id, channel, "
                         "paper_id, sealed) FROM STDIN") as copy:
            for i, (pk, number, klass, weight) in enumerate(electors):
                roll = (number * 7919 // 7) % 10
                values = (1, 0) if roll < 6 else (0, 1) if roll < 9 else (0, 0)
                plain.append((klass, weight, "for" if roll < 6 else "against" if roll < 9
                              else "withheld"))
                # A unique ciphertext each (one copied would be refused as a copied paper):
                # the pair of pooled zeros differs for every paper up to 1024² of them.
                fresh = low[i % 1024] + high[(i // 1024) % 1024]
                cts = [(pool[v][e] + fresh).to_json() for e, v in enumerate(values)]
                sealed = {**honest, "ciphertexts": cts}
                copy.write_row((question.pk, pk, "online", papers[pk], json.dumps(sealed)))
        cursor.execute("VACUUM ANALYZE ballots_participation")
    return shares, plain


def loaded(database_url: str) -> int | None:
    """How many votes the benchmark's database holds already (None: no database)."""
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            return connection.execute("SELECT count(*) FROM ballots_paper").fetchone()[0]
    except psycopg.Error:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    options = parser.parse_args()
    env = environment(options.database_url)
    create_database(options.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()

    from ballots.models import QuestionResult

    started = time.perf_counter()
    ballot, question, shares, plain = load(options.ballots)
    load_seconds = time.perf_counter() - started

    record_time, trustees_time, decrypt_time = count_sealed(ballot, shares)
    stored = QuestionResult.objects.get(question=question)
    plain_seconds = plaintext_count(ballot, question, plain)
    total = record_time + decrypt_time
    result = {
        "bench": "counting", "ballots": options.ballots, "classes": 3, "encrypted": True,
        "rules": "Somerset Rules preset (class weights 50/25/25)",
        "load_seconds": round(load_seconds, 1) if load_seconds else None,
        "summing_seconds": round(record_time, 2),
        "trustees_seconds": round(trustees_time, 2),
        "decrypting_and_counting_seconds": round(decrypt_time, 2),
        "platform_seconds": round(total, 2),
        "plaintext_count_seconds": round(plain_seconds, 3),
        "ratio_to_plaintext": round(total / plain_seconds, 1),
        "workers": 1, "outcome": stored.outcome,
        "percentage_for": stored.data["percentage_for"], "papers_counted": stored.data["papers"],
        "targets": TARGETS,
    }
    result["ok"] = (total <= TARGETS["sealed_count_seconds"]
                    and stored.data["papers"] == options.ballots)
    print(json.dumps(result))


def count_sealed(ballot, shares) -> tuple[float, float, float]:
    """The platform's sealed count as the task runs it: the totals (summed on one worker:
    splitting the sum across workers is not built yet), then two trustees' partial
    decryptions of the totals (made here with their shares, as `trustee count` would after
    checking the box, which this benchmark leaves out), then the checks, the decryption
    and the count."""
    from ballots.crypto import decryption
    from ballots.crypto.elgamal import Ciphertext
    from ballots.crypto.record import totals_context
    from ballots.models import Ballot, Trustee
    from ballots.services import counting

    started = time.perf_counter()
    assert counting.ballot_count(ballot_id=ballot.pk) == 0  # the totals, then it waits
    summing = time.perf_counter() - started
    ballot.refresh_from_db()
    record = ballot.count_record
    ciphertexts = [Ciphertext.from_json(c) for c in record["totals"]]
    started = time.perf_counter()
    for trustee in Trustee.objects.filter(ceremony__ballot=ballot, index__in=(1, 2)):
        partial = decryption.partial_decrypt(trustee.index, shares[trustee.index],
                                             ciphertexts,
                                             totals_context(record["manifest"]["context"]))
        counting.trustee_count_upload(actor=None, trustee=trustee, response={
            "index": trustee.index, "totals": partial.to_json(), "mixes": {}, "rows": {}})
    trustees = time.perf_counter() - started
    started = time.perf_counter()
    assert counting.ballot_count(ballot_id=ballot.pk) == 1
    decrypting = time.perf_counter() - started
    assert Ballot.objects.get(pk=ballot.pk).counted_at is not None
    return summing, trustees, decrypting


def plaintext_count(ballot, question, plain) -> float:
    """The same count from the same votes in the clear, as it was before votes were sealed:
    the rows grouped by class, weight and choice (in memory, as the database's GROUP BY
    did), then the tally module."""
    from collections import Counter

    from ballots.counting.tally import Rules, VoteRow, count_resolution
    from ballots.services.counting import resolution_count_rules
    from meetings.selectors import settings_of

    rules = Rules.from_json(resolution_count_rules(ballot, question,
                                                   settings_of(ballot.rulebook)))
    started = time.perf_counter()
    for _ in range(RUNS):
        groups = Counter(plain)
        count_resolution([VoteRow(klass=k, weight=w, choice=c, count=n)
                          for (k, w, c), n in groups.items()], rules)
    return (time.perf_counter() - started) / RUNS


if __name__ == "__main__":
    main()
