"""Reads for membership: a user's own entry, holdings, and the register of members as at
any date.

The register as at a date D is replayed from the ledger and the membership history:
- a member is on the register at D when admitted_on <= D and (ceased_on is empty or
  ceased_on > D); a "ceased" entry is one with ceased_on <= D;
- their class at D is the class period with the latest start on or before D (periods
  are contiguous, so for a former member this is the class they left from);
- their holding at D is the sum of ledger rows with effective_on <= D."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from governance.models import Mailing

from .models import (
    Application,
    ApplicationStatus,
    Holding,
    ImportRun,
    InspectionRequest,
    Member,
    MemberClassPeriod,
    SaleNotice,
    ShareClass,
    ShareTransaction,
    StakeholderClass,
    WithdrawalBatch,
    WithdrawalRequest,
    WithdrawalStatus,
)

STATUSES = ("current", "ceased", "all")


def member_for_user(*, user) -> Member | None:
    """The user's current entry in the register of members, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user, ceased_on__isnull=True).select_related(
        "stakeholder_class").first()


def current_members():
    return Member.objects.filter(ceased_on__isnull=True).select_related("stakeholder_class")


def current_member_count() -> int:
    return current_members().count()


def society_has_statutory_minimum() -> bool:
    """CCBSA s.2(2)(b): at least 3 members, or 2 if both are registered societies."""
    members = list(current_members().values_list("registered_society_confirmed_on",
                                                 flat=True)[:3])
    return len(members) >= 3 or (len(members) == 2 and all(d is not None for d in members))


def member_holdings(*, member: Member):
    return Holding.objects.filter(member=member, shares__gt=0).select_related("share_class")


def member_ledger(*, member: Member):
    return ShareTransaction.objects.filter(member=member).select_related(
        "share_class", "counterparty").order_by("effective_on", "id")


def member_certificates(*, member: Member):
    return member_ledger(member=member).filter(certificate_number__isnull=False)


def member_withdrawals(*, member: Member):
    return WithdrawalRequest.objects.filter(member=member).select_related("share_class")


@dataclass(frozen=True)
class RegisterRow:
    member_id: int
    member_number: int
    full_name: str
    address: str
    email: str
    class_name: str
    admitted_on: dt.date
    ceased_on: dt.date | None
    shares: int
    paid_up: Decimal


def _on_register(on: dt.date, status: str):
    members = Member.objects.filter(admitted_on__lte=on)
    if status == "current":
        return members.filter(Q(ceased_on__isnull=True) | Q(ceased_on__gt=on))
    if status == "ceased":
        return members.filter(ceased_on__lte=on)
    return members


def register_page(*, on: dt.date, stakeholder_class: StakeholderClass | None = None,
                  status: str = "current", search: str = "", after: int | None = None,
                  limit: int = 50, search_email: bool = True) -> list[RegisterRow]:
    """One page of the register as at `on`, in member-number order, starting after member
    number `after` (keyset pagination: the cost does not grow with the page number).
    Members inspecting the register search by name or member number only
    (`search_email=False`): an email address must not turn into a name and an address."""
    class_at = Subquery(
        MemberClassPeriod.objects.filter(member=OuterRef("pk"), started_on__lte=on)
        .order_by("-started_on").values("stakeholder_class_id")[:1])
    members = _on_register(on, status).annotate(class_at=class_at)
    if stakeholder_class is not None and status == "current":
        # For a current member the period covering D is the latest one started by D, so
        # this EXISTS is the same filter; PostgreSQL estimates it well (the subquery form
        # is costed high enough to trigger JIT compilation on every page).
        members = members.filter(Exists(MemberClassPeriod.objects.filter(
            member=OuterRef("pk"), stakeholder_class=stakeholder_class, started_on__lte=on,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))))
    elif stakeholder_class is not None:
        members = members.filter(class_at=stakeholder_class.pk)
    search = search.strip()
    if search:
        if search.isdigit():
            members = members.filter(member_number=int(search))
        else:
            by_name = Q(full_name__icontains=search)
            members = members.filter(by_name | Q(email__iexact=search) if search_email
                                     else by_name)
    if after is not None:
        members = members.filter(member_number__gt=after)
    page = list(members.order_by("member_number").values(
        "id", "member_number", "full_name", "address", "email", "admitted_on", "ceased_on",
        "class_at")[:limit])
    ids = [row["id"] for row in page]
    totals = {
        row["member_id"]: row for row in ShareTransaction.objects.filter(
            member_id__in=ids, effective_on__lte=on).values("member_id").annotate(
            shares=Sum("shares"), paid_up=Sum("paid_up"))
    }
    class_names = dict(StakeholderClass.objects.values_list("id", "name"))
    return [
        RegisterRow(
            member_id=row["id"], member_number=row["member_number"],
            full_name=row["full_name"], address=row["address"], email=row["email"],
            class_name=class_names.get(row["class_at"], ""), admitted_on=row["admitted_on"],
            ceased_on=row["ceased_on"] if row["ceased_on"] and row["ceased_on"] <= on
            else None,
            shares=totals.get(row["id"], {}).get("shares") or 0,
            paid_up=totals.get(row["id"], {}).get("paid_up") or Decimal("0"),
        )
        for row in page
    ]


