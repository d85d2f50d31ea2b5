"""Withdrawals of share capital: a request joins a first-in first-out queue, becomes due
when the notice period has passed, and is paid unless the board has suspended withdrawals.
Payouts are at par or the written-down value, and pass the asset-lock gate first."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Sum

from governance.asset_lock import asset_lock_check_share_payout
from governance.selectors import organisation_get
from governance.services import audit_record

from ..exceptions import WithdrawalRefused, WithdrawalsSuspended, WrongState
from ..models import (
    CessationReason,
    Member,
    ShareClass,
    TransactionKind,
    WithdrawalRequest,
    WithdrawalStatus,
)
from .applications import age_on
from .ledger import (
    current_member_lock,
    held_shares,
    holding_of,
    ledger_post,
    long_date,
    member_lock,
    money,
)

MINIMUM_AGE_FOR_RECEIPT = 16  # CCBSA s.31: under 16 cannot give a valid receipt


def notice_ends(share_class: ShareClass, requested_on: dt.date) -> dt.date:
    return requested_on + relativedelta(months=share_class.withdrawal_notice_months,
                                        days=share_class.withdrawal_notice_days)


def queued_shares(member: Member, share_class: ShareClass) -> int:
    return WithdrawalRequest.objects.filter(
        member=member, share_class=share_class, status=WithdrawalStatus.QUEUED,
    ).aggregate(total=Sum("shares"))["total"] or 0


def check_can_receive_payment(member: Member, on: dt.date) -> None:
    if member.date_of_birth and age_on(member.date_of_birth, on) < MINIMUM_AGE_FOR_RECEIPT:
        raise WithdrawalRefused(
            "Members under 16 cannot withdraw share capital, because they cannot give a "
            "valid receipt for the money.")


def withdrawals_suspended(share_class: ShareClass) -> bool:
    organisation = organisation_get()
    return share_class.withdrawals_suspended or bool(
        organisation and organisation.withdrawals_suspended)


def withdrawal_request(*, actor, member: Member, share_class: ShareClass, shares: int,
                       requested_on: dt.date) -> WithdrawalRequest:
    if shares <= 0:
        raise WithdrawalRefused("Enter a number of shares greater than zero.")
    with transaction.atomic():
        member = current_member_lock(member.pk)
        if not share_class.withdrawable:
            raise WithdrawalRefused(f"{share_class.name} cannot be withdrawn under the rules.",
                                    field="share_class")
        check_can_receive_payment(member, requested_on)
        held = holding_of(member, share_class)
        available = (held.shares if held else 0) - queued_shares(member, share_class)
        if shares > available:
            raise WithdrawalRefused(
                f"You can withdraw at most {available:,} {share_class.name} shares "
                f"({money(available * share_class.par_value)}): that is what you hold, less "
                "any withdrawals already waiting.")
        request = WithdrawalRequest.objects.create(
            member=member, share_class=share_class, shares=shares, requested_on=requested_on,
            eligible_on=notice_ends(share_class, requested_on))
        audit_record(actor=actor, action="withdrawal.requested", target=request, changes={
            "member_number": member.member_number, "share_class": share_class.code,
            "shares": shares, "requested_on": requested_on,
            "eligible_on": request.eligible_on})
        return request


def withdrawal_cancel(*, actor, withdrawal: WithdrawalRequest, note: str = ""
                      ) -> WithdrawalRequest:
    with transaction.atomic():
        withdrawal = WithdrawalRequest.objects.select_for_update().get(pk=withdrawal.pk)
        if withdrawal.status != WithdrawalStatus.QUEUED:
            raise WrongState("Only a withdrawal that is still waiting can be cancelled.")
        withdrawal.status = WithdrawalStatus.CANCELLED
        withdrawal.note = note[:300]
        withdrawal.save(update_fields=["status", "note"])
        audit_record(actor=actor, action="withdrawal.cancelled", target=withdrawal,
                     changes={"note": note})
        return withdrawal


def _repay(*, actor, member: Member, share_class: ShareClass, shares: int, on: dt.date,
           reference: str, note: str = ""):
    payout_each = share_class.payout_per_share
    amount = (payout_each * shares).quantize(Decimal("0.01"))
    asset_lock_check_share_payout(organisation=organisation_get(), share_class=share_class,
                                  shares=shares, amount=amount)
    entry = ledger_post(member=member, share_class=share_class,
                        kind=TransactionKind.WITHDRAWAL, shares=-shares, effective_on=on,
                        actor=actor, consideration=amount, reference=reference, note=note)
    return entry, payout_each, amount


def withdrawal_pay(*, actor, withdrawal: WithdrawalRequest, paid_on: dt.date
                   ) -> WithdrawalRequest:
    """Pay one due withdrawal. Refused while withdrawals are suspended (the request keeps
    its place in the queue) or before the notice period ends."""
    from .members import member_cease

    with transaction.atomic():
        withdrawal = WithdrawalRequest.objects.select_for_update().get(pk=withdrawal.pk)
        member = member_lock(withdrawal.member_id)
        share_class = withdrawal.share_class
        if withdrawal.status != WithdrawalStatus.QUEUED:
            raise WrongState(f"This withdrawal is {withdrawal.get_status_display().lower()}.")
        if withdrawals_suspended(share_class):
            raise WithdrawalsSuspended("The board has suspended withdrawals; the request "
                                       "keeps its place in the queue and nothing is paid.")
        if paid_on < withdrawal.eligible_on:
            raise WrongState(f"The notice period ends on {long_date(withdrawal.eligible_on)}; "
                             "the withdrawal cannot be paid before then.")
        check_can_receive_payment(member, paid_on)
        entry, each, amount = _repay(actor=actor, member=member, share_class=share_class,
                                     shares=withdrawal.shares, on=paid_on,
                                     reference=f"withdrawal {withdrawal.pk}")
        withdrawal.status = WithdrawalStatus.PAID
        withdrawal.paid_on = paid_on
        withdrawal.value_per_share = each
        withdrawal.amount_paid = amount
        withdrawal.transaction = entry
        withdrawal.save()
        audit_record(actor=actor, action="withdrawal.paid", target=withdrawal,
                     changes={"amount": amount, "value_per_share": each, "paid_on": paid_on})
        remaining = held_shares(member, share_class)
        organisation = organisation_get()
        if remaining < share_class.min_holding and (
                remaining == 0 or (organisation and organisation.membership_ends_below_minimum)):
            held_elsewhere = member.holdings.exclude(share_class=share_class).filter(
                shares__gt=0).exists()
            if not held_elsewhere:
                member_cease(actor=actor, member=member, ceased_on=paid_on,
                             reason=CessationReason.WITHDREW_ALL if remaining == 0
                             else CessationReason.BELOW_MINIMUM,
                             note=f"after withdrawal {withdrawal.pk}")
        return withdrawal


def withdrawals_due(*, on: dt.date):
    return WithdrawalRequest.objects.filter(
        status=WithdrawalStatus.QUEUED, eligible_on__lte=on,
    ).select_related("member", "share_class").order_by("eligible_on", "created_at", "id")


def withdrawals_pay_due(*, actor, paid_on: dt.date, solvency_confirmed: bool,
                        limit: Decimal | None = None) -> list[WithdrawalRequest]:
    """Pay due withdrawals first-in first-out, once the board has confirmed that the
    society can pay its debts now and for a year after. With `limit`, stop before the
    total would pass it (the board may pay only part of the queue)."""
    if not solvency_confirmed:
        raise WrongState("The board must confirm the society stays solvent after these "
                         "payments before any are made.", field="solvency_confirmed")
    paid, total = [], Decimal("0")
    for withdrawal in withdrawals_due(on=paid_on):
        if withdrawals_suspended(withdrawal.share_class):
            continue
        cost = withdrawal.shares * withdrawal.share_class.payout_per_share
        if limit is not None and total + cost > limit:
            break
        try:
            paid.append(withdrawal_pay(actor=actor, withdrawal=withdrawal, paid_on=paid_on))
        except WithdrawalRefused:
            continue  # for example a member still under 16: stays queued
        total += cost
    with transaction.atomic():
        audit_record(actor=actor, action="withdrawal.batch_paid", changes={
            "paid_on": paid_on, "count": len(paid), "total": total,
            "solvency_confirmed": True, "limit": limit})
    return paid
