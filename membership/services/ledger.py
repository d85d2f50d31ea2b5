"""The share ledger and the limits every movement must respect.

All share movements go through `ledger_post`, inside a transaction that has locked the
member row (`member_lock`): that serialises every change to one member's holdings, so two
concurrent allotments cannot together breach a limit that each respects alone.

Every movement is dated, and a date lands in a history: it must fall inside the
membership (on or after admission, not in the future, and, for shares coming in, not after
the membership ended), and it must leave the holding within its limits on that date and on
every later date. A back-dated withdrawal cannot take shares that a later entry needed; a
back-dated allotment cannot push a later holding above the maximum."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from governance.exceptions import DomainError
from governance.formatting import long_date, money
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic
from governance.validators import INT_MAX, MONEY_MAX

from ..exceptions import HoldingLimitExceeded, NotEligible, WrongState
from ..models import (
    Application,
    ApplicationStatus,
    CessationReason,
    Counter,
    Holding,
    Member,
    MemberClassPeriod,
    SaleNotice,
    ShareClass,
    ShareTransaction,
    StakeholderClass,
    TransactionKind,
    WithdrawalStatus,
)

# CCBSA 2014 s.24: no member other than a registered society may hold more than this in
# withdrawable shares of a registered society. Not configurable upwards.
STATUTORY_WITHDRAWABLE_CAP = Decimal("100000.00")


# --- Numbers ---------------------------------------------------------------------------


def counter_lock(name: str) -> Counter:
    """Lock a number counter (creating it at 0) in the caller's transaction."""
    Counter.objects.bulk_create([Counter(name=name, value=0)], ignore_conflicts=True)
    return Counter.objects.select_for_update().get(name=name)


def _next(name: str, highest_in_use) -> int:
    # The counter is locked before the highest number in use is read, so a number written
    # by a transaction that committed while this one waited for the lock is seen.
    counter = counter_lock(name)
    counter.value = max(counter.value, highest_in_use() or 0) + 1
    counter.save(update_fields=["value"])
    return counter.value


def next_member_number() -> int:
    return _next("member_number",
                 lambda: Member.objects.aggregate(top=Max("member_number"))["top"])


def next_certificate_number() -> int:
    return _next("certificate", lambda: ShareTransaction.objects.aggregate(
        top=Max("certificate_number"))["top"])


# --- Locks -----------------------------------------------------------------------------


def member_lock(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


def members_lock(member_ids) -> dict[int, Member]:
    """Lock several members in one statement, in ascending id (the platform's lock order,
    docs/architecture.md), so that two writes over the same members cannot deadlock."""
    return {m.pk: m for m in Member.objects.select_for_update().filter(
        pk__in=sorted(set(member_ids))).order_by("pk")}


def current_member_lock(member_id: int) -> Member:
    """Lock the member row and refuse to go on for someone who has left."""
    member = member_lock(member_id)
    if member.ceased_on is not None:
        raise WrongState(f"{member.full_name} is no longer a member.")
    return member


# --- Reading holdings -------------------------------------------------------------------


def holding_of(member: Member, share_class: ShareClass) -> Holding | None:
    return Holding.objects.filter(member=member, share_class=share_class).first()


def held_shares(member: Member | None, share_class: ShareClass) -> int:
    holding = holding_of(member, share_class) if member is not None else None
    return holding.shares if holding else 0


def member_class_on(member: Member, on: dt.date) -> StakeholderClass:
    """The member's class on a date: the period that covers it."""
    period = MemberClassPeriod.objects.filter(member=member, started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on)).select_related(
        "stakeholder_class").first()
    return period.stakeholder_class if period else member.stakeholder_class


def _running_range(rows, on: dt.date, field: str) -> tuple:
    """(balance on `on`, lowest balance on any date from `on`, highest from `on`) of the
    running sum of `field` over these ledger rows."""
    zero = Decimal("0") if field == "paid_up" else 0
    balance = rows.filter(effective_on__lte=on).aggregate(total=Sum(field))["total"] or zero
    low = high = start = balance
    for row in rows.filter(effective_on__gt=on).values("effective_on").annotate(
            total=Sum(field)).order_by("effective_on"):
        balance += row["total"]
        low, high = min(low, balance), max(high, balance)
    return start, low, high


def holding_range(member: Member, share_class: ShareClass, on: dt.date) -> tuple[int, int, int]:
    return _running_range(ShareTransaction.objects.filter(member=member,
                                                          share_class=share_class),
                          on, "shares")


