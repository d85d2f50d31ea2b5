"""Import an existing register of members from CSV or a spreadsheet (.xlsx).

A dry run reports what would happen and every bad row with its line number and reason.
The real import checks everything first and then applies it in one transaction: all or
nothing. Rows whose member number is already on the register with the same name and
admission date are skipped, so the same file can be imported twice without duplicates."""

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record, audit_record_many
from governance.transactions import atomic, queue_after_commit, task_send
from governance.validators import INT_MAX, date_problem, text_problem

from ..models import (
    CessationReason,
    Holding,
    ImportRun,
    Member,
    MemberClassPeriod,
    MemberKind,
    ShareClass,
    ShareTransaction,
    StakeholderClass,
    TransactionKind,
)
from .ledger import STATUTORY_WITHDRAWABLE_CAP, counter_lock

REQUIRED = ["member_number", "full_name", "address", "stakeholder_class", "admitted_on"]
OPTIONAL = ["email", "date_of_birth", "share_class", "shares", "ceased_on", "kind",
            "society_registration_number"]
MAX_ROWS = 200_000
# The text columns: whether they may hold several lines, and the longest value the
# register keeps.
TEXT_COLUMNS = {"full_name": (False, 200), "address": (True, None), "email": (False, 254),
                "society_registration_number": (False, 40)}


@dataclass
class ImportRow:
    line: int
    member_number: int
    full_name: str
    address: str
    email: str
    date_of_birth: dt.date | None
    stakeholder_class: StakeholderClass
    share_class: ShareClass | None
    shares: int
    admitted_on: dt.date
    ceased_on: dt.date | None
    kind: str
    society_registration_number: str


