"""Benchmark: N members vote at once through the web app.

    .venv/bin/python -m bench.casting --voters 1500

It uses a database of its own (bench_casting), loads N members, an AGM with a five-question
ballot (four resolutions and an STV election) and opens it. The web app runs under
gunicorn (two processes, one for each core; --workers, --threads) on loopback, with
persistent database connections as in production. A bounded pool of client threads
(--clients, 8 by default) plays the voters: each arrives by their personal voting link
(no password to hash, as from the notice), loads the ballot paper and casts it (review
and confirm in one POST). Each cast encrypts its answers under the ballot key with their
proofs, in the request; the audit writes are part of every cast.

Then, in the same run, a bare ORM loop stores the same encrypted rows (a paper and a
sealed participation for each question, one transaction per voter, with the audit event)
so the HTTP rate can be compared with it, and the cost of encrypting and proving one
voter's paper on one core is printed. The last line is one JSON object; "ok" when all N cast
within 10 s, the cast p95 is at most 250 ms, there are no errors, the stored count is N,
and the HTTP rate is at least 25% of the ORM rate.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from .common import PROJECT_ROOT, create_database, free_port, percentile, start, stop, wait_for_http

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_casting"
TARGETS = {"all_cast_seconds": 10, "cast_p95_ms": 250, "http_to_orm_ratio": 0.25}
CLIENTS = 8
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIELD = re.compile(r'name="(q\d+(?:_o\d+)?)"')


def environment(database_url: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url, "TEST_REDIS_URL": "redis://127.0.0.1:6379/12",
            "LOG_LEVEL": "WARNING", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_CONN_MAX_AGE": "60"}


def load(voters: int):
    """The organisation, N members in one voting class, an AGM and its open ballot."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ballots.services import ballots
    from governance.models import LegalForm, Organisation
    from meetings.models import AgendaItem, Candidate, Meeting, MeetingStatus
    from meetings.services import rulebooks
    from membership.models import StakeholderClass, StakeholderClassVoting

    call_command("migrate", interactive=False, verbosity=0)
    Organisation.objects.create(name="Bench Co-operative", registration_number="RS1",
                                legal_form=LegalForm.COOPERATIVE_SOCIETY)
    klass = StakeholderClass.objects.create(slug="members", name="Members",
                                            eligibility="Anyone")
    StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=True,
                                          effective_from=dt.date(2020, 1, 1))
    admitted, now = dt.date(2020, 1, 1), timezone.now()
    with connection.cursor() as cursor:
        with cursor.copy("COPY membership_member (member_number, kind, full_name, "
                         "representative, address, email, email_purpose, "
                         "stakeholder_class_id, admitted_on, cessation_reason, "
                         "cessation_note, society_registration_number, "
                         "registered_society_minute, created_at) FROM STDIN") as copy:
            for number in range(1, voters + 1):
                copy.write_row((number, "person", f"Member {number}", "", "1 Street",
                                f"m{number}@example.org", "", klass.pk, admitted, "", "",
                                "", "", now))
        cursor.execute("INSERT INTO membership_memberclassperiod (member_id, "
                       "stakeholder_class_id, started_on) SELECT id, %s, admitted_on FROM "
                       "membership_member", [klass.pk])
    rulebook = rulebooks.rulebook_adopt_preset(actor=None, preset="coop_society",
                                               effective_from=dt.date(2020, 1, 1),
                                               adopted_by="Rules")
    meeting = Meeting.objects.create(
        kind="agm", title="Annual General Meeting", record_date=timezone.localdate(),
        starts_at=now + dt.timedelta(days=20), place="The Hall",
        status=MeetingStatus.NOTICE_SENT, rulebook=rulebook)
    for position in range(1, 5):
        AgendaItem.objects.create(meeting=meeting, position=position, kind="resolution",
                                  title=f"Resolution {position}", resolution_type="ordinary",
                                  resolution_text=f"That resolution {position} pass.")
    election = AgendaItem.objects.create(meeting=meeting, position=5, kind="election",
                                         title="Directors", seats=2, election_method="stv")
    for name in ("Ada", "Ben", "Cleo", "Dev"):
        Candidate.objects.create(item=election, name=name, nominated_on=dt.date(2025, 1, 1))
    ballot = ballots.ballot_for_meeting(actor=None, meeting=meeting,
                                        opens_at=now - dt.timedelta(minutes=1),
                                        closes_at=now + dt.timedelta(days=10))
    ballot_key(ballot)
    return ballots.ballot_open(actor=None, ballot=ballot), meeting


