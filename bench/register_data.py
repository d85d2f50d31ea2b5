"""The synthetic register for `bench.register`: N members over ten years with realistic
histories (two allotments each, a partial withdrawal, about 10% who left and 15% who
changed class), loaded with PostgreSQL COPY into the benchmark's own database. Kept apart
from the measurements so that a loaded register is reused between runs."""

import datetime as dt
import os
import random
import time
from array import array
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_register"
SETTINGS_MODULE = "config.settings.test"

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

PROGRESS_EVERY = 500_000



def log(message: str) -> None:
    print(f"[bench.register {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    """Like assert, but not skipped under python -O: a wrong answer is not a benchmark."""
    if not condition:
        raise RuntimeError(message)



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


MEMBER_COLUMNS = ("id", "member_number", "kind", "society_registration_number",
                  "registered_society_minute", "full_name",
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
        yield (number, number, "person", "", "", name, "", address,
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


