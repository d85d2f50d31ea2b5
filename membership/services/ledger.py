"""The share ledger and the limits every movement must respect.

All share movements go through `ledger_post`, inside a transaction that has locked the
member row (`member_lock`): that serialises every change to one member's holdings, so two
concurrent allotments cannot together breach a limit that each respects alone."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum

from governance.selectors import organisation_get
from governance.services import audit_record

from ..exceptions import HoldingLimitExceeded, NotEligible, WrongState
from ..models import (
    Counter,
    Holding,
    Member,
    ShareClass,
    ShareTransaction,
    TransactionKind,
)

# CCBSA 2014 s.24: no member other than a registered society may hold more than this in
# withdrawable shares of a registered society. Not configurable upwards.
STATUTORY_WITHDRAWABLE_CAP = Decimal("100000.00")


def money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def next_number(name: str, *, at_least: int = 0) -> int:
    """A gap-free number, taken under a row lock in the caller's transaction."""
    Counter.objects.bulk_create([Counter(name=name, value=0)], ignore_conflicts=True)
    counter = Counter.objects.select_for_update().get(name=name)
    counter.value = max(counter.value, at_least) + 1
    counter.save(update_fields=["value"])
    return counter.value


def next_member_number() -> int:
    highest = Member.objects.aggregate(top=Max("member_number"))["top"] or 0
    return next_number("member_number", at_least=highest)


def next_certificate_number() -> int:
    highest = ShareTransaction.objects.aggregate(top=Max("certificate_number"))["top"] or 0
    return next_number("certificate", at_least=highest)


