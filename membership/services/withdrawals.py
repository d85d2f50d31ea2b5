"""Withdrawals of share capital: a request (or the repayment owed to a member who left)
joins a first-in first-out queue, becomes due when the notice period has passed, and is
paid in a batch the board decides, once it has confirmed the society stays solvent, unless
it has suspended withdrawals. The board may pay whole requests in turn up to a sum, or the
same share of every due request (pro rata). Payouts are at par or the written-down value
in force on the day, and pass the asset-lock gate first."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from governance.asset_lock import asset_lock_check_share_payout
from governance.exceptions import DomainError
from governance.formatting import long_date, money
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic

from ..exceptions import WithdrawalRefused, WithdrawalsSuspended, WrongState
from ..models import (
    Member,
    ShareClass,
    TransactionKind,
    WithdrawalBatch,
    WithdrawalPayment,
    WithdrawalRequest,
    WithdrawalStatus,
)
from .ledger import (
    check_date,
    check_within_membership,
    current_member_lock,
    holding_range,
    ledger_post,
    members_lock,
)
from .members import member_cease_if_below_minimum
from .queue import (
    check_can_receive_payment,
    queued_shares,
    withdrawal_enqueue,
    withdrawals_suspended,
)


def withdrawal_request(*, actor, member: Member, share_class: ShareClass, shares: int,
                       requested_on: dt.date) -> WithdrawalRequest:
    if shares <= 0:
        raise WithdrawalRefused("Enter a number of shares greater than zero.")
    with atomic():
        member = current_member_lock(member.pk)
        check_date(requested_on, field="requested_on", what="A withdrawal request")
        check_within_membership(member, requested_on, field="requested_on", incoming=False)
        if not share_class.withdrawable:
            raise WithdrawalRefused(f"{share_class.name} cannot be withdrawn under the rules.",
                                    field="share_class")
        check_can_receive_payment(member, requested_on)
        held = holding_range(member, share_class, requested_on)[1]
        available = held - queued_shares(member, share_class)
        if shares > available:
            raise WithdrawalRefused(
                f"You can withdraw at most {available:,} {share_class.name} shares "
                f"({money(available * share_class.par_value)}): that is what you hold, less "
                "any withdrawals already waiting.")
        return withdrawal_enqueue(actor=actor, member=member, share_class=share_class,
                                  shares=shares, requested_on=requested_on)


def withdrawal_cancel(*, actor, withdrawal: WithdrawalRequest, note: str = ""
                      ) -> WithdrawalRequest:
    with atomic():
        withdrawal = _lock_request(withdrawal)
        if withdrawal.status != WithdrawalStatus.QUEUED:
            raise WrongState("Only a withdrawal that is still waiting can be cancelled.")
        if withdrawal.member.ceased_on is not None:
            raise WrongState("This is the repayment owed to a former member; it cannot be "
                             "cancelled.")
        withdrawal.status = WithdrawalStatus.CANCELLED
        withdrawal.note = note[:300]
        withdrawal.save(update_fields=["status", "note"])
        audit_record(actor=actor, action="withdrawal.cancelled", target=withdrawal,
                     changes={"note": note})
        return withdrawal


def _lock_request(withdrawal: WithdrawalRequest) -> WithdrawalRequest:
    """The member first, then the request (the platform's lock order)."""
    member_id = WithdrawalRequest.objects.values_list("member_id", flat=True).get(
        pk=withdrawal.pk)
    members_lock([member_id])
    return WithdrawalRequest.objects.select_for_update().select_related(
        "member", "share_class").get(pk=withdrawal.pk)


def withdrawals_due(*, on: dt.date):
    return WithdrawalRequest.objects.filter(
        status=WithdrawalStatus.QUEUED, eligible_on__lte=on,
    ).select_related("member", "share_class").order_by("eligible_on", "created_at", "id")


@dataclass
class BatchResult:
    batch: WithdrawalBatch
    paid: list[WithdrawalPayment] = field(default_factory=list)
    held_back: list[tuple[WithdrawalRequest, str]] = field(default_factory=list)


def _check_batch(*, paid_on: dt.date, solvency_confirmed: bool, minute_reference: str,
                 mode: str, limit: Decimal | None) -> None:
    if not solvency_confirmed:
        raise WrongState("The board must confirm the society stays solvent after these "
                         "payments before any are made.", field="solvency_confirmed")
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference of the board's solvency confirmation.",
                          field="minute_reference")
    if mode not in WithdrawalBatch.Mode.values:
        raise DomainError("Choose how the queue is paid.", field="mode")
    if mode == WithdrawalBatch.Mode.PRO_RATA and limit is None:
        raise DomainError("A pro rata payment shares out a sum: enter how much the board "
                          "will pay.", field="limit")
    if limit is not None and limit < 0:
        raise DomainError("Enter a sum of £0 or more.", field="limit")
    check_date(paid_on, field="paid_on", what="A payment")