def withdrawable_range(member: Member, on: dt.date) -> tuple[Decimal, Decimal, Decimal]:
    return _running_range(ShareTransaction.objects.filter(
        member=member, share_class__withdrawable=True), on, "paid_up")


# --- Checks ----------------------------------------------------------------------------


def check_date(on: dt.date, *, field: str, what: str) -> None:
    """Dated changes take effect on their date: a date in the future is refused, so that
    what is current today is what the register says as at today."""
    today = timezone.localdate()
    if on > today:
        raise DomainError(f"{what} cannot be dated in the future: enter {long_date(today)} "
                          "or an earlier date, and record it on the day it takes effect.",
                          field=field)


def check_within_membership(member: Member, on: dt.date, *, field: str, incoming: bool
                            ) -> None:
    if on < member.admitted_on:
        raise DomainError(f"{member.full_name} was admitted on {long_date(member.admitted_on)}"
                          f"; enter that date or a later one.", field=field)
    if incoming and member.ceased_on is not None and on >= member.ceased_on:
        raise WrongState(f"{member.full_name}'s membership ended on "
                         f"{long_date(member.ceased_on)}; shares cannot come in after that.",
                         field=field)


def check_class_allows(*, member: Member, share_class: ShareClass, on: dt.date) -> None:
    klass = member_class_on(member, on)
    if not klass.share_classes.filter(pk=share_class.pk).exists():
        raise NotEligible(f"Members in the {klass.name} class cannot hold {share_class.name}.",
                          field="share_class")


def _exempt_from_cap(member: Member | None, is_registered_society: bool) -> bool:
    return member.is_registered_society if member else is_registered_society


def check_allotment_limits(*, member: Member | None, share_class: ShareClass, shares: int,
                           on: dt.date | None = None, is_registered_society: bool = False
                           ) -> None:
    """Refuse, in words a member understands, an allotment that would break a limit on its
    date or on any later date. For a new applicant (no member yet) the limits apply to
    the shares applied for; `is_registered_society` is a claim the board has confirmed."""
    organisation = organisation_get()
    on = on or timezone.localdate()
    if member is not None:
        at_date, _low, highest = holding_range(member, share_class, on)
    else:
        at_date = highest = 0
    if highest + shares > INT_MAX or (highest + shares) * share_class.par_value > MONEY_MAX:
        # Beyond what the register's columns hold (and any plausible holding).
        raise HoldingLimitExceeded(f"One member cannot hold that many {share_class.name}.")
    if at_date + shares < share_class.min_holding:
        raise HoldingLimitExceeded(
            f"The minimum holding of {share_class.name} is {share_class.min_holding:,} "
            f"share{'s' if share_class.min_holding != 1 else ''} "
            f"({money(share_class.min_holding * share_class.par_value)}).")
    statutory_room = None
    if (share_class.withdrawable and organisation is not None and organisation.is_society
            and not _exempt_from_cap(member, is_registered_society)):
        already = withdrawable_range(member, on)[2] if member else Decimal("0")
        statutory_room = max(Decimal("0"), STATUTORY_WITHDRAWABLE_CAP - already)
    rule_room = (None if share_class.max_holding is None
                 else max(0, share_class.max_holding - highest) * share_class.par_value)
    wanted = share_class.par_value * shares
    # Report whichever limit binds first; on a tie, the statutory one.
    if statutory_room is not None and wanted > statutory_room and (
            rule_room is None or statutory_room <= rule_room):
        raise HoldingLimitExceeded(
            f"You can hold at most {money(STATUTORY_WITHDRAWABLE_CAP)} in withdrawable "
            f"shares; you can apply for {money(statutory_room)} more.")
    if rule_room is not None and highest + shares > share_class.max_holding:
        room = max(0, share_class.max_holding - highest)
        if share_class.max_holding == 1:
            raise HoldingLimitExceeded(
                f"Each member may hold only one of the {share_class.name}"
                + (", and you already hold it." if highest else "."))
        raise HoldingLimitExceeded(
            f"You can hold at most {share_class.max_holding:,} {share_class.name} "
            f"({money(share_class.max_holding * share_class.par_value)}); "
            f"you can apply for {room:,} more ({money(room * share_class.par_value)}).")


# --- Writing ---------------------------------------------------------------------------


