"""Benchmark of the register of members at scale.

Run from the project root (the target run is a million members):

    .venv/bin/python -m bench.register --size 100000
    .venv/bin/python -m bench.register --size 1000000
    .venv/bin/python -m bench.register --size 1000000 --rebuild --explain

It uses a database of its own (postgres://postgres@127.0.0.1:5432/bench_register unless
--database-url is given) with the test settings, creates and migrates it, and loads a
synthetic register of N members with PostgreSQL COPY unless the database already holds N
members (--rebuild forces a reload). Each member has three ledger rows (two
allotments, then a partial withdrawal, or for a former member a withdrawal of the rest
on leaving); about 10% have ceased and about 15% have changed class. Then it measures:

A. the board's register page (the first 50 community members as at 2020-06-30) through
   django.test.Client, 20 requests after 2 warm-ups: p50, p95 and max;
B. the CSV export of everyone admitted by 2022-12-31, with holdings, through the view, in
   a child process so that its peak memory is its own: wall time and peak RSS (VmHWM);
C. PostgreSQL's own COPY ... TO STDOUT of the same query, as the baseline for B.

Progress lines go to stdout; the last line is one JSON object with the figures, whose
"ok" is true when every target in TARGETS is met. --explain also prints EXPLAIN ANALYZE
for the queries behind A and B.
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_register"
SETTINGS_MODULE = "config.settings.test"

PAGE_PARAMS = {"on": "2020-06-30", "stakeholder_class": "community", "status": "current"}
PAGE_ROWS = 50
PAGE_WARMUPS = 2
PAGE_REQUESTS = 20
CSV_ON = dt.date(2022, 12, 31)
CSV_PARAMS = {"on": CSV_ON.isoformat(), "status": "all"}

TARGETS = {"page_p95_ms": 100, "csv_seconds": 15, "csv_peak_mb": 300, "csv_to_copy_ratio": 2.0}

# The synthetic register.
CLASSES = [  # slug, name, weight
    ("staff", "Staff", 0.2),
    ("service-users", "Service users", 0.3),
    ("community", "Community", 0.5),
]
SHARE_CLASS_CODE = "ordinary"
ADMITTED_FROM = dt.date(2015, 1, 1)
ADMITTED_TO = dt.date(2024, 12, 31)
CEASED_BY = dt.date(2025, 6, 30)
LEDGER_TO = dt.date(2025, 12, 31)
CEASED_FRACTION = 0.10
CHANGED_FRACTION = 0.15
FIRST_ALLOTMENTS = (1, 5, 10, 20, 50, 100, 250, 500, 1000)
MAX_SECOND_ALLOTMENT = 500
CESSATION_REASONS = ("resigned", "withdrew_all")
FIRST_NAMES = ("Alice", "Ben", "Chloe", "David", "Emma", "Farah", "George", "Hannah", "Imran",
               "Jack", "Katie", "Liam", "Megan", "Nathan", "Olivia", "Priya", "Quentin",
               "Rachel", "Samuel", "Tara", "Usman", "Victoria", "William", "Yasmin", "Zoe")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
            "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
            "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Lewis",
            "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King")
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue",
           "Victoria Road", "Green Lane", "Manor Way", "Queen Street", "The Crescent")
TOWNS = ("Ashford", "Bexley", "Carlisle", "Durham", "Exeter", "Frome", "Gloucester",
         "Hexham", "Ipswich", "Kendal", "Ludlow")

BOARD_EMAIL = "bench-board@example.org"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PROGRESS_EVERY = 500_000


def log(message: str) -> None:
    print(f"[bench.register {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    """Like assert, but not skipped under python -O: a wrong answer is not a benchmark."""
    if not condition:
        raise RuntimeError(message)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.register",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="members in the register")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--rebuild", action="store_true",
                        help="reload the register even if it already has --size members")
    parser.add_argument("--seed", type=int, default=1, help="seed for the synthetic register")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of the page and export queries")
    # Internal: the CSV measurement runs in a child process started with this option.
    parser.add_argument("--csv-child", type=int, metavar="USER_ID", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- Settings and database ------------------------------------------------------------------


def configure_environment(database_url: str) -> None:
    """Environment for config.settings.test, read when Django is set up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    os.environ["DATABASE_URL"] = database_url
    hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
    if "testserver" not in hosts.split(","):
        os.environ["DJANGO_ALLOWED_HOSTS"] = f"{hosts},testserver"