REGISTER_COLUMNS = ["member_number", "name", "address", "email", "class", "admitted_on",
                    "ceased_on", "shares", "paid_up", "holdings"]
REGISTER_COLUMNS_WITHOUT_HOLDINGS = ["member_number", "name", "address", "class",
                                     "admitted_on", "ceased_on"]


def register_sql(*, on: dt.date, stakeholder_class_id: int | None, status: str,
                 with_holdings: bool = True) -> tuple[str, list]:
    """The whole register as at `on` as one SQL query (for streaming exports). Parameters
    are returned separately; `register_export_chunks` binds them safely."""
    where = ["m.admitted_on <= %s"]
    params: list = [on]
    if status == "current":
        where.append("(m.ceased_on IS NULL OR m.ceased_on > %s)")
        params.append(on)
    elif status == "ceased":
        where.append("m.ceased_on <= %s")
        params.append(on)
    class_at = ("(SELECT p.stakeholder_class_id FROM membership_memberclassperiod p "
                "WHERE p.member_id = m.id AND p.started_on <= %s "
                "ORDER BY p.started_on DESC LIMIT 1)")
    class_params = [on]
    if stakeholder_class_id is not None:
        where.append(f"{class_at} = %s")
        params += [on, stakeholder_class_id]
    ceased = "CASE WHEN m.ceased_on <= %s THEN m.ceased_on END"
    detail = ("STRING_AGG(code || ':' || shares, ' ' ORDER BY code)"
              if connection.vendor == "postgresql" else "GROUP_CONCAT(code || ':' || shares, ' ')")
    if with_holdings:
        select = (
            f"SELECT m.member_number, m.full_name, m.address, m.email, sc.name, "
            f"m.admitted_on, {ceased}, COALESCE(h.shares, 0), "
            f"COALESCE(h.paid_up, 0.00), COALESCE(h.detail, '') "
            f"FROM membership_member m "
            f"LEFT JOIN membership_stakeholderclass sc ON sc.id = {class_at} "
            f"LEFT JOIN (SELECT member_id, SUM(shares) AS shares, SUM(paid_up) AS paid_up, "
            f"  {detail} AS detail "
            f"  FROM (SELECT t.member_id, c.code, SUM(t.shares) AS shares, "
            f"        SUM(t.paid_up) AS paid_up FROM membership_sharetransaction t "
            f"        JOIN membership_shareclass c ON c.id = t.share_class_id "
            f"        WHERE t.effective_on <= %s GROUP BY t.member_id, c.code) per_class "
            f"  GROUP BY member_id) h ON h.member_id = m.id ")
        select_params = [on] + class_params + [on]
    else:
        select = (
            f"SELECT m.member_number, m.full_name, m.address, sc.name, m.admitted_on, "
            f"{ceased} FROM membership_member m "
            f"LEFT JOIN membership_stakeholderclass sc ON sc.id = {class_at} ")
        select_params = [on] + class_params
    sql = f"{select} WHERE {' AND '.join(where)} ORDER BY m.member_number"
    return sql, select_params + params


def register_export_chunks(*, on: dt.date, stakeholder_class_id: int | None = None,
                           status: str = "current", with_holdings: bool = True
                           ) -> Iterator[bytes]:
    """The register as CSV, in chunks, in constant memory. On PostgreSQL the database
    writes the CSV itself (COPY ... TO STDOUT); elsewhere rows are streamed from a cursor
    through Python's csv module."""
    import csv
    import io

    header = REGISTER_COLUMNS if with_holdings else REGISTER_COLUMNS_WITHOUT_HOLDINGS
    sql, params = register_sql(on=on, stakeholder_class_id=stakeholder_class_id,
                               status=status, with_holdings=with_holdings)
    yield (",".join(header) + "\n").encode()
    if connection.vendor == "postgresql":
        from psycopg import sql as pgsql

        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            literal_sql = pgsql.SQL(sql.replace("%s", "{}")).format(
                *[pgsql.Literal(p) for p in params])
            copy = pgsql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv)").format(literal_sql)
            # COPY hands over one row at a time; send the response in ~256 KiB pieces,
            # gathered in one growing buffer (no object for each row).
            pending = bytearray()
            with cursor.copy(copy) as out:
                for block in out:
                    pending += block
                    if len(pending) >= 262144:
                        yield bytes(pending)
                        pending.clear()
            if pending:
                yield bytes(pending)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()