@dataclass
class ImportReport:
    to_create: list[ImportRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(*, name: str, content: bytes) -> list[tuple[int, dict]]:
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:
            raise DomainError("The spreadsheet could not be read. Save it as .xlsx or CSV "
                              "and try again.", field="file") from exc
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        if header is None:
            raise DomainError("The spreadsheet is empty.", field="file")
        keys = [str(h or "").strip().lower() for h in header]
        rows = []
        for number, row in enumerate(values, start=2):
            cells = ["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime)
                     else str(v)) for v in row]
            if any(c.strip() for c in cells):
                rows.append((number, dict(zip(keys, cells, strict=False))))
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError("The file is not UTF-8 text. Save it as CSV (UTF-8) or .xlsx.",
                          field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise DomainError("The file is empty.", field="file")
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    return [(reader.line_num, row) for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def _date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _whole_number(text: str) -> int | None:
    """A whole number written with the digits 0-9 (not "²" or "1e3"), or None."""
    return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else None


class _Lookups:
    """Classes by slug, code or name (any case), loaded once rather than once per row."""

    def __init__(self):
        self.stakeholder = {}
        for klass in StakeholderClass.objects.prefetch_related("share_classes"):
            self.stakeholder[klass.slug.lower()] = self.stakeholder[klass.name.lower()] = klass
        self.share = {}
        for share_class in ShareClass.objects.all():
            self.share[share_class.code.lower()] = share_class
            self.share[share_class.name.lower()] = share_class
        self.allowed = {(k.pk, s.pk) for k in StakeholderClass.objects.prefetch_related(
            "share_classes") for s in k.share_classes.all()}


Progress = Callable[[str, int, int], None]


def register_import_check(*, name: str, content: bytes,
                          progress: Progress | None = None) -> ImportReport:
    rows = _read_rows(name=name, content=content)
    report = ImportReport()
    if not rows:
        report.errors.append((1, "There are no rows to import."))
        return report
    if len(rows) > MAX_ROWS:
        report.errors.append((1, f"Import at most {MAX_ROWS:,} rows at a time."))
        return report
    missing = [c for c in REQUIRED if c not in rows[0][1]]
    if missing:
        report.errors.append((1, "Missing column" + ("s" if len(missing) > 1 else "") + ": "
                              + ", ".join(missing) + ". Expected columns: "
                              + ", ".join(REQUIRED + OPTIONAL) + "."))
        return report
    organisation = organisation_get()
    lookups = _Lookups()
    today = timezone.localdate()
    numbers = [_whole_number(str(r.get("member_number") or "").strip()) for _, r in rows]
    existing = {m.member_number: m for m in Member.objects.filter(
        member_number__in=[n for n in numbers if n is not None and n <= INT_MAX])}
    seen_numbers: dict[int, int] = {}
    for index, (line, raw) in enumerate(rows):
        if progress is not None and index % 2000 == 0:
            progress("checking rows", index, len(rows))

        def value(key, raw=raw):
            return str(raw.get(key) or "").strip()

        problems = []
        number_text = value("member_number")
        number = _whole_number(number_text)
        if number is None or not 0 < number <= INT_MAX:
            number = None
            problems.append(f"member number must be a whole number from 1 to {INT_MAX:,}")
        elif number in seen_numbers:
            problems.append(f"member number {number} is also on line {seen_numbers[number]}")
        else:
            seen_numbers[number] = line
        for key in ("full_name", "address"):
            if not value(key):
                problems.append(f"{key.replace('_', ' ')} is empty")
        for key, (multiline, longest) in TEXT_COLUMNS.items():
            problem = text_problem(value(key), multiline=multiline)
            if problem:
                problems.append(f"{key.replace('_', ' ')}: {problem[0].lower()}{problem[1:]}")
            elif longest and len(value(key)) > longest:
                problems.append(f"{key.replace('_', ' ')} is longer than {longest} characters")
        if value("email") and not text_problem(value("email")):
            try:
                validate_email(value("email"))
            except ValidationError:
                problems.append(f"email “{value('email')}” is not an email address")
        dates = {}
        for key in ("admitted_on", "ceased_on", "date_of_birth"):
            if value(key):
                try:
                    dates[key] = _date(value(key))
                except ValueError as exc:
                    problems.append(f"{key.replace('_', ' ')}: {exc}")
                    continue
                problem = date_problem(dates[key], future=False)
                if problem:
                    # "in the future" is said below for the dates of admission and cessation.
                    if key == "date_of_birth" or "future" not in problem:
                        problems.append(f"{key.replace('_', ' ')}: {problem[0].lower()}"
                                        f"{problem[1:]}")
            elif key == "admitted_on":
                problems.append("admitted on is empty")
        admitted, ceased = dates.get("admitted_on"), dates.get("ceased_on")
        if admitted and admitted > today:
            problems.append("admitted on is in the future")
        if ceased and ceased > today:
            problems.append("ceased on is in the future")
        if admitted and ceased and ceased < admitted:
            problems.append("ceased on is before admitted on")
        stakeholder = lookups.stakeholder.get(value("stakeholder_class").lower())
        if stakeholder is None:
            problems.append(f"no stakeholder class called “{value('stakeholder_class')}”")
        share_class, shares = None, 0
        if value("shares") or value("share_class"):
            share_class = lookups.share.get(value("share_class").lower())
            if share_class is None:
                problems.append(f"no share class called “{value('share_class')}”")
            shares = _whole_number(value("shares"))
            if shares is None or shares > INT_MAX:
                problems.append(f"shares must be a whole number from 0 to {INT_MAX:,}")
                shares = 0
            if share_class and stakeholder and (stakeholder.pk,
                                                 share_class.pk) not in lookups.allowed:
                problems.append(f"the {stakeholder.name} class cannot hold {share_class.name}")
            if share_class and share_class.max_holding is not None and \
                    shares > share_class.max_holding:
                problems.append(f"{shares:,} shares is above the maximum of "
                                f"{share_class.max_holding:,}")
            if (share_class and share_class.withdrawable and organisation
                    and organisation.is_society and not ceased
                    and share_class.par_value * shares > STATUTORY_WITHDRAWABLE_CAP):
                problems.append("holding is above the £100,000 limit on withdrawable shares "
                                "(a member that is a registered society is confirmed by the "
                                "board after the import, then may buy more)")
        kind = value("kind").lower() or MemberKind.PERSON
        if kind not in MemberKind.values:
            problems.append("kind must be person or organisation")
        if value("society_registration_number") and kind != MemberKind.ORGANISATION:
            problems.append("only an organisation can be a registered society")
        if number is not None and number in existing and not problems:
            member = existing[number]
            if member.full_name == value("full_name") and member.admitted_on == admitted:
                report.skipped.append((line, f"member {number} is already on the register"))
                continue
            problems.append(f"member number {number} already belongs to {member.full_name} "
                            f"(admitted {member.admitted_on:%d/%m/%Y})")
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        report.to_create.append(ImportRow(
            line=line, member_number=number, full_name=value("full_name"),
            address=value("address"), email=value("email").lower(),
            date_of_birth=dates.get("date_of_birth"), stakeholder_class=stakeholder,
            share_class=share_class, shares=shares, admitted_on=admitted, ceased_on=ceased,
            kind=kind, society_registration_number=value("society_registration_number")))
    return report


def _create_members(*, actor, rows: list[ImportRow], progress: Progress) -> None:
    """Write the checked rows in bulk: members, class periods, ledger rows (allotment at
    admission; repayment or cancellation at cessation), holdings, certificates and one
    audit entry per member."""
    progress("writing members", 0, 5)
    members = Member.objects.bulk_create([Member(
        member_number=row.member_number, full_name=row.full_name, address=row.address,
        email=row.email, date_of_birth=row.date_of_birth, kind=row.kind,
        society_registration_number=row.society_registration_number,
        stakeholder_class=row.stakeholder_class, admitted_on=row.admitted_on,
        ceased_on=row.ceased_on, email_purpose="Notices" if row.email else "",
        cessation_reason=CessationReason.RESIGNED if row.ceased_on else "",
        cessation_note="imported as a former member" if row.ceased_on else "",
    ) for row in rows], batch_size=2000)
    progress("writing class history", 1, 5)
    MemberClassPeriod.objects.bulk_create([MemberClassPeriod(
        member=member, stakeholder_class=row.stakeholder_class, started_on=row.admitted_on,
        ended_on=row.ceased_on if row.ceased_on and row.ceased_on > row.admitted_on else None,
    ) for member, row in zip(members, rows, strict=True)], batch_size=2000)
    with_shares = [(m, r) for m, r in zip(members, rows, strict=True)
                   if r.share_class and r.shares]
    certificates = counter_lock("certificate")
    first_certificate = max(certificates.value, ShareTransaction.objects.aggregate(
        top=Max("certificate_number"))["top"] or 0) + 1
    certificates.value = first_certificate + len(with_shares) - 1
    certificates.save(update_fields=["value"])
    entries, holdings = [], []
    recorded_by = getattr(actor, "pk", None)
    for offset, (member, row) in enumerate(with_shares):
        paid_up = row.share_class.par_value * row.shares
        entries.append(ShareTransaction(
            member=member, share_class=row.share_class, kind=TransactionKind.ALLOTMENT,
            shares=row.shares, paid_up=paid_up, consideration=paid_up,
            effective_on=row.admitted_on, certificate_number=first_certificate + offset,
            reference="import", recorded_by_id=recorded_by))
        if row.ceased_on:
            withdrawable = row.share_class.withdrawable
            entries.append(ShareTransaction(
                member=member, share_class=row.share_class,
                kind=TransactionKind.WITHDRAWAL if withdrawable else TransactionKind.CANCELLATION,
                shares=-row.shares, paid_up=-paid_up,
                consideration=paid_up if withdrawable else Decimal("0"),
                effective_on=row.ceased_on, reference="import", recorded_by_id=recorded_by))
        holdings.append(Holding(member=member, share_class=row.share_class,
                                shares=0 if row.ceased_on else row.shares,
                                paid_up=Decimal("0") if row.ceased_on else paid_up))
    progress("writing the share ledger", 2, 5)
    ShareTransaction.objects.bulk_create(entries, batch_size=2000)
    progress("writing holdings", 3, 5)
    Holding.objects.bulk_create(holdings, batch_size=2000)
    progress("writing the audit log", 4, 5)
    audit_record_many(actor=actor, action="member.imported", items=[
        (member, {"line": row.line, "member_number": row.member_number,
                  "stakeholder_class": row.stakeholder_class.slug,
                  "shares": row.shares, "admitted_on": row.admitted_on,
                  "ceased_on": row.ceased_on}, None)
        for member, row in zip(members, rows, strict=True)])


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def register_import_apply(*, actor, name: str, content: bytes, run: ImportRun | None = None,
                          progress: Progress = _no_progress) -> ImportReport:
    """Check, then apply everything in one transaction. With any bad row nothing is
    written."""
    report = register_import_check(name=name, content=content, progress=progress)
    if not report.ok:
        return report
    with atomic():
        # Take the member-number lock, then check again: another import or an admission
        # may have used a number since. Admissions wait for this lock, and read the highest
        # number in use only once they hold it.
        numbers = counter_lock("member_number")
        report = register_import_check(name=name, content=content, progress=progress)
        if not report.ok:
            transaction.set_rollback(True)
            return report
        _create_members(actor=actor, rows=report.to_create, progress=progress)
        numbers.value = max([numbers.value] + [row.member_number for row in report.to_create])
        numbers.save(update_fields=["value"])
        if run is None:
            run = ImportRun.objects.create(
                file_name=name[:200], file_sha256=hashlib.sha256(content).hexdigest(),
                status=ImportRun.Status.DONE, applied_by_id=getattr(actor, "pk", None))
        run.created, run.skipped = len(report.to_create), len(report.skipped)
        audit_record(actor=actor, action="register.imported", target=run, changes={
            "created": run.created, "skipped": run.skipped, "sha256": run.file_sha256})
    report.applied = True
    return report


def register_import_start(*, actor, name: str, content: bytes) -> ImportRun:
    """Queue a real import for a worker; the page for the run shows its progress."""
    with atomic():
        run = ImportRun.objects.create(
            file_name=name[:200], file_sha256=hashlib.sha256(content).hexdigest(),
            content=content, applied_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="register.import_queued", target=run,
                     changes={"sha256": run.file_sha256, "bytes": len(content)})
        from ..tasks import register_import_task

        queue_after_commit(register_import_task, run.pk)
        return run


def progress_key(run_id: int) -> str:
    return f"register-import:{run_id}:progress"


def _can_tell_a_running_import() -> bool:
    """PostgreSQL shows whether a run's row is locked by the transaction importing it (a
    worker that dies releases it at once); SQLite, the demo's database, cannot."""
    return connection.features.has_select_for_update_skip_locked


def register_import_run(*, run_id: int, stale_after_seconds: int) -> bool:
    """Run a queued import (the Celery task calls this). Safe to run twice: the import runs
    in one transaction that holds its run's row locked, so a second copy of the task finds
    it locked (running) or done, and does nothing. A run whose worker died is taken up by
    the next copy (`register_imports_resume` sends one): its transaction was rolled back,
    so nothing was half written. Where the database cannot show the lock (SQLite), a run
    left running is taken up again only after `stale_after_seconds`."""
    now = timezone.now()
    # Shown as running on the run's page while it imports.
    fresh = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=now)
    if not fresh and not _can_tell_a_running_import() and not ImportRun.objects.filter(
            pk=run_id, status=ImportRun.Status.RUNNING,
            started_at__lt=now - dt.timedelta(seconds=stale_after_seconds)).update(
            started_at=now):
        return False  # SQLite: perhaps still running elsewhere; taken up once it is stale

    def progress(stage: str, done: int, total: int) -> None:
        cache.set(progress_key(run_id), {"stage": stage, "done": done, "total": total},
                  60 * 60)

    try:
        with atomic():
            try:
                with transaction.atomic():
                    run = ImportRun.objects.select_for_update(nowait=True).filter(
                        pk=run_id, status=ImportRun.Status.RUNNING).first()
            except DatabaseError:  # locked: another worker is importing it now
                return False
            if run is None:
                return False  # done or failed already
            actor = get_user_model().objects.filter(pk=run.applied_by_id).first()
            report = register_import_apply(actor=actor, name=run.file_name,
                                           content=bytes(run.content), run=run,
                                           progress=progress)
            ImportRun.objects.filter(pk=run_id).update(
                status=ImportRun.Status.DONE if report.applied else ImportRun.Status.FAILED,
                created=len(report.to_create) if report.applied else 0,
                skipped=len(report.skipped),
                errors=[list(error) for error in report.errors[:1000]], content=b"",
                finished_at=timezone.now())
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED, finished_at=timezone.now(),
            errors=[[0, "The import stopped because of an error in the platform; nothing was "
                        "imported. The administrators have been told."]])
        raise
    progress("finished", 1, 1)
    return True