def voter(port: int, path: str, timings: list, errors: list) -> None:
    """One voter: load the paper, then cast it. Keeps the cookie the paper set."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        page = response.read().decode()
        if response.status != 200:
            raise RuntimeError(f"GET {response.status}")
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        token = CSRF.search(page)[1]
        fields = dict.fromkeys(FIELD.findall(page))
        body = {"csrfmiddlewaretoken": token, "step": "confirm"}
        for name in fields:
            body[name] = "1" if "_o" in name else "for"
        # Preferences: number the candidates 1, 2, 3, 4.
        preference = 0
        for name in fields:
            if "_o" in name:
                preference += 1
                body[name] = str(preference)
        encoded = "&".join(f"{k}={v}" for k, v in body.items())
        started = time.perf_counter()
        connection.request("POST", path, body=encoded, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Origin": f"http://127.0.0.1:{port}", "Referer": f"http://127.0.0.1:{port}{path}"})
        response = connection.getresponse()
        page = response.read().decode()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200 or "Your vote is recorded" not in page:
            raise RuntimeError(f"POST {response.status}")
    except Exception as exc:  # noqa: BLE001 - counted and reported
        errors.append(str(exc)[:200])
    finally:
        connection.close()


def orm_loop(ballot, voters: int) -> float:
    """The same encrypted rows by the ORM alone, one transaction per voter (a paper and its
    participations, sealed once beforehand and stored under a tracker per voter): voters
    per second."""
    from ballots.models import Elector, Paper, Participation
    from ballots.services.sealing import Sealer
    from governance.services import audit_record
    from governance.transactions import atomic

    Participation.objects.filter(question__ballot=ballot).delete()
    Paper.objects.filter(ballot=ballot).delete()
    questions = list(ballot.questions.all())
    electors = list(Elector.objects.filter(ballot=ballot))
    _tracker, sealed = Sealer.of(ballot).seal(electors[0], _answers(questions))
    rows = {qid: answer.to_json() for qid, answer in sealed.items()}
    started = time.perf_counter()
    for number, elector in enumerate(electors[:voters]):
        with atomic():
            paper = Paper.objects.create(ballot=ballot, elector=elector,
                                         tracker=f"{number:064x}", channel="online")
            Participation.objects.bulk_create(
                Participation(question=q, elector=elector, channel="online", paper=paper,
                              sealed=rows[q.pk]) for q in questions)
            audit_record(actor=None, action="ballot.voted", target=ballot,
                         changes={"member_number": elector.member_number})
    return voters / (time.perf_counter() - started)


def _answers(questions) -> dict:
    from ballots.services.casting import Answer

    return {q.pk: Answer(choice="for") if q.kind == "resolution" else
            Answer(ranking=tuple(q.options.order_by("position").values_list("pk", flat=True)))
            for q in questions}


def sealing_cost(ballot, repeat: int = 20) -> float:
    """Milliseconds of one core to encrypt and prove one voter's 5-question paper."""
    from ballots.services.sealing import Sealer

    sealer = Sealer.of(ballot)
    elector = ballot.electors.first()
    answers = _answers(list(ballot.questions.all()))
    started = time.process_time()
    for _ in range(repeat):
        sealer.seal(elector, answers)
    return (time.process_time() - started) * 1000 / repeat


def ballot_key(ballot) -> None:
    """A key for the benchmark's ballot: dealt from one secret here (the benchmark times
    casting, not the trustees' ceremony), stored as the ceremony would leave it."""
    import secrets

    from ballots.crypto import group
    from ballots.models import CeremonyStage, KeyCeremony, Trustee

    secret, second = group.random_scalar(), group.random_scalar()
    ceremony = KeyCeremony.objects.create(
        ballot=ballot, threshold=2, size=3, stage=CeremonyStage.COMPLETE,
        context=f"bench-{secrets.token_hex(8)}", public_key=group.base_mul(secret).hex())
    for index in (1, 2, 3):
        Trustee.objects.create(ceremony=ceremony, index=index, name=f"Trustee {index}",
                               public_share=group.base_mul(secret + second * index).hex())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1500)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--clients", type=int, default=CLIENTS,
                        help="voters in flight at once (the load generator's bound)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn processes (one for each core)")
    parser.add_argument("--threads", type=int, default=1, help="threads in each")
    options = parser.parse_args()
    env = environment(options.database_url)
    create_database(options.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()
    ballot, meeting = load(options.voters)
    from ballots.models import Participation
    from meetings.links import member_link_token

    electors = list(ballot.electors.values_list("member_id", flat=True))
    paths = [f"/v/{member_link_token(member_id=m, meeting_id=meeting.pk)}/" for m in electors]
    port = free_port()
    web = start([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
                 f"127.0.0.1:{port}", "--workers", str(options.workers),
                 "--threads", str(options.threads),
                 "--worker-class", "gthread"], env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/?format=json")
        timings: list[float] = []
        errors: list[str] = []
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options.clients) as pool:
            for path in paths:
                pool.submit(voter, port, path, timings, errors)
        seconds = time.perf_counter() - started
    finally:
        stop(web)
    stored = Participation.objects.filter(question__ballot=ballot).values(
        "elector").distinct().count()
    http_rate = options.voters / seconds
    paper_ms = sealing_cost(ballot)
    orm_rate = orm_loop(ballot, options.voters)
    result = {
        "benchmark": "casting", "voters": options.voters, "questions": 5,
        "clients": options.clients,
        "web": f"gunicorn, {options.workers} processes x {options.threads} threads",
        "all_cast_seconds": round(seconds, 2),
        "cast_p50_ms": round(percentile(timings, 0.5), 1) if timings else None,
        "cast_p95_ms": round(percentile(timings, 0.95), 1) if timings else None,
        "errors": len(errors), "first_errors": errors[:3], "stored_voters": stored,
        "http_voters_per_second": round(http_rate, 1),
        "orm_voters_per_second": round(orm_rate, 1),
        "http_to_orm_ratio": round(http_rate / orm_rate, 2),
        "encrypt_and_prove_one_paper_ms": round(paper_ms, 1),
        "targets": TARGETS,
    }
    result["ok"] = (not errors and stored == options.voters
                    and seconds <= TARGETS["all_cast_seconds"]
                    and result["cast_p95_ms"] <= TARGETS["cast_p95_ms"]
                    and result["http_to_orm_ratio"] >= TARGETS["http_to_orm_ratio"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