def ensure_database(database_url: str) -> None:
    """Create the benchmark's database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    params = psycopg.conninfo.conninfo_to_dict(database_url)
    name = params["dbname"]
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        log(f"creating database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    log("migrating")
    call_command("migrate", interactive=False, verbosity=0)


# --- The synthetic register ---------------------------------------------------------------


@dataclass
class Plan:
    """The register to load, as compact arrays: index i describes member number i + 1.
    Dates are proleptic ordinals (0 = none); classes are indexes into CLASSES."""

    admitted: array
    ceased: array
    first_class: array
    changed: array
    last_class: array
    first_shares: array
    second_on: array
    second_shares: array
    withdrawn_on: array
    withdrawn: array

    @classmethod
    def empty(cls) -> "Plan":
        return cls(*(array("B" if f.name.endswith("_class") else "I") for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.admitted)


def _between(rnd, low: int, high: int) -> int:
    """A random integer in [low, high]."""
    return low + int(rnd() * (high - low + 1))


def _pick_class(u: float) -> int:
    total = 0.0
    for index, (_slug, _name, weight) in enumerate(CLASSES):
        total += weight
        if u < total:
            return index
    return len(CLASSES) - 1


def make_plan(size: int, seed: int) -> Plan:
    """Admissions spread over 2015-2024 in member-number order; some members cease or
    change class; ledger dates never precede the holding they draw on."""
    rnd = random.Random(seed).random
    first, span = ADMITTED_FROM.toordinal(), (ADMITTED_TO - ADMITTED_FROM).days + 1
    ceased_by, ledger_to = CEASED_BY.toordinal(), LEDGER_TO.toordinal()
    plan = Plan.empty()
    columns = [getattr(plan, f.name) for f in fields(Plan)]
    for admitted in sorted(first + int(rnd() * span) for _ in range(size)):
        ceased = _between(rnd, admitted + 2, ceased_by) if rnd() < CEASED_FRACTION else 0
        last_day = ceased - 1 if ceased else ledger_to  # last day for anything before leaving
        first_class = _pick_class(rnd())
        changed = _between(rnd, admitted + 1, last_day) if rnd() < CHANGED_FRACTION else 0
        last_class = (first_class + 1 + int(rnd() * 2)) % 3 if changed else first_class
        first_shares = FIRST_ALLOTMENTS[int(rnd() * len(FIRST_ALLOTMENTS))]
        second_on = _between(rnd, admitted + 1, last_day)
        second_shares = _between(rnd, 1, MAX_SECOND_ALLOTMENT)
        held = first_shares + second_shares
        if ceased:  # everything is repaid on leaving
            withdrawn_on, withdrawn = ceased, held
        else:  # part is withdrawn, after the second allotment
            withdrawn_on = _between(rnd, second_on, ledger_to)
            withdrawn = _between(rnd, 1, held - 1)
        values = (admitted, ceased, first_class, changed, last_class, first_shares, second_on,
                  second_shares, withdrawn_on, withdrawn)  # in the order of Plan's fields
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return plan


class Days:
    """date and noon-UTC datetime for an ordinal, memoised (there are only a few thousand)."""

    def __init__(self):
        self._dates: dict[int, dt.date] = {}
        self._moments: dict[int, dt.datetime] = {}

    def date(self, ordinal: int) -> dt.date | None:
        if not ordinal:
            return None
        found = self._dates.get(ordinal)
        if found is None:
            found = self._dates[ordinal] = dt.date.fromordinal(ordinal)
        return found

    def moment(self, ordinal: int) -> dt.datetime:
        found = self._moments.get(ordinal)
        if found is None:
            found = self._moments[ordinal] = dt.datetime.combine(
                self.date(ordinal), dt.time(12), tzinfo=dt.UTC)
        return found


MEMBER_COLUMNS = ("id", "member_number", "kind", "is_registered_society", "full_name",
                  "representative", "address", "email", "email_purpose", "stakeholder_class_id",
                  "admitted_on", "ceased_on", "cessation_reason", "cessation_note", "created_at")
PERIOD_COLUMNS = ("member_id", "stakeholder_class_id", "started_on", "ended_on")
LEDGER_COLUMNS = ("member_id", "share_class_id", "kind", "shares", "paid_up", "consideration",
                  "effective_on", "recorded_at", "reference", "note")
HOLDING_COLUMNS = ("member_id", "share_class_id", "shares", "paid_up")


def member_rows(plan: Plan, class_ids: list[int]):
    days, created_at = Days(), dt.datetime.now(dt.UTC)
    for i in range(len(plan)):
        number, ceased = i + 1, plan.ceased[i]
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {SURNAMES[i // 7 % len(SURNAMES)]}"
        address = (f"{i % 300 + 1} {STREETS[i // 3 % len(STREETS)]}, "
                   f"{TOWNS[i // 11 % len(TOWNS)]} TT{i % 97 + 1} {i % 9 + 1}AB")
        yield (number, number, "person", False, name, "", address,
               f"member{number}@example.org", "", class_ids[plan.last_class[i]],
               days.date(plan.admitted[i]), days.date(ceased),
               CESSATION_REASONS[i % 2] if ceased else "", "", created_at)


def period_rows(plan: Plan, class_ids: list[int]):
    """Contiguous half-open periods; a former member's last period ends when they left."""
    days = Days()
    for i in range(len(plan)):
        member_id, changed, ended = i + 1, plan.changed[i], days.date(plan.ceased[i])
        started = days.date(plan.admitted[i])
        if changed:
            yield (member_id, class_ids[plan.first_class[i]], started, days.date(changed))
            started = days.date(changed)
        yield (member_id, class_ids[plan.last_class[i]], started, ended)