def member_lock(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


def current_member_lock(member_id: int) -> Member:
    """Lock the member row and refuse to go on for someone who has left."""
    member = member_lock(member_id)
    if member.ceased_on is not None:
        raise WrongState(f"{member.full_name} is no longer a member.")
    return member


def withdrawable_paid_up(member: Member) -> Decimal:
    return Holding.objects.filter(member=member, share_class__withdrawable=True).aggregate(
        total=Sum("paid_up"))["total"] or Decimal("0")


def holding_of(member: Member, share_class: ShareClass) -> Holding | None:
    return Holding.objects.filter(member=member, share_class=share_class).first()


def held_shares(member: Member | None, share_class: ShareClass) -> int:
    holding = holding_of(member, share_class) if member is not None else None
    return holding.shares if holding else 0


def allotment_headroom(*, member: Member | None, share_class: ShareClass,
                       is_registered_society: bool = False) -> int | None:
    """How many more shares of this class the member (or a new applicant when member is
    None) may hold; None when there is no limit."""
    organisation = organisation_get()
    held = held_shares(member, share_class)
    limits = []
    if share_class.max_holding is not None:
        limits.append(share_class.max_holding - held)
    exempt = member.is_registered_society if member else is_registered_society
    if (share_class.withdrawable and organisation is not None and organisation.is_society
            and not exempt):
        already = withdrawable_paid_up(member) if member else Decimal("0")
        limits.append(int((STATUTORY_WITHDRAWABLE_CAP - already) // share_class.par_value))
    return max(0, min(limits)) if limits else None


def check_allotment_limits(*, member: Member | None, share_class: ShareClass, shares: int,
                           is_registered_society: bool = False) -> None:
    """Refuse, in words a member understands, an allotment that would break a limit."""
    organisation = organisation_get()
    held = held_shares(member, share_class)
    if held + shares < share_class.min_holding:
        raise HoldingLimitExceeded(
            f"The minimum holding of {share_class.name} is {share_class.min_holding:,} "
            f"share{'s' if share_class.min_holding != 1 else ''} "
            f"({money(share_class.min_holding * share_class.par_value)}).")
    exempt = member.is_registered_society if member else is_registered_society
    statutory_room = None
    if (share_class.withdrawable and organisation is not None and organisation.is_society
            and not exempt):
        already = withdrawable_paid_up(member) if member else Decimal("0")
        statutory_room = max(Decimal("0"), STATUTORY_WITHDRAWABLE_CAP - already)
    rule_room = (None if share_class.max_holding is None
                 else max(0, share_class.max_holding - held) * share_class.par_value)
    wanted = share_class.par_value * shares
    # Report whichever limit binds first; on a tie, the statutory one.
    if statutory_room is not None and wanted > statutory_room and (
            rule_room is None or statutory_room <= rule_room):
        raise HoldingLimitExceeded(
            f"You can hold at most {money(STATUTORY_WITHDRAWABLE_CAP)} in withdrawable "
            f"shares; you can apply for {money(statutory_room)} more.")
    if rule_room is not None and held + shares > share_class.max_holding:
        room = max(0, share_class.max_holding - held)
        if share_class.max_holding == 1:
            raise HoldingLimitExceeded(
                f"Each member may hold only one of the {share_class.name}"
                + (", and you already hold it." if held else "."))
        raise HoldingLimitExceeded(
            f"You can hold at most {share_class.max_holding:,} {share_class.name} "
            f"({money(share_class.max_holding * share_class.par_value)}); "
            f"you can apply for {room:,} more ({money(room * share_class.par_value)}).")


def check_class_allows(*, member: Member, share_class: ShareClass) -> None:
    if not member.stakeholder_class.share_classes.filter(pk=share_class.pk).exists():
        raise NotEligible(
            f"Members in the {member.stakeholder_class.name} class cannot hold "
            f"{share_class.name}.", field="share_class")


def ledger_post(*, member: Member, share_class: ShareClass, kind: str, shares: int,
                effective_on: dt.date, actor, consideration: Decimal = Decimal("0"),
                certificate: bool = False, counterparty: Member | None = None,
                reverses: ShareTransaction | None = None, reference: str = "",
                note: str = "") -> ShareTransaction:
    """Append one ledger row and move the holding with it. The caller holds the member
    lock and has checked the rules; the database still refuses a negative holding."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post must run inside a transaction")
    Holding.objects.bulk_create([Holding(member=member, share_class=share_class)],
                                ignore_conflicts=True)
    holding = Holding.objects.select_for_update().get(member=member, share_class=share_class)
    paid_up = share_class.par_value * shares
    if holding.shares + shares < 0:
        raise WrongState(f"{member.full_name} holds only {holding.shares:,} "
                         f"{share_class.name} shares.")
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
    """Allot shares to an existing member (applications call this inside their own
    transaction)."""
    if shares <= 0:
        raise HoldingLimitExceeded("Enter a number of shares greater than zero.")
    with transaction.atomic():
        member = current_member_lock(member.pk)
        check_class_allows(member=member, share_class=share_class)
        check_allotment_limits(member=member, share_class=share_class, shares=shares)
        return ledger_post(member=member, share_class=share_class,
                           kind=TransactionKind.ALLOTMENT, shares=shares,
                           effective_on=allotted_on, actor=actor, consideration=consideration,
                           certificate=True, reference=reference)


def share_transfer(*, actor, from_member: Member, to_member: Member, share_class: ShareClass,
                   shares: int, transferred_on: dt.date, consideration: Decimal = Decimal("0"),
                   note: str = "") -> tuple[ShareTransaction, ShareTransaction]:
    if not share_class.transferable:
        raise NotEligible(f"{share_class.name} cannot be transferred under the rules.",
                          field="share_class")
    if from_member.pk == to_member.pk:
        raise NotEligible("A member cannot transfer shares to themselves.", field="to_member")
    if shares <= 0:
        raise HoldingLimitExceeded("Enter a number of shares greater than zero.")
    with transaction.atomic():
        # Lock both members in a fixed order so that two opposite transfers cannot deadlock.
        locked = {m.pk: m for m in Member.objects.select_for_update().filter(
            pk__in=[from_member.pk, to_member.pk]).order_by("pk")}
        giver, receiver = locked[from_member.pk], locked[to_member.pk]
        for person in (giver, receiver):
            if person.ceased_on is not None:
                raise WrongState(f"{person.full_name} is no longer a member.")
        check_class_allows(member=receiver, share_class=share_class)
        held = holding_of(giver, share_class)
        if held is None or held.shares < shares:
            raise HoldingLimitExceeded(
                f"{giver.full_name} holds only {held.shares if held else 0:,} "
                f"{share_class.name} shares.")
        remaining = held.shares - shares
        if 0 < remaining < share_class.min_holding:
            raise HoldingLimitExceeded(
                f"That would leave {giver.full_name} {remaining:,} shares, below the minimum "
                f"of {share_class.min_holding:,}; transfer all of them or fewer.")
        check_allotment_limits(member=receiver, share_class=share_class, shares=shares)
        out = ledger_post(member=giver, share_class=share_class,
                          kind=TransactionKind.TRANSFER_OUT, shares=-shares,
                          effective_on=transferred_on, actor=actor, counterparty=receiver,
                          consideration=consideration, note=note)
        into = ledger_post(member=receiver, share_class=share_class,
                           kind=TransactionKind.TRANSFER_IN, shares=shares,
                           effective_on=transferred_on, actor=actor, counterparty=giver,
                           consideration=consideration, certificate=True, note=note)
        return out, into


def ledger_reverse(*, actor, entry: ShareTransaction, reason: str,
                   reversed_on: dt.date | None = None) -> ShareTransaction:
    """Correct a mistaken entry with an equal and opposite one."""
    if not reason.strip():
        raise WrongState("Say why the entry is being reversed.", field="reason")
    with transaction.atomic():
        member = member_lock(entry.member_id)
        entry = ShareTransaction.objects.select_for_update().get(pk=entry.pk)
        if entry.kind == TransactionKind.REVERSAL:
            raise WrongState("A reversal cannot itself be reversed; record a new entry.")
        if entry.kind in (TransactionKind.TRANSFER_IN, TransactionKind.TRANSFER_OUT):
            raise WrongState("Correct a transfer by transferring the shares back, so that "
                             "both members' entries stay in step.")
        if entry.shares < 0 and member.ceased_on is not None:
            raise WrongState(f"{member.full_name} is no longer a member, so shares cannot "
                             "be returned to them.")
        if ShareTransaction.objects.filter(reverses=entry).exists():
            raise WrongState("This entry has already been reversed.")
        if entry.shares > 0:
            held = holding_of(member, entry.share_class)
            if held is None or held.shares < entry.shares:
                raise WrongState("The shares from this entry have since left the holding; "
                                 "reverse the later entries first.")
        return ledger_post(member=member, share_class=entry.share_class,
                           kind=TransactionKind.REVERSAL, shares=-entry.shares,
                           effective_on=reversed_on or entry.effective_on, actor=actor,
                           consideration=entry.consideration, reverses=entry,
                           note=reason.strip())
