"""Transfers of shares between members."""

import datetime as dt
from decimal import Decimal

from governance.exceptions import DomainError
from governance.formatting import long_date, money
from governance.transactions import atomic

from ..exceptions import HoldingLimitExceeded, NotEligible, WrongState
from ..models import CessationReason, Member, ShareClass, ShareTransaction, TransactionKind
from .ledger import (
    check_allotment_limits,
    check_class_allows,
    check_date,
    check_within_membership,
    holding_range,
    ledger_post,
    members_lock,
)
from .members import member_cease_if_below_minimum


def share_transfer(*, actor, from_member: Member, to_member: Member, share_class: ShareClass,
                   shares: int, transferred_on: dt.date, consideration: Decimal = Decimal("0"),
                   minute_reference: str = "", note: str = ""
                   ) -> tuple[ShareTransaction, ShareTransaction]:
    """Move shares from one member to another, as the rules allow: the class must be
    transferable; where the rules say so, the board approves (its minute) and the price is
    par. A member left with nothing (or below the minimum, if the rules end membership
    then) leaves the register."""
    if not share_class.transferable:
        raise NotEligible(f"{share_class.name} cannot be transferred under the rules.",
                          field="share_class")
    if from_member.pk == to_member.pk:
        raise NotEligible("A member cannot transfer shares to themselves.",
                          field="to_member_number")
    if shares <= 0:
        raise HoldingLimitExceeded("Enter a number of shares greater than zero.")
    if share_class.transfer_needs_board_approval and not minute_reference.strip():
        raise DomainError(f"Transfers of {share_class.name} need the board's approval: enter "
                          "the minute reference.", field="minute_reference")
    at_par = share_class.par_value * shares
    if share_class.transfer_at_par_only and consideration != at_par:
        raise DomainError(f"The price of {share_class.name} is fixed at par: "
                          f"{money(at_par)} for {shares:,}.", field="consideration")
    with atomic():
        locked = members_lock([from_member.pk, to_member.pk])
        giver, receiver = locked[from_member.pk], locked[to_member.pk]
        for person in (giver, receiver):
            if person.ceased_on is not None:
                raise WrongState(f"{person.full_name} is no longer a member.")
        check_date(transferred_on, field="transferred_on", what="A transfer")
        check_within_membership(giver, transferred_on, field="transferred_on", incoming=False)
        check_within_membership(receiver, transferred_on, field="transferred_on",
                                incoming=True)
        check_class_allows(member=receiver, share_class=share_class, on=transferred_on)
        at_date, _low, _high = holding_range(giver, share_class, transferred_on)
        if at_date < shares:
            raise HoldingLimitExceeded(
                f"{giver.full_name} held only {at_date:,} {share_class.name} on "
                f"{long_date(transferred_on)}.")
        remaining = at_date - shares
        if 0 < remaining < share_class.min_holding:
            raise HoldingLimitExceeded(
                f"That would leave {giver.full_name} {remaining:,} shares, below the minimum "
                f"of {share_class.min_holding:,}; transfer all of them or fewer.")
        check_allotment_limits(member=receiver, share_class=share_class, shares=shares,
                               on=transferred_on)
        reference = f"board minute {minute_reference.strip()}" if minute_reference else ""
        out = ledger_post(member=giver, share_class=share_class,
                          kind=TransactionKind.TRANSFER_OUT, shares=-shares,
                          effective_on=transferred_on, actor=actor, counterparty=receiver,
                          consideration=consideration, reference=reference, note=note)
        into = ledger_post(member=receiver, share_class=share_class,
                           kind=TransactionKind.TRANSFER_IN, shares=shares,
                           effective_on=transferred_on, actor=actor, counterparty=giver,
                           consideration=consideration, certificate=True,
                           reference=reference, note=note)
        member_cease_if_below_minimum(actor=actor, member=giver, share_class=share_class,
                                      on=transferred_on, after=f"transfer {out.pk}",
                                      reason=CessationReason.SHARES_SOLD)
        return out, into