def ledger_rows(plan: Plan, share_class_id: int):
    """Allotments paid in full at £1 par, then a withdrawal repaid at par: paid_up is
    shares × 1.00 (signed), consideration the money that changed hands."""
    days = Days()
    for i in range(len(plan)):
        member_id = i + 1
        for kind, shares, on, reference in (
            ("allotment", plan.first_shares[i], plan.admitted[i], "admission"),
            ("allotment", plan.second_shares[i], plan.second_on[i], ""),
            ("withdrawal", -plan.withdrawn[i], plan.withdrawn_on[i],
             "cessation" if plan.ceased[i] else ""),
        ):
            yield (member_id, share_class_id, kind, shares, shares, abs(shares), days.date(on),
                   days.moment(on), reference, "")


def holding_rows(plan: Plan, share_class_id: int):
    for i in range(len(plan)):
        shares = plan.first_shares[i] + plan.second_shares[i] - plan.withdrawn[i]
        yield (i + 1, share_class_id, shares, shares)


# --- Loading --------------------------------------------------------------------------------

MEMBERSHIP_TABLES = ("membership_holding", "membership_sharetransaction",
                     "membership_memberclassperiod", "membership_member")


def member_count() -> int:
    from membership.models import Member

    return Member.objects.count()


def reference_rows() -> tuple[list[int], int]:
    """The stakeholder classes (ids in CLASSES order) and the one share class."""
    from membership.models import ShareClass, StakeholderClass

    share_class, _ = ShareClass.objects.get_or_create(code=SHARE_CLASS_CODE, defaults={
        "name": "Ordinary shares", "par_value": "1.00", "min_holding": 1, "withdrawable": True})
    class_ids = []
    for position, (slug, name, _weight) in enumerate(CLASSES, start=1):
        stakeholder_class, _ = StakeholderClass.objects.get_or_create(slug=slug, defaults={
            "name": name, "eligibility": f"{name} of the society.", "position": position})
        stakeholder_class.share_classes.add(share_class)
        class_ids.append(stakeholder_class.pk)
    return class_ids, share_class.pk