def register_imports_resume(*, now: dt.datetime | None = None,
                            older_than: dt.timedelta = dt.timedelta(minutes=1),
                            stale_after_seconds: int = 0) -> int:
    """Imports that are waiting and not being run (beat, every minute): queued ones whose
    task never reached a worker (the broker was down), and running ones whose worker died
    (their row is no longer locked by the import's transaction; on SQLite, running for
    longer than `stale_after_seconds`). Each is handed to a worker again. Returns how
    many."""
    from ..tasks import register_import_task

    now = now or timezone.now()
    waiting = ImportRun.objects.filter(
        Q(status=ImportRun.Status.QUEUED, applied_at__lt=now - older_than)
        | Q(status=ImportRun.Status.RUNNING, started_at__lt=now - older_than))
    handed = 0
    for run in waiting:
        if run.status == ImportRun.Status.RUNNING:
            if _can_tell_a_running_import():
                with transaction.atomic():
                    if not ImportRun.objects.select_for_update(skip_locked=True).filter(
                            pk=run.pk).exists():
                        continue  # locked: it is being imported
            elif run.started_at >= now - dt.timedelta(seconds=stale_after_seconds):
                continue
        if not task_send(register_import_task, run.pk):
            return handed  # the broker is still down: the next sweep tries again
        handed += 1
    return handed
