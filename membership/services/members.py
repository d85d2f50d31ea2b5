"""Changes to a member's entry: class changes and cessation. History is kept: nothing is
deleted."""

import datetime as dt

from django.db import transaction

from governance.exceptions import DomainError
from governance.services import audit_record

from ..exceptions import WrongState
from ..models import (
    CessationReason,
    Member,
    MemberClassPeriod,
    StakeholderClass,
    TransactionKind,
    WithdrawalRequest,
    WithdrawalStatus,
)
from .ledger import current_member_lock, ledger_post, long_date, member_lock


def member_change_class(*, actor, member: Member, stakeholder_class: StakeholderClass,
                        changed_on: dt.date) -> Member:
    with transaction.atomic():
        member = current_member_lock(member.pk)
        if member.stakeholder_class_id == stakeholder_class.pk:
            raise DomainError(f"{member.full_name} is already in the {stakeholder_class.name} "
                              "class.", field="stakeholder_class")
        current = MemberClassPeriod.objects.select_for_update().get(member=member,
                                                                    ended_on__isnull=True)
        if changed_on <= current.started_on:
            raise DomainError(f"The change must be dated after {long_date(current.started_on)}, "
                              "when the member joined their current class.",
                              field="changed_on")
        allowed = set(stakeholder_class.share_classes.values_list("pk", flat=True))
        held = member.holdings.filter(shares__gt=0).exclude(share_class__in=allowed)
        if held.exists():
            raise DomainError(f"Members of the {stakeholder_class.name} class cannot hold "
                              f"{held.first().share_class.name}; transfer or withdraw them "
                              "first.", field="stakeholder_class")
        current.ended_on = changed_on
        current.save(update_fields=["ended_on"])
        MemberClassPeriod.objects.create(member=member, stakeholder_class=stakeholder_class,
                                         started_on=changed_on)
        before = member.stakeholder_class.slug
        member.stakeholder_class = stakeholder_class
        member.save(update_fields=["stakeholder_class"])
        audit_record(actor=actor, action="member.class_changed", target=member, changes={
            "from": before, "to": stakeholder_class.slug, "changed_on": changed_on})
        return member


def member_cease(*, actor, member: Member, ceased_on: dt.date, reason: str,
                 note: str = "") -> Member:
    """End a membership. Withdrawable shares are repaid (to the estate on death);
    other shares are cancelled (expulsion: forfeited) and the money goes to reserves.
    Waiting withdrawals are cancelled. The entry stays in the register with its date."""
    from .withdrawals import _repay, check_can_receive_payment

    if reason not in CessationReason.values:
        raise DomainError("Choose why the membership ends.", field="reason")
    if reason == CessationReason.EXPELLED and not note.strip():
        raise DomainError("Record the decision to expel (meeting and minute reference).",
                          field="note")
    with transaction.atomic():
        member = member_lock(member.pk)
        if member.ceased_on is not None:
            raise WrongState(f"{member.full_name}'s membership already ended on "
                             f"{long_date(member.ceased_on)}.")
        if ceased_on < member.admitted_on:
            raise DomainError("A membership cannot end before it began.", field="ceased_on")
        for holding in member.holdings.filter(shares__gt=0).select_related("share_class"):
            share_class = holding.share_class
            if share_class.withdrawable:
                if reason != CessationReason.DIED:
                    check_can_receive_payment(member, ceased_on)
                _repay(actor=actor, member=member, share_class=share_class,
                       shares=holding.shares, on=ceased_on, reference="cessation",
                       note="repaid to the estate" if reason == CessationReason.DIED
                       else "repaid on leaving")
            else:
                kind = (TransactionKind.FORFEITURE if reason == CessationReason.EXPELLED
                        else TransactionKind.CANCELLATION)
                ledger_post(member=member, share_class=share_class, kind=kind,
                            shares=-holding.shares, effective_on=ceased_on, actor=actor,
                            reference="cessation", note="cancelled; value to reserves")
        for waiting in WithdrawalRequest.objects.filter(member=member,
                                                         status=WithdrawalStatus.QUEUED):
            waiting.status = WithdrawalStatus.CANCELLED
            waiting.note = "membership ended"
            waiting.save(update_fields=["status", "note"])
        MemberClassPeriod.objects.filter(member=member, ended_on__isnull=True).update(
            ended_on=ceased_on if ceased_on > member.admitted_on else None)
        member.ceased_on = ceased_on
        member.cessation_reason = reason
        member.cessation_note = note.strip()
        member.save(update_fields=["ceased_on", "cessation_reason", "cessation_note"])
        audit_record(actor=actor, action="member.ceased", target=member, changes={
            "ceased_on": ceased_on, "reason": reason, "note": note})
        return member
