"""Import an existing register of members from CSV or a spreadsheet (.xlsx).

A dry run reports what would happen and every bad row with its line number and reason.
The real import checks everything first and then applies it in one transaction: all or
nothing. Rows whose member number is already on the register with the same name and
admission date are skipped, so the same file can be imported twice without duplicates."""

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record

from ..models import (
    CessationReason,
    ImportRun,
    Member,
    MemberClassPeriod,
    ShareClass,
    StakeholderClass,
    TransactionKind,
)
from .ledger import STATUTORY_WITHDRAWABLE_CAP, ledger_post, next_number

REQUIRED = ["member_number", "full_name", "address", "stakeholder_class", "admitted_on"]
OPTIONAL = ["email", "date_of_birth", "share_class", "shares", "ceased_on",
            "is_registered_society"]
MAX_ROWS = 200_000


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
    is_registered_society: bool


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


def _find(model, text: str, *fields):
    text = text.strip()
    for name in fields:
        found = model.objects.filter(**{f"{name}__iexact": text}).first()
        if found:
            return found
    return None


def register_import_check(*, name: str, content: bytes) -> ImportReport:
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
    today = dt.date.today()
    existing = {m.member_number: m for m in Member.objects.filter(
        member_number__in=[int(r["member_number"]) for _, r in rows
                           if str(r.get("member_number", "")).strip().isdigit()])}
    seen_numbers: dict[int, int] = {}
    for line, raw in rows:
        def value(key, raw=raw):
            return str(raw.get(key) or "").strip()

        problems = []
        number_text = value("member_number")
        number = int(number_text) if number_text.isdigit() and int(number_text) > 0 else None
        if number is None:
            problems.append("member number must be a whole number above 0")
        elif number in seen_numbers:
            problems.append(f"member number {number} is also on line {seen_numbers[number]}")
        else:
            seen_numbers[number] = line
        for key in ("full_name", "address"):
            if not value(key):
                problems.append(f"{key.replace('_', ' ')} is empty")
        dates = {}
        for key in ("admitted_on", "ceased_on", "date_of_birth"):
            if value(key):
                try:
                    dates[key] = _date(value(key))
                except ValueError as exc:
                    problems.append(f"{key.replace('_', ' ')}: {exc}")
            elif key == "admitted_on":
                problems.append("admitted on is empty")
        admitted, ceased = dates.get("admitted_on"), dates.get("ceased_on")
        if admitted and admitted > today:
            problems.append("admitted on is in the future")
        if admitted and ceased and ceased < admitted:
            problems.append("ceased on is before admitted on")
        stakeholder = _find(StakeholderClass, value("stakeholder_class"), "slug", "name") \
            if value("stakeholder_class") else None
        if stakeholder is None:
            problems.append(f"no stakeholder class called “{value('stakeholder_class')}”")
        share_class, shares = None, 0
        if value("shares") or value("share_class"):
            share_class = _find(ShareClass, value("share_class"), "code", "name")
            if share_class is None:
                problems.append(f"no share class called “{value('share_class')}”")
            if not value("shares").isdigit():
                problems.append("shares must be a whole number")
            else:
                shares = int(value("shares"))
            if share_class and stakeholder and not stakeholder.share_classes.filter(
                    pk=share_class.pk).exists():
                problems.append(f"the {stakeholder.name} class cannot hold {share_class.name}")
            if share_class and share_class.max_holding is not None and \
                    shares > share_class.max_holding:
                problems.append(f"{shares:,} shares is above the maximum of "
                                f"{share_class.max_holding:,}")
            is_society = value("is_registered_society").lower() in ("yes", "y", "true", "1")
            if (share_class and share_class.withdrawable and organisation
                    and organisation.is_society and not is_society
                    and share_class.par_value * shares > STATUTORY_WITHDRAWABLE_CAP):
                problems.append("holding is above the £100,000 limit on withdrawable shares")
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
            is_registered_society=value("is_registered_society").lower()
            in ("yes", "y", "true", "1")))
    return report


def register_import_apply(*, actor, name: str, content: bytes) -> ImportReport:
    """Check, then apply everything in one transaction. With any bad row nothing is
    written."""
    report = register_import_check(name=name, content=content)
    if not report.ok:
        return report
    with transaction.atomic():
        # Check again under the lock: another import may have run since.
        next_number("member_number")
        report = register_import_check(name=name, content=content)
        if not report.ok:
            transaction.set_rollback(True)
            return report
        for row in report.to_create:
            member = Member.objects.create(
                member_number=row.member_number, full_name=row.full_name, address=row.address,
                email=row.email, date_of_birth=row.date_of_birth,
                is_registered_society=row.is_registered_society,
                stakeholder_class=row.stakeholder_class, admitted_on=row.admitted_on,
                email_purpose="Notices" if row.email else "")
            MemberClassPeriod.objects.create(member=member,
                                             stakeholder_class=row.stakeholder_class,
                                             started_on=row.admitted_on)
            audit_record(actor=actor, action="member.imported", target=member,
                         changes={"line": row.line, "member_number": row.member_number})
            if row.share_class and row.shares:
                ledger_post(member=member, share_class=row.share_class,
                            kind=TransactionKind.ALLOTMENT, shares=row.shares,
                            effective_on=row.admitted_on, actor=actor,
                            consideration=row.share_class.par_value * row.shares,
                            certificate=True, reference="import")
            if row.ceased_on:
                if row.share_class and row.shares:
                    kind = (TransactionKind.WITHDRAWAL if row.share_class.withdrawable
                            else TransactionKind.CANCELLATION)
                    ledger_post(member=member, share_class=row.share_class, kind=kind,
                                shares=-row.shares, effective_on=row.ceased_on, actor=actor,
                                consideration=(row.share_class.par_value * row.shares
                                               if kind == TransactionKind.WITHDRAWAL
                                               else Decimal("0")), reference="import")
                if row.ceased_on > row.admitted_on:
                    MemberClassPeriod.objects.filter(member=member).update(
                        ended_on=row.ceased_on)
                member.ceased_on = row.ceased_on
                member.cessation_reason = CessationReason.RESIGNED
                member.cessation_note = "imported as a former member"
                member.save(update_fields=["ceased_on", "cessation_reason", "cessation_note"])
        run = ImportRun.objects.create(
            file_name=name[:200], file_sha256=hashlib.sha256(content).hexdigest(),
            created=len(report.to_create), skipped=len(report.skipped),
            applied_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="register.imported", target=run, changes={
            "created": run.created, "skipped": run.skipped, "sha256": run.file_sha256})
    report.applied = True
    return report