def register_count(*, on: dt.date, stakeholder_class_id: int | None = None,
                   status: str = "current") -> int:
    sql, params = register_sql(on=on, stakeholder_class_id=stakeholder_class_id,
                               status=status, with_holdings=False)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)
        return cursor.fetchone()[0]


def register_rows(*, on: dt.date, stakeholder_class_id: int | None = None,
                  status: str = "current", limit: int | None = None) -> list[RegisterRow]:
    """Rows for the PDF register (bounded by `limit`)."""
    sql, params = register_sql(on=on, stakeholder_class_id=stakeholder_class_id,
                               status=status, with_holdings=True)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [RegisterRow(member_id=0, member_number=r[0], full_name=r[1], address=r[2],
                            email=r[3], class_name=r[4] or "", admitted_on=r[5],
                            ceased_on=r[6], shares=r[7], paid_up=Decimal(r[8]))
                for r in cursor.fetchall()]


def holdings_replayed(*, member: Member, on: dt.date | None = None) -> dict[int, tuple]:
    """share_class_id -> (shares, paid_up) from the ledger alone."""
    rows = ShareTransaction.objects.filter(member=member)
    if on is not None:
        rows = rows.filter(effective_on__lte=on)
    return {r["share_class_id"]: (r["shares"], r["paid_up"]) for r in rows.values(
        "share_class_id").annotate(shares=Sum("shares"), paid_up=Sum("paid_up"))}


def applications_waiting():
    return Application.objects.filter(status__in=[
        ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]).select_related(
        "share_class", "stakeholder_class", "payment", "member").order_by("submitted_at")


def withdrawals_queue():
    return WithdrawalRequest.objects.filter(status=WithdrawalStatus.QUEUED).select_related(
        "member", "share_class").order_by("eligible_on", "created_at", "id")


def queued_withdrawal(*, pk: int) -> WithdrawalRequest | None:
    return withdrawals_queue().filter(pk=pk).first()


def withdrawals_queue_valued(*, on: dt.date) -> list[tuple[WithdrawalRequest, Decimal]]:
    """The queue with what each request is worth on a date (par, or the written-down
    value then in force)."""
    payout = {c.pk: c.payout_per_share(on) for c in ShareClass.objects.all()}
    return [(w, w.shares_outstanding * payout[w.share_class_id]) for w in withdrawals_queue()]


def withdrawals_due(*, on: dt.date):
    return withdrawals_queue().filter(eligible_on__lte=on)


def withdrawal_batches():
    return WithdrawalBatch.objects.all()


def share_classes():
    return ShareClass.objects.prefetch_related("voting_history", "value_resolutions")


def stakeholder_classes():
    return StakeholderClass.objects.prefetch_related("share_classes", "voting_history")


def share_class(*, pk: int) -> ShareClass | None:
    return share_classes().filter(pk=pk).first()


def stakeholder_class(*, pk: int) -> StakeholderClass | None:
    return stakeholder_classes().filter(pk=pk).first()


def _in_force(history, on: dt.date, field: str) -> bool:
    """The value of the latest change on or before `on` (history ordered by date)."""
    value = False
    for change in history:
        if change.effective_from <= on:
            value = getattr(change, field)
    return value


def stakeholder_class_votes_on(klass: StakeholderClass, on: dt.date) -> bool:
    return _in_force(klass.voting_history.all(), on, "votes")


def share_class_carries_votes_on(share_class: ShareClass, on: dt.date) -> bool:
    return _in_force(share_class.voting_history.all(), on, "carries_votes")


def voting_classes_on(*, on: dt.date) -> tuple[set[int], set[int]]:
    """(stakeholder class ids that vote, share class ids that carry votes) on a date: what
    an electorate frozen at that record date uses."""
    return ({k.pk for k in stakeholder_classes() if stakeholder_class_votes_on(k, on)},
            {c.pk for c in share_classes() if share_class_carries_votes_on(c, on)})


class MemberStatus:
    CURRENT = "Member"
    REPAYMENT_PENDING = "Ceased, repayment pending"
    CEASED = "Former member"


def member_status(member: Member) -> str:
    if member.ceased_on is None:
        return MemberStatus.CURRENT
    if member.withdrawals.filter(status=WithdrawalStatus.QUEUED).exists():
        return MemberStatus.REPAYMENT_PENDING
    return MemberStatus.CEASED