def execute(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows into a table through psycopg 3, logging progress."""
    from django.db import connection

    connection.ensure_connection()
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count, started = 0, time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
            if count % PROGRESS_EVERY == 0:
                log(f"  {table}: {count:,} rows")
    log(f"  {table}: {count:,} rows in {time.perf_counter() - started:.1f} s")
    return count


def build_register(size: int, seed: int) -> None:
    log(f"building a register of {size:,} members")
    execute(f"TRUNCATE {', '.join(MEMBERSHIP_TABLES)} RESTART IDENTITY CASCADE")
    class_ids, share_class_id = reference_rows()
    started = time.perf_counter()
    plan = make_plan(size, seed)
    log(f"  planned in {time.perf_counter() - started:.1f} s")
    copy_rows("membership_member", MEMBER_COLUMNS, member_rows(plan, class_ids))
    execute("SELECT setval(pg_get_serial_sequence('membership_member', 'id'), %s)",
            [max(size, 1)])
    copy_rows("membership_memberclassperiod", PERIOD_COLUMNS, period_rows(plan, class_ids))
    copy_rows("membership_sharetransaction", LEDGER_COLUMNS, ledger_rows(plan, share_class_id))
    copy_rows("membership_holding", HOLDING_COLUMNS, holding_rows(plan, share_class_id))
    started = time.perf_counter()
    for table in MEMBERSHIP_TABLES:
        execute(f"VACUUM (ANALYZE) {table}")
    log(f"  vacuumed and analysed in {time.perf_counter() - started:.1f} s")


def build_if_needed(size: int, seed: int, rebuild: bool) -> float | None:
    """Seconds spent loading, or None when the register was already there."""
    have = member_count()
    if have == size and not rebuild:
        log(f"the database already holds {have:,} members; not rebuilding")
        return None
    started = time.perf_counter()
    build_register(size, seed)
    seconds = time.perf_counter() - started
    log(f"loaded in {seconds:.1f} s")
    return seconds


# --- Who is asking ---------------------------------------------------------------------------


def board_member():
    """A board member with TOTP set up (officers without it are sent to MFA setup)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from accounts.roles import Role
    from governance.models import LegalForm, OfficerAppointment, Organisation

    if not Organisation.objects.exists():
        Organisation.objects.create(name="Bench Community Society",
                                    legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY)
    user = User.objects.filter(email=BOARD_EMAIL).first()
    if user is None:
        user = User.objects.create_user(BOARD_EMAIL, full_name="Bench Board Member")
    OfficerAppointment.objects.get_or_create(
        user=user, role=Role.BOARD, ended_on=None,
        defaults={"full_name": user.full_name, "started_on": dt.date(2020, 1, 1)})
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP,
                                        defaults={"data": {"secret": TOTP_SECRET}})
    return user


def signed_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# --- A: the register page --------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks."""
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * fraction
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def page_rows(content: bytes) -> int:
    body = content.split(b"<tbody>", 1)[-1].split(b"</tbody>", 1)[0]
    return body.count(b"<tr")


def measure_page(user) -> dict:
    from django.urls import reverse

    client = signed_in_client(user)
    url = reverse("membership:register")
    log(f"A: {PAGE_REQUESTS} requests of {url} with {PAGE_PARAMS}")
    timings = []
    for attempt in range(PAGE_WARMUPS + PAGE_REQUESTS):
        started = time.perf_counter()
        response = client.get(url, PAGE_PARAMS)
        elapsed_ms = (time.perf_counter() - started) * 1000
        check(response.status_code == 200, f"register page answered {response.status_code}")
        rows = page_rows(response.content)
        check(rows == PAGE_ROWS, f"register page showed {rows} rows, not {PAGE_ROWS}")
        if attempt >= PAGE_WARMUPS:
            timings.append(elapsed_ms)
    figures = {"page_p50_ms": round(percentile(timings, 0.50), 1),
               "page_p95_ms": round(percentile(timings, 0.95), 1),
               "page_max_ms": round(max(timings), 1)}
    log(f"A: p50 {figures['page_p50_ms']} ms, p95 {figures['page_p95_ms']} ms, "
        f"max {figures['page_max_ms']} ms")
    return figures


# --- B: the CSV export, in a child process ---------------------------------------------------


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the larger of it
    over an exec, so a child started by a big parent would report the parent's memory."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def csv_child(user_id: int) -> dict:
    """Runs in the child: stream the export through the view, keeping nothing."""
    from django.urls import reverse

    from accounts.models import User

    client = signed_in_client(User.objects.get(pk=user_id))
    url = reverse("membership:register_csv")  # imports the URLconf: not part of the export
    start_mb = peak_rss_mb()
    started = time.perf_counter()
    response = client.get(url, CSV_PARAMS)
    check(response.status_code == 200, f"CSV export answered {response.status_code}")
    check(response.streaming, "the CSV export is not a streaming response")
    size = lines = chunks = 0  # addresses are one line each, so rows = lines - header
    first_chunk_seconds = None
    for chunk in response.streaming_content:
        if first_chunk_seconds is None:  # the header row, sent before the COPY starts
            first_chunk_seconds = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
        chunks += 1
    seconds = time.perf_counter() - started
    return {"csv_seconds": round(seconds, 2), "csv_rows": lines - 1, "csv_bytes": size,
            "csv_chunks": chunks, "csv_first_chunk_seconds": round(first_chunk_seconds, 2),
            "csv_peak_mb": round(peak_rss_mb(), 1),
            "csv_start_mb": round(start_mb, 1)}


