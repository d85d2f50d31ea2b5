"""The withdrawal queue's basic parts, shared by withdrawals (a member asks) and cessation
(a member leaves and is owed their withdrawable shares): notice periods, what is already
queued, whether the board has suspended payments, and who may receive money."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import F, Sum

from governance.selectors import organisation_get
from governance.services import audit_record

from ..exceptions import WithdrawalRefused
from ..models import (
    Member,
    ShareClass,
    WithdrawalReason,
    WithdrawalRequest,
    WithdrawalStatus,
)

MINIMUM_AGE_FOR_RECEIPT = 16  # CCBSA s.31: under 16 cannot give a valid receipt


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return relativedelta(on, date_of_birth).years


def notice_ends(share_class: ShareClass, requested_on: dt.date) -> dt.date:
    return requested_on + relativedelta(months=share_class.withdrawal_notice_months,
                                        days=share_class.withdrawal_notice_days)


def queued_shares(member: Member, share_class: ShareClass) -> int:
    """Shares already waiting to be paid out (requested, not yet paid)."""
    return WithdrawalRequest.objects.filter(
        member=member, share_class=share_class, status=WithdrawalStatus.QUEUED,
    ).aggregate(total=Sum(F("shares") - F("shares_paid")))["total"] or 0


def check_can_receive_payment(member: Member, on: dt.date, *, payee: str = "") -> None:
    """A member under 16 cannot give a valid receipt, so cannot be paid share capital
    (the estate of a member who died can)."""
    if payee:
        return
    if member.date_of_birth and age_on(member.date_of_birth, on) < MINIMUM_AGE_FOR_RECEIPT:
        raise WithdrawalRefused(
            "Members under 16 cannot be paid share capital, because they cannot give a "
            "valid receipt for the money.")


def withdrawals_suspended(share_class: ShareClass) -> bool:
    organisation = organisation_get()
    return share_class.withdrawals_suspended or bool(
        organisation and organisation.withdrawals_suspended)


def withdrawal_enqueue(*, actor, member: Member, share_class: ShareClass, shares: int,
                       requested_on: dt.date, reason: str = WithdrawalReason.REQUESTED,
                       payee: str = "") -> WithdrawalRequest:
    """Add a request to the queue (the caller holds the member lock and has checked it)."""
    request = WithdrawalRequest.objects.create(
        member=member, share_class=share_class, shares=shares, requested_on=requested_on,
        eligible_on=notice_ends(share_class, requested_on), reason=reason, payee=payee)
    audit_record(actor=actor, action="withdrawal.requested", target=request, changes={
        "member_number": member.member_number, "share_class": share_class.code,
        "shares": shares, "requested_on": requested_on, "eligible_on": request.eligible_on,
        "reason": reason, "payee": payee})
    return request