def withdrawals_pay(*, actor, paid_on: dt.date, solvency_confirmed: bool,
                    minute_reference: str, mode: str = WithdrawalBatch.Mode.IN_TURN,
                    limit: Decimal | None = None,
                    requests: list[WithdrawalRequest] | None = None) -> BatchResult:
    """Pay due withdrawals in one transaction: all of the batch, with its audit row, or
    none of it. `requests` narrows the batch to some requests (paying one request now);
    otherwise every due request in queue order. Requests the board has suspended stay in
    the queue; a member under 16 is held back until they can give a receipt."""
    _check_batch(paid_on=paid_on, solvency_confirmed=solvency_confirmed,
                 minute_reference=minute_reference, mode=mode, limit=limit)
    with atomic():
        due = list(withdrawals_due(on=paid_on))
        if requests is not None:
            wanted = {r.pk for r in requests}
            due = [r for r in due if r.pk in wanted]
        # Lock order: every member of the batch first, in id order; then their requests.
        members = members_lock([r.member_id for r in due])
        locked = {r.pk: r for r in WithdrawalRequest.objects.select_for_update().filter(
            pk__in=[r.pk for r in due]).order_by("pk")}
        batch = WithdrawalBatch.objects.create(
            paid_on=paid_on, minute_reference=minute_reference.strip(), mode=mode,
            limit=limit, recorded_by_id=getattr(actor, "pk", None))
        result = BatchResult(batch=batch)
        payable = []
        for request in due:
            request = locked[request.pk]
            request.member = members[request.member_id]
            if request.status != WithdrawalStatus.QUEUED:
                continue
            if withdrawals_suspended(request.share_class):
                result.held_back.append((request, "withdrawals are suspended"))
                continue
            try:
                check_can_receive_payment(request.member, paid_on, payee=request.payee)
            except WithdrawalRefused as exc:
                result.held_back.append((request, exc.message))
                continue
            payable.append(request)
        for request, shares in _shares_to_pay(payable, paid_on=paid_on, mode=mode,
                                              limit=limit):
            result.paid.append(_pay(actor=actor, request=request, shares=shares,
                                    paid_on=paid_on, batch=batch))
        batch.count = len(result.paid)
        batch.total = sum((p.amount for p in result.paid), Decimal("0"))
        batch.save(update_fields=["count", "total"])
        audit_record(actor=actor, action="withdrawal.batch_paid", target=batch, changes={
            "paid_on": paid_on, "count": batch.count, "total": batch.total,
            "solvency_confirmed": True, "minute_reference": batch.minute_reference,
            "mode": mode, "limit": limit,
            "held_back": [[r.pk, why] for r, why in result.held_back]})
        return result


