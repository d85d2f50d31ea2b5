"""Notices to sell shares, as in the articles of a staff-owned company limited by shares:
a member who stops being eligible (leaves employment) is deemed to have given notice to
sell their shares. Once the notice period (21 days in the model articles) has passed, the
shares are transferred to an eligible person at par, with the board's approval, or bought
back by the company at no more than their paid-up value (the asset lock: CIC Regulations
2005 Sch.3 para 1). A member left with no shares leaves the register."""

import datetime as dt
from decimal import Decimal

from governance.asset_lock import asset_lock_check_share_payout
from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic

from ..exceptions import WrongState
from ..models import CessationReason, Member, SaleNotice, TransactionKind
from .ledger import (
    check_date,
    check_within_membership,
    current_member_lock,
    ledger_post,
    members_lock,
)
from .members import member_cease_if_below_minimum
from .transfers import share_transfer


def member_left_eligibility(*, actor, member: Member, left_on: dt.date,
                            reason: str) -> list[SaleNotice]:
    """Record that a member stopped being eligible (for example left employment). For
    each holding whose articles make that a deemed notice to sell, open the notice."""
    if not reason.strip():
        raise DomainError("Say what happened (for example \u201cleft employment\u201d).",
                          field="reason")
    with atomic():
        member = current_member_lock(member.pk)
        check_date(left_on, field="left_on", what="Leaving")
        check_within_membership(member, left_on, field="left_on", incoming=False)
        holdings = member.holdings.filter(shares__gt=0,
                                          share_class__sale_notice_days__isnull=False
                                          ).select_related("share_class")
        if not holdings:
            raise DomainError(f"{member.full_name} holds no shares that the articles say must "
                              "be sold on leaving.", field="left_on")
        notices = []
        for holding in holdings:
            share_class = holding.share_class
            if SaleNotice.objects.filter(member=member, share_class=share_class,
                                         status=SaleNotice.Status.OPEN).exists():
                raise WrongState(f"A notice to sell {member.full_name}'s {share_class.name} "
                                 "is already open.")
            notice = SaleNotice.objects.create(
                member=member, share_class=share_class, shares=holding.shares,
                given_on=left_on, deemed=True, reason=reason.strip(),
                due_on=left_on + dt.timedelta(days=share_class.sale_notice_days))
            audit_record(actor=actor, action="sale_notice.deemed", target=notice, changes={
                "member_number": member.member_number, "share_class": share_class.code,
                "shares": holding.shares, "given_on": left_on, "due_on": notice.due_on,
                "reason": reason})
            notices.append(notice)
        return notices


def _open_notice(notice: SaleNotice) -> SaleNotice:
    member_id = SaleNotice.objects.values_list("member_id", flat=True).get(pk=notice.pk)
    members_lock([member_id])
    notice = SaleNotice.objects.select_for_update().select_related(
        "member", "share_class").get(pk=notice.pk)
    if notice.status != SaleNotice.Status.OPEN:
        raise WrongState(f"This notice is already {notice.get_status_display().lower()}.")
    return notice


def sale_notice_buy_back(*, actor, notice: SaleNotice, bought_back_on: dt.date,
                         price_per_share: Decimal, minute_reference: str) -> SaleNotice:
    """The company buys the shares back once the notice period has passed, at no more than
    their paid-up value."""
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference of the board's decision.",
                          field="minute_reference")
    if price_per_share < 0:
        raise DomainError("Enter a price of £0 or more.", field="price_per_share")
    with atomic():
        notice = _open_notice(notice)
        check_date(bought_back_on, field="bought_back_on", what="A buy-back")
        if bought_back_on < notice.due_on:
            raise DomainError(f"The notice runs until {long_date(notice.due_on)}: the shares "
                              "can be bought back from that date.", field="bought_back_on")
        amount = (price_per_share * notice.shares).quantize(Decimal("0.01"))
        asset_lock_check_share_payout(organisation=organisation_get(),
                                      share_class=notice.share_class, shares=notice.shares,
                                      amount=amount, actor=actor)
        entry = ledger_post(member=notice.member, share_class=notice.share_class,
                            kind=TransactionKind.BUYBACK, shares=-notice.shares,
                            effective_on=bought_back_on, actor=actor, consideration=amount,
                            reference=f"board minute {minute_reference.strip()}",
                            note=f"bought back after notice to sell ({notice.reason})")
        _complete(actor=actor, notice=notice, status=SaleNotice.Status.BOUGHT_BACK,
                  on=bought_back_on, entry=entry, minute_reference=minute_reference,
                  changes={"amount": amount, "price_per_share": price_per_share})
        return notice


def sale_notice_transfer(*, actor, notice: SaleNotice, to_member: Member,
                         transferred_on: dt.date, minute_reference: str) -> SaleNotice:
    """The shares go to an eligible member at par, with the board's approval."""
    with atomic():
        notice = _open_notice(notice)
        share_class = notice.share_class
        out, _into = share_transfer(
            actor=actor, from_member=notice.member, to_member=to_member,
            share_class=share_class, shares=notice.shares, transferred_on=transferred_on,
            consideration=share_class.par_value * notice.shares,
            minute_reference=minute_reference, note=f"notice to sell ({notice.reason})")
        _complete(actor=actor, notice=notice, status=SaleNotice.Status.TRANSFERRED,
                  on=transferred_on, entry=out, minute_reference=minute_reference,
                  changes={"to_member_number": to_member.member_number})
        return notice


def _complete(*, actor, notice: SaleNotice, status: str, on: dt.date, entry,
              minute_reference: str, changes: dict) -> None:
    notice.status = status
    notice.completed_on = on
    notice.minute_reference = minute_reference.strip()
    notice.transaction = entry
    notice.save(update_fields=["status", "completed_on", "minute_reference", "transaction"])
    audit_record(actor=actor, action=f"sale_notice.{status}", target=notice,
                 changes={"completed_on": on, "minute_reference": minute_reference, **changes})
    member_cease_if_below_minimum(actor=actor, member=notice.member,
                                  share_class=notice.share_class, on=on,
                                  after=f"notice to sell {notice.pk}",
                                  reason=CessationReason.SHARES_SOLD)