def member_entries_for_user(*, user):
    """Every entry the login has had in the register (a member who left and rejoined has
    more than one), newest first."""
    return Member.objects.filter(user=user).order_by("-admitted_on", "-member_number")


def member_class_periods(*, member: Member):
    return member.class_periods.select_related("stakeholder_class")


def member_sale_notices(*, member: Member):
    return member.sale_notices.select_related("share_class")


def member_holds_shares_sold_on_leaving(*, member: Member) -> bool:
    return member.holdings.filter(shares__gt=0,
                                  share_class__sale_notice_days__isnull=False).exists()


def member_login_email_pending(*, member: Member):
    """A change of the address the member signs in with, waiting for its confirmation."""
    from allauth.account.models import EmailAddress

    if member.user_id is None:
        return None
    return EmailAddress.objects.filter(user_id=member.user_id, verified=False,
                                       primary=False).first()


def inspection_request(*, pk: int) -> InspectionRequest | None:
    return InspectionRequest.objects.filter(pk=pk).first()


def invitation_mailings(*, limit: int = 10):
    return Mailing.objects.filter(kind="invitations")[:limit]


def member_applications_pending(*, member: Member):
    return member.applications.filter(status__in=[ApplicationStatus.SUBMITTED,
                                                  ApplicationStatus.APPROVED])


def members():
    return Member.objects.select_related("stakeholder_class")


def member(*, pk: int) -> Member | None:
    return members().filter(pk=pk).first()


def members_without_login():
    """Current members with an email address and no login (who can be invited), by
    member number."""
    return Member.objects.filter(ceased_on__isnull=True, user__isnull=True).exclude(
        email="").order_by("member_number")


def application(*, pk: int) -> Application | None:
    return applications().filter(pk=pk).first()


def applications():
    return Application.objects.select_related("share_class", "stakeholder_class", "member",
                                              "payment")


def applications_recent(*, limit: int = 20):
    return applications().exclude(status__in=[
        ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]).order_by(
        "-submitted_at")[:limit]


def application_by_token(*, token: str) -> Application | None:
    return Application.objects.filter(email_token=token).first()


def sale_notices_open():
    return SaleNotice.objects.filter(status=SaleNotice.Status.OPEN).select_related(
        "member", "share_class").order_by("due_on", "id")


def open_sale_notice(*, pk: int) -> SaleNotice | None:
    return sale_notices_open().filter(pk=pk).first()


def inspection_requests(*, limit: int = 100):
    return InspectionRequest.objects.all()[:limit]


def import_runs(*, limit: int = 10):
    return ImportRun.objects.defer("content").order_by("-applied_at")[:limit]


def import_run(*, pk: int) -> ImportRun | None:
    return ImportRun.objects.defer("content").filter(pk=pk).first()


def ledger_entry(*, pk: int, member: Member) -> ShareTransaction | None:
    return ShareTransaction.objects.filter(pk=pk, member=member).first()


def certificate_entry(*, number: int) -> ShareTransaction | None:
    return ShareTransaction.objects.select_related("member", "share_class").filter(
        certificate_number=number).first()


def member_by_number(*, number: int) -> Member | None:
    return Member.objects.filter(member_number=number).first()


@dataclass(frozen=True)
class OfficeSummary:
    below_statutory_minimum: bool
    awaiting_board: int
    awaiting_allotment: int
    withdrawals_due: int
    withdrawals_waiting: int
    member_count: int
    inspections_open: int
    sale_notices_due: int
    members_without_login: int


def office_summary(*, today: dt.date, is_society: bool) -> OfficeSummary:
    waiting = Application.objects.values("status").annotate(n=Count("pk"))
    by_status = {row["status"]: row["n"] for row in waiting}
    return OfficeSummary(
        below_statutory_minimum=is_society and not society_has_statutory_minimum(),
        awaiting_board=by_status.get(ApplicationStatus.SUBMITTED, 0),
        awaiting_allotment=by_status.get(ApplicationStatus.APPROVED, 0),
        withdrawals_due=withdrawals_due(on=today).count(),
        withdrawals_waiting=withdrawals_queue().count(),
        member_count=current_member_count(),
        inspections_open=InspectionRequest.objects.filter(
            status=InspectionRequest.Status.OPEN).count(),
        sale_notices_due=sale_notices_open().filter(due_on__lte=today).count(),
        members_without_login=members_without_login().count(),
    )


def email_consent(*, member: Member):
    """The member's current agreement to be sent notices by email, if any."""
    return member.consents.filter(withdrawn_on__isnull=True).first()