def _shares_to_pay(requests: list[WithdrawalRequest], *, paid_on: dt.date, mode: str,
                   limit: Decimal | None):
    """In turn: whole requests, first in first out, stopping before the sum would pass the
    limit (a later, smaller request does not jump the queue). Pro rata: every due request
    is paid the same fraction of what it is owed, in whole shares, rounded down."""
    if mode == WithdrawalBatch.Mode.PRO_RATA:
        owed = sum((r.value_on(paid_on) for r in requests), Decimal("0"))
        fraction = Decimal("1") if owed <= limit else limit / owed
        for request in requests:
            shares = int((request.shares_outstanding * fraction).to_integral_value(ROUND_FLOOR))
            if shares:
                yield request, shares
        return
    total = Decimal("0")
    for request in requests:
        cost = request.value_on(paid_on)
        if limit is not None and total + cost > limit:
            return
        total += cost
        yield request, request.shares_outstanding


def _pay(*, actor, request: WithdrawalRequest, shares: int, paid_on: dt.date,
         batch: WithdrawalBatch) -> WithdrawalPayment:
    if paid_on < request.eligible_on:
        raise WrongState(f"The notice period ends on {long_date(request.eligible_on)}; the "
                         "withdrawal cannot be paid before then.", field="paid_on")
    share_class, member = request.share_class, request.member
    each = share_class.payout_per_share(paid_on)
    amount = (each * shares).quantize(Decimal("0.01"))
    asset_lock_check_share_payout(organisation=organisation_get(), share_class=share_class,
                                  shares=shares, amount=amount, actor=actor)
    note = f"repaid to {request.payee}" if request.payee else (
        "repaid on leaving" if member.ceased_on else "")
    entry = ledger_post(member=member, share_class=share_class,
                        kind=TransactionKind.WITHDRAWAL, shares=-shares, effective_on=paid_on,
                        actor=actor, consideration=amount,
                        reference=f"withdrawal {request.pk}", note=note)
    payment = WithdrawalPayment.objects.create(
        request=request, batch=batch, transaction=entry, shares=shares,
        value_per_share=each, amount=amount, paid_on=paid_on)
    request.shares_paid += shares
    if request.shares_paid == request.shares:
        request.status = WithdrawalStatus.PAID
    request.save(update_fields=["shares_paid", "status"])
    audit_record(actor=actor, action="withdrawal.paid", target=request, changes={
        "batch_id": batch.pk, "shares": shares, "amount": amount, "value_per_share": each,
        "paid_on": paid_on, "outstanding": request.shares_outstanding})
    member_cease_if_below_minimum(actor=actor, member=member, share_class=share_class,
                                  on=paid_on, after=f"withdrawal {request.pk}")
    return payment


def withdrawal_pay(*, actor, withdrawal: WithdrawalRequest, paid_on: dt.date,
                   minute_reference: str, solvency_confirmed: bool = True
                   ) -> WithdrawalRequest:
    """Pay one due request in full now (a batch of one), with the board's solvency
    confirmation. Refused with the reason while it cannot be paid."""
    withdrawal = WithdrawalRequest.objects.select_related("member", "share_class").get(
        pk=withdrawal.pk)
    if withdrawal.status != WithdrawalStatus.QUEUED:
        raise WrongState(f"This withdrawal is {withdrawal.get_status_display().lower()}.")
    if paid_on < withdrawal.eligible_on:
        raise WrongState(f"The notice period ends on {long_date(withdrawal.eligible_on)}; "
                         "the withdrawal cannot be paid before then.", field="paid_on")
    if withdrawals_suspended(withdrawal.share_class):
        raise WithdrawalsSuspended("The board has suspended withdrawals; the request "
                                   "keeps its place in the queue and nothing is paid.")
    check_can_receive_payment(withdrawal.member, paid_on, payee=withdrawal.payee)
    withdrawals_pay(actor=actor, paid_on=paid_on, solvency_confirmed=solvency_confirmed,
                    minute_reference=minute_reference, requests=[withdrawal])
    withdrawal.refresh_from_db()
    return withdrawal