def ledger_post(*, member: Member, share_class: ShareClass, kind: str, shares: int,
                effective_on: dt.date, actor, consideration: Decimal = Decimal("0"),
                certificate: bool = False, counterparty: Member | None = None,
                reverses: ShareTransaction | None = None, reference: str = "",
                note: str = "", after_cessation: bool = False) -> ShareTransaction:
    """Append one ledger row and move the holding with it. The caller holds the member
    lock and has checked the rules of the movement; whatever the caller, the row must land
    inside the membership and leave no holding negative on any date (the database also
    refuses a negative current holding). `after_cessation` lets shares owed to a former
    member come back when the payment that repaid them is reversed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post must run inside a transaction")
    check_date(effective_on, field="effective_on", what="A share movement")
    check_within_membership(member, effective_on, field="effective_on",
                            incoming=shares > 0 and not after_cessation)
    Holding.objects.bulk_create([Holding(member=member, share_class=share_class)],
                                ignore_conflicts=True)
    holding = Holding.objects.select_for_update().get(member=member, share_class=share_class)
    if shares < 0:
        at_date, lowest, _high = holding_range(member, share_class, effective_on)
        if lowest + shares < 0:
            if at_date + shares < 0:
                raise WrongState(f"On {long_date(effective_on)} {member.full_name} held only "
                                 f"{at_date:,} {share_class.name}.", field="shares")
            raise WrongState(f"{member.full_name} held {at_date:,} {share_class.name} on "
                             f"{long_date(effective_on)}, but later entries rely on "
                             f"{at_date - lowest:,} of them; date this on or after the last of "
                             "those entries.", field="effective_on")
    paid_up = share_class.par_value * shares
    entry = ShareTransaction.objects.create(
        member=member, share_class=share_class, kind=kind, shares=shares, paid_up=paid_up,
        consideration=consideration, effective_on=effective_on,
        recorded_by_id=getattr(actor, "pk", None), counterparty=counterparty,
        reverses=reverses, reference=reference[:100], note=note[:300],
        certificate_number=next_certificate_number() if certificate else None,
    )
    holding.shares += shares
    holding.paid_up += paid_up
    holding.save(update_fields=["shares", "paid_up"])
    audit_record(actor=actor, action=f"ledger.{kind}", target=entry, changes={
        "member_id": member.pk, "member_number": member.member_number,
        "share_class": share_class.code, "shares": shares, "paid_up": paid_up,
        "consideration": consideration, "effective_on": effective_on,
        "certificate_number": entry.certificate_number, "reference": reference,
    })
    return entry


def share_allot(*, actor, member: Member, share_class: ShareClass, shares: int,
                allotted_on: dt.date, consideration: Decimal, reference: str = ""
                ) -> ShareTransaction:
    """Allot shares to an existing member."""
    if shares <= 0:
        raise HoldingLimitExceeded("Enter a number of shares greater than zero.")
    with atomic():
        member = current_member_lock(member.pk)
        check_date(allotted_on, field="allotted_on", what="An allotment")
        check_within_membership(member, allotted_on, field="allotted_on", incoming=True)
        check_class_allows(member=member, share_class=share_class, on=allotted_on)
        check_allotment_limits(member=member, share_class=share_class, shares=shares,
                               on=allotted_on)
        return ledger_post(member=member, share_class=share_class,
                           kind=TransactionKind.ALLOTMENT, shares=shares,
                           effective_on=allotted_on, actor=actor, consideration=consideration,
                           certificate=True, reference=reference)


def ledger_reverse(*, actor, entry: ShareTransaction, reason: str,
                   reversed_on: dt.date | None = None) -> ShareTransaction:
    """Correct a mistaken entry with an equal and opposite one. Shares put back pass the
    same checks as an allotment on that date, and what the entry recorded is undone too:
    a reversed withdrawal payment puts the request back in the queue; a reversed allotment
    sends its application back to "approved"; a reversed buy-back reopens its notice, and
    if the buy-back is what ended the membership, the member is back on the register."""
    if not reason.strip():
        raise WrongState("Say why the entry is being reversed.", field="reason")
    with atomic():
        member = member_lock(entry.member_id)
        entry = ShareTransaction.objects.select_for_update().get(pk=entry.pk)
        share_class = entry.share_class
        on = reversed_on or entry.effective_on
        if entry.kind == TransactionKind.REVERSAL:
            raise WrongState("A reversal cannot itself be reversed; record a new entry.")
        if entry.kind in (TransactionKind.TRANSFER_IN, TransactionKind.TRANSFER_OUT):
            raise WrongState("Correct a transfer by transferring the shares back, so that "
                             "both members' entries stay in step.")
        if ShareTransaction.objects.filter(reverses=entry).exists():
            raise WrongState("This entry has already been reversed.")
        if _ended_the_membership(member, entry):
            member = _cessation_undo(actor=actor, member=member, reason=reason.strip())
        payment = getattr(entry, "withdrawal_payment", None)
        owed_after_leaving = payment is not None and member.ceased_on is not None
        if entry.shares < 0 and member.ceased_on is not None and not owed_after_leaving:
            raise WrongState(f"{member.full_name} is no longer a member, so shares cannot "
                             "be returned to them.")
        if entry.shares < 0 and not owed_after_leaving:
            check_class_allows(member=member, share_class=share_class, on=on)
            check_allotment_limits(member=member, share_class=share_class,
                                   shares=-entry.shares, on=on)
        reversal = ledger_post(member=member, share_class=share_class,
                               kind=TransactionKind.REVERSAL, shares=-entry.shares,
                               effective_on=on, actor=actor,
                               consideration=entry.consideration, reverses=entry,
                               note=reason.strip(), after_cessation=owed_after_leaving)
        _undo_what_the_entry_recorded(actor=actor, entry=entry, reason=reason.strip())
        return reversal


def _ended_the_membership(member: Member, entry: ShareTransaction) -> bool:
    """Whether this buy-back, completing a notice to sell, is what took the member off the
    register (they were left with no shares), with nothing recorded for them since."""
    notice = SaleNotice.objects.filter(transaction=entry).first()
    return (notice is not None and member.ceased_on == entry.effective_on
            and member.cessation_reason == CessationReason.SHARES_SOLD
            and member.cessation_note == f"after notice to sell {notice.pk}"
            and not member.transactions.filter(effective_on__gte=member.ceased_on)
            .exclude(pk=entry.pk).exists()
            and not member.withdrawals.filter(requested_on__gte=member.ceased_on).exists())


def _cessation_undo(*, actor, member: Member, reason: str) -> Member:
    """Put a member whose leaving is being undone back on the register, in the class they
    left from."""
    rejoined = Member.objects.filter(user_id=member.user_id, ceased_on__isnull=True).first() \
        if member.user_id else None
    if rejoined is not None:
        raise WrongState(f"{member.full_name} has joined again as member number "
                         f"{rejoined.member_number}, so this earlier entry cannot go back on "
                         "the register.")
    ceased_on, why = member.ceased_on, member.cessation_reason
    if not member.class_periods.filter(ended_on__isnull=True).exists():
        MemberClassPeriod.objects.filter(member=member, ended_on=ceased_on).update(
            ended_on=None)
    member.ceased_on, member.cessation_reason, member.cessation_note = None, "", ""
    member.save(update_fields=["ceased_on", "cessation_reason", "cessation_note"])
    audit_record(actor=actor, action="member.cessation_reversed", target=member, changes={
        "ceased_on": ceased_on, "cessation_reason": why, "reason": reason})
    return member


def _undo_what_the_entry_recorded(*, actor, entry: ShareTransaction, reason: str) -> None:
    payment = getattr(entry, "withdrawal_payment", None)
    if payment is not None:
        request = payment.request
        request.shares_paid -= payment.shares
        request.status = WithdrawalStatus.QUEUED
        request.note = f"payment of {money(payment.amount)} reversed: {reason}"[:300]
        request.save(update_fields=["shares_paid", "status", "note"])
        audit_record(actor=actor, action="withdrawal.payment_reversed", target=request,
                     changes={"payment_id": payment.pk, "shares": payment.shares,
                              "amount": payment.amount})
    application = Application.objects.filter(allotment=entry).first()
    if application is not None:
        application.status = ApplicationStatus.APPROVED
        application.allotment = None
        application.save(update_fields=["status", "allotment"])
        audit_record(actor=actor, action="application.allotment_reversed",
                     target=application, changes={"entry_id": entry.pk, "reason": reason})
    notice = SaleNotice.objects.filter(transaction=entry).first()
    if notice is not None:
        notice.status = SaleNotice.Status.OPEN
        notice.transaction = None
        notice.completed_on = None
        notice.save(update_fields=["status", "transaction", "completed_on"])
        audit_record(actor=actor, action="sale_notice.reopened", target=notice,
                     changes={"entry_id": entry.pk, "reason": reason})