def measure_csv(database_url: str, user_id: int) -> dict:
    log(f"B: CSV export with {CSV_PARAMS} in a child process")
    command = [sys.executable, "-m", "bench.register", "--database-url", database_url,
               "--csv-child", str(user_id)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"the CSV child failed with exit code {done.returncode}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"B: {figures['csv_rows']:,} rows, {figures['csv_bytes']:,} bytes in "
        f"{figures['csv_chunks']:,} chunks, {figures['csv_seconds']} s, peak "
        f"{figures['csv_peak_mb']} MB ({figures['csv_start_mb']} MB before the request)")
    return figures


def expected_csv_rows() -> int:
    from membership.models import Member

    return Member.objects.filter(admitted_on__lte=CSV_ON).count()


# --- C: PostgreSQL's own COPY ----------------------------------------------------------------


def export_statement():
    """COPY of the export query, its parameters bound as register_export_chunks does."""
    from psycopg import sql as pgsql

    from membership.selectors import register_sql

    query, params = register_sql(on=CSV_ON, stakeholder_class_id=None, status="all",
                                 with_holdings=True)
    bound = pgsql.SQL(query.replace("%s", "{}")).format(*[pgsql.Literal(p) for p in params])
    return bound, pgsql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(bound)


def measure_copy() -> dict:
    from django.db import connection

    log("C: COPY (the export query) TO STDOUT")
    _query, statement = export_statement()
    connection.ensure_connection()
    size = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            size += len(block)
    seconds = time.perf_counter() - started
    log(f"C: {size:,} bytes in {seconds:.2f} s")
    return {"copy_seconds": round(seconds, 2), "copy_bytes": size}


# --- EXPLAIN ---------------------------------------------------------------------------------


def explain(sql_text) -> None:
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        from psycopg import sql as pgsql

        statement = pgsql.SQL("EXPLAIN (ANALYZE, BUFFERS) {}").format(
            pgsql.SQL(sql_text) if isinstance(sql_text, str) else sql_text)
        for (line,) in cursor.execute(statement).fetchall():
            print(f"    {line}", flush=True)


def explain_queries() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from membership.models import StakeholderClass
    from membership.selectors import register_page

    community = StakeholderClass.objects.get(slug=PAGE_PARAMS["stakeholder_class"])
    with CaptureQueriesContext(connection) as captured:
        register_page(on=dt.date.fromisoformat(PAGE_PARAMS["on"]),
                      stakeholder_class=community, status=PAGE_PARAMS["status"])
    for query in captured.captured_queries:
        log(f"EXPLAIN page query: {query['sql'][:160]}...")
        explain(query["sql"])
    query, _statement = export_statement()
    log("EXPLAIN export query")
    explain(query)


# --- Main ------------------------------------------------------------------------------------


def meets_targets(figures: dict) -> bool:
    return (figures["page_p95_ms"] <= TARGETS["page_p95_ms"]
            and figures["csv_seconds"] <= TARGETS["csv_seconds"]
            and figures["csv_peak_mb"] <= TARGETS["csv_peak_mb"]
            and figures["csv_to_copy_ratio"] <= TARGETS["csv_to_copy_ratio"]
            and figures["csv_rows"] == figures["csv_rows_expected"])


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    ensure_database(args.database_url)
    setup_django()
    migrate()
    load_seconds = build_if_needed(args.size, args.seed, args.rebuild)
    user = board_member()
    if args.explain:
        explain_queries()
    figures = {"bench": "register", "size": args.size,
               "load_seconds": None if load_seconds is None else round(load_seconds, 1)}
    figures |= measure_page(user)
    figures["page_target_ms"] = TARGETS["page_p95_ms"]
    figures |= measure_csv(args.database_url, user.pk)
    figures["csv_rows_expected"] = expected_csv_rows()
    if figures["csv_rows"] != figures["csv_rows_expected"]:
        log(f"WARNING: the export has {figures['csv_rows']:,} rows, expected "
            f"{figures['csv_rows_expected']:,}")
    figures |= measure_copy()
    figures["csv_to_copy_ratio"] = round(figures["csv_seconds"] / figures["copy_seconds"], 2)
    figures["targets"] = TARGETS
    figures["ok"] = meets_targets(figures)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_environment(args.database_url)
    if args.csv_child is not None:
        setup_django()
        print(json.dumps(csv_child(args.csv_child)), flush=True)
        return 0
    print(json.dumps(run(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
