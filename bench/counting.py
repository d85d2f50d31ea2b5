"""Benchmark: the count of a resolution with N ballots in three weighted classes.

    .venv/bin/python -m bench.counting --ballots 1000000

It uses a database of its own (bench_counting), loads N members in three classes (workers,
users, investors, in the proportions 5:3:2), a closed ballot of the members under the
Somerset Rules preset (class weights 50/25/25) with one ordinary resolution, its roll of
N electors, and N stored votes (each with its class and its weight, the voter's shares,
from 1 to 50): the rows a real ballot leaves after it closes. Then, three times each:

A. the platform's count, `ballot_count` as the counting task runs it: the claim, the count
   of the question from its stored votes (one GROUP BY in the database, then the rulebook's
   rule in exact arithmetic, with the eligible number from the roll), the stored result
   and its audit row;
B. the bare SQL GROUP BY over the same rows (class, weight, choice), the least any count
   must do.

The last line is one JSON object: the median seconds of A and B, their ratio, and "ok"
when A takes at most 2 s (the aim for the ratio is at most 1.5).
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time

from .common import PROJECT_ROOT, create_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_counting"
TARGETS = {"count_seconds": 2.0, "count_to_group_by_ratio": 1.5}
RUNS = 3
GROUP_BY = ("SELECT class_slug, weight, choice, count(*) FROM ballots_contents "
            "WHERE question_id = %s GROUP BY class_slug, weight, choice")


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
        cursor.execute("""
            INSERT INTO ballots_contents (id, question_id, class_slug, weight, choice,
                                          ranking, receipt_hash)
            SELECT gen_random_uuid(), %s, e.class_slug, e.weight,
                   CASE WHEN (abs(hashtext(e.member_number::text || 'v')) + length(e.class_slug))
                             %% 10 < 6 THEN 'for'
                        WHEN (abs(hashtext(e.member_number::text || 'v')) + length(e.class_slug))
                             %% 10 < 9 THEN 'against'
                        ELSE 'withheld' END,
                   '[]'::jsonb, md5(e.member_number::text) || md5(e.member_number::text || 'r')
            FROM ballots_elector e WHERE e.ballot_id = %s
            ORDER BY random()""", [question.pk, ballot.pk])
        cursor.execute("VACUUM ANALYZE ballots_contents")
        cursor.execute("VACUUM ANALYZE ballots_elector")
    return ballot, question


def loaded(database_url: str) -> int | None:
    """How many votes the benchmark's database holds already (None: no database)."""
    import psycopg

    try:
        with psycopg.connect(database_url) as connection:
            return connection.execute("SELECT count(*) FROM ballots_contents").fetchone()[0]
    except psycopg.Error:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reuse", action="store_true",
                        help="count the ballot already loaded, if it has N votes")
    options = parser.parse_args()
    env = environment(options.database_url)
    reuse = options.reuse and loaded(options.database_url) == options.ballots
    if not reuse:
        create_database(options.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()
    from django.db import connection

    from ballots.models import Ballot, QuestionResult
    from ballots.services.counting import ballot_count

    started = time.perf_counter()
    if reuse:
        ballot = Ballot.objects.get()
        question = ballot.questions.get()
    else:
        ballot, question = load(options.ballots)
    load_seconds = None if reuse else time.perf_counter() - started

    counts, group_bys = [], []
    for run in range(RUNS):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(GROUP_BY, [question.pk])
            groups = cursor.fetchall()
            group_bys.append(time.perf_counter() - started)
        Ballot.objects.filter(pk=ballot.pk).update(counted_at=None, count_claimed_until=None)
        started = time.perf_counter()
        assert ballot_count(ballot_id=ballot.pk) == 1
        counts.append(time.perf_counter() - started)
        log(f"run {run + 1}: count {counts[-1]:.3f} s, GROUP BY {group_bys[-1]:.3f} s "
            f"({len(groups)} groups)")
    stored = QuestionResult.objects.get(question=question)
    count_seconds = statistics.median(counts)
    group_by_seconds = statistics.median(group_bys)
    result = {
        "bench": "counting", "ballots": options.ballots, "classes": 3,
        "rules": "Somerset Rules preset (class weights 50/25/25)",
        "load_seconds": round(load_seconds, 1) if load_seconds else None,
        "count_seconds": round(count_seconds, 3),
        "count_runs": [round(s, 3) for s in counts],
        "group_by_seconds": round(group_by_seconds, 3),
        "count_to_group_by_ratio": round(count_seconds / group_by_seconds, 2),
        "outcome": stored.outcome, "percentage_for": stored.data["percentage_for"],
        "papers_counted": stored.data["papers"], "targets": TARGETS,
    }
    result["ok"] = (count_seconds <= TARGETS["count_seconds"]
                    and stored.data["papers"] == options.ballots)
    result["ratio_aim_met"] = result["count_to_group_by_ratio"] <= \
        TARGETS["count_to_group_by_ratio"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
