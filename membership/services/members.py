"""Changes to a member's entry: class changes, the board's confirmation that a member is a
registered society, and leaving. History is kept: nothing is deleted."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Max

from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.outbox import delivery_queue
from governance.selectors import organisation_get
from governance.services import audit_record, invitation_queue
from governance.transactions import atomic

from ..exceptions import WrongState
from ..models import (
    CessationReason,
    Member,
    MemberClassPeriod,
    MemberKind,
    ShareClass,
    StakeholderClass,
    TransactionKind,
    WithdrawalReason,
    WithdrawalRequest,
)
from .ledger import (
    check_date,
    current_member_lock,
    holding_range,
    ledger_post,
    member_lock,
)
from .queue import queued_shares, withdrawal_enqueue


def member_change_class(*, actor, member: Member, stakeholder_class: StakeholderClass,
                        changed_on: dt.date) -> Member:
    """Move a member to another class from a date. The date cannot be in the future, and
    the new class must allow every share class the member holds from that date on."""
    with atomic():
        member = current_member_lock(member.pk)
        check_date(changed_on, field="changed_on", what="A change of class")
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
        for share_class in ShareClass.objects.filter(
                transactions__member=member).exclude(pk__in=allowed).distinct():
            if holding_range(member, share_class, changed_on)[2] > 0:
                raise DomainError(f"Members of the {stakeholder_class.name} class cannot hold "
                                  f"{share_class.name}, and {member.full_name} holds them on "
                                  f"or after {long_date(changed_on)}; transfer or withdraw "
                                  "them first.", field="stakeholder_class")
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


def member_confirm_registered_society(*, actor, member: Member, registration_number: str,
                                      confirmed_on: dt.date, minute_reference: str) -> Member:
    """The board has checked the public register: this organisation member is itself a
    registered society, so the £100,000 limit on withdrawable shares does not apply
    (CCBSA s.24)."""
    if not registration_number.strip():
        raise DomainError("Enter the society's registration number (the FCA's mutuals "
                          "register shows it).", field="registration_number")
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference of the board's decision.",
                          field="minute_reference")
    with atomic():
        member = current_member_lock(member.pk)
        check_date(confirmed_on, field="confirmed_on", what="The board's confirmation")
        if member.kind != MemberKind.ORGANISATION:
            raise DomainError(f"{member.full_name} is an individual; only an organisation can "
                              "be a registered society.", field="registration_number")
        member.society_registration_number = registration_number.strip()
        member.registered_society_confirmed_on = confirmed_on
        member.registered_society_minute = minute_reference.strip()
        member.save(update_fields=["society_registration_number",
                                   "registered_society_confirmed_on",
                                   "registered_society_minute"])
        audit_record(actor=actor, action="member.registered_society_confirmed", target=member,
                     changes={"registration_number": member.society_registration_number,
                              "confirmed_on": confirmed_on, "minute": minute_reference})
        return member


def member_representative_set(*, actor, member: Member, full_name: str,
                              email: str) -> Member:
    """Name the person who represents an organisation member, with the login they use: an
    existing account with that email address, or a new one with an invitation to set a
    password (sent after commit). The representative votes for the organisation."""
    full_name, email = full_name.strip(), email.strip().lower()
    if not full_name:
        raise DomainError("Enter the representative's name.", field="full_name")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError("Enter the email address the representative signs in with, like "
                          "name@example.org.", field="email") from exc
    User = get_user_model()
    with atomic():
        member = current_member_lock(member.pk)
        if member.kind != MemberKind.ORGANISATION:
            raise DomainError(f"{member.full_name} is an individual and votes themselves; "
                              "only an organisation has a representative.", field="email")
        user = User.objects.filter(email__iexact=email).first()
        invited = user is None
        if invited:
            user = User.objects.create_user(email=email, full_name=full_name)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            audit_record(actor=actor, action="account.invited", target=user, changes={
                "email": email, "reason": f"representative of member {member.member_number}"})
        before = member.representative_user.email if member.representative_user else None
        member.representative, member.representative_user = full_name, user
        member.save(update_fields=["representative", "representative_user"])
        audit_record(actor=actor, action="member.representative_set", target=member,
                     changes={"representative": full_name, "from": before, "to": user.email})
        if invited:
            invitation_queue(user=user, reason=f"You represent {member.full_name}, a member; "
                                               "this is your login to vote for it.")
        return member


def member_representative_remove(*, actor, member: Member) -> Member:
    """The organisation's representative no longer acts for it: their login no longer
    votes for it (the name stays on the entry until a new one is given)."""
    with atomic():
        member = current_member_lock(member.pk)
        if member.representative_user is None:
            raise WrongState(f"No login represents {member.full_name}.")
        before = member.representative_user.email
        member.representative_user = None
        member.save(update_fields=["representative_user"])
        audit_record(actor=actor, action="member.representative_removed", target=member,
                     changes={"from": before})
        return member


def member_login_email_change(*, actor, member: Member, email: str,
                              evidence: str) -> EmailAddress:
    """A member who can no longer use the address they sign in with (a mailbox they lost,
    a password reset they cannot receive) asks the secretary to change it. The secretary
    records how they checked who was asking; the new address is sent a link to confirm it
    and the old one is told at once. Nothing changes until the link is followed: allauth
    then makes it the address they sign in with (and tells the old address again), and the
    entry's email follows (`member_email_follow_login`). One change waits at a time."""
    email, evidence = email.strip().lower(), evidence.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError("Enter the new email address, like name@example.org.",
                          field="email") from exc
    if not evidence:
        raise DomainError("Record how you checked that the request comes from the member "
                          "(for example: seen in person with a passport, on 3 March).",
                          field="evidence")
    with atomic():
        member = current_member_lock(member.pk)
        user = member.user
        if user is None:
            raise DomainError(f"{member.full_name} has no login yet: invite them instead.",
                              field="email")
        if user.pk == getattr(actor, "pk", None):
            raise DomainError("Change your own address on your account's email page.",
                              field="email")
        if user.email.lower() == email:
            raise DomainError("That is already the address they sign in with.", field="email")
        if (get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
                or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()):
            raise DomainError("Another account uses that address.", field="email")
        EmailAddress.objects.filter(user=user, verified=False, primary=False).delete()
        pending = EmailAddress.objects.create(user=user, email=email, verified=False,
                                              primary=False)
        audit_record(actor=actor, action="member.login_email_change_requested", target=member,
                     changes={"login": user.pk, "from": user.email, "to": email,
                              "evidence": evidence})
        payload = {"email_address_id": pending.pk, "member_id": member.pk}
        delivery_queue(kind="login_email_confirm", key=f"login-email:confirm:{pending.pk}",
                       to_email=email, payload=payload)
        delivery_queue(kind="login_email_notice", key=f"login-email:notice:{pending.pk}",
                       to_email=user.email, payload=payload)
        return pending


def member_email_follow_login(*, user, old_email: str, new_email: str) -> None:
    """The address a member signs in with has changed (they confirmed it): their entry on
    the register, which held the old address, holds the new one. Where they get notices
    is their own choice, made on their page, and does not change."""
    with atomic():
        for member in Member.objects.select_for_update().filter(
                user=user, ceased_on__isnull=True, email__iexact=old_email):
            member.email = new_email
            member.save(update_fields=["email"])
            audit_record(actor=user, action="member.email_changed", target=member,
                         changes={"from": old_email, "to": new_email})


def _check_cessation_date(member: Member, ceased_on: dt.date) -> None:
    check_date(ceased_on, field="ceased_on", what="The end of a membership")
    if ceased_on < member.admitted_on:
        raise DomainError(f"A membership cannot end before it began "
                          f"({long_date(member.admitted_on)}).", field="ceased_on")
    latest = {
        "the last entry in the share ledger": member.transactions.aggregate(
            d=Max("effective_on"))["d"],
        "the start of the member's current class": member.class_periods.aggregate(
            d=Max("started_on"))["d"],
        "the member's last withdrawal request": member.withdrawals.aggregate(
            d=Max("requested_on"))["d"],
    }
    for what, day in latest.items():
        if day is not None and ceased_on < day:
            raise DomainError(f"The membership cannot end before {what} "
                              f"({long_date(day)}); enter that date or a later one.",
                              field="ceased_on")


def member_cease(*, actor, member: Member, ceased_on: dt.date, reason: str,
                 note: str = "") -> Member:
    """End a membership on a date (not in the future, and not before anything already in
    the member's history). Withdrawable shares are repaid through the withdrawal queue,
    under the same notice period, suspension, order and solvency rules as any withdrawal
    (to the estate on death): until then the entry reads "ceased, repayment pending".
    Other shares are cancelled, or forfeited on expulsion, and the money goes to reserves.
    A member under 16 can leave; only the payment waits until they can give a receipt."""
    if reason not in CessationReason.values:
        raise DomainError("Choose why the membership ends.", field="reason")
    if reason == CessationReason.EXPELLED and not note.strip():
        raise DomainError("Record the decision to expel (meeting and minute reference).",
                          field="note")
    with atomic():
        member = member_lock(member.pk)
        if member.ceased_on is not None:
            raise WrongState(f"{member.full_name}'s membership already ended on "
                             f"{long_date(member.ceased_on)}.")
        _check_cessation_date(member, ceased_on)
        payee = f"the estate of {member.full_name}" if reason == CessationReason.DIED else ""
        for holding in member.holdings.filter(shares__gt=0).select_related("share_class"):
            share_class = holding.share_class
            if share_class.sale_notice_days is not None and reason not in (
                    CessationReason.SHARES_SOLD, CessationReason.DIED):
                raise WrongState(
                    f"{member.full_name} holds {share_class.name}, which the articles say "
                    "must be sold when a member leaves: record a notice to sell instead.")
            if share_class.withdrawable:
                owed = holding.shares - queued_shares(member, share_class)
                if owed > 0:
                    withdrawal_enqueue(actor=actor, member=member, share_class=share_class,
                                       shares=owed, requested_on=ceased_on,
                                       reason=WithdrawalReason.ON_LEAVING, payee=payee)
            else:
                kind = (TransactionKind.FORFEITURE if reason == CessationReason.EXPELLED
                        else TransactionKind.CANCELLATION)
                ledger_post(member=member, share_class=share_class, kind=kind,
                            shares=-holding.shares, effective_on=ceased_on, actor=actor,
                            reference="cessation", note="cancelled; value to reserves")
        if payee:
            WithdrawalRequest.objects.filter(member=member, payee="").update(payee=payee)
        MemberClassPeriod.objects.filter(member=member, ended_on__isnull=True,
                                         started_on__lt=ceased_on).update(ended_on=ceased_on)
        member.ceased_on = ceased_on
        member.cessation_reason = reason
        member.cessation_note = note.strip()
        member.save(update_fields=["ceased_on", "cessation_reason", "cessation_note"])
        audit_record(actor=actor, action="member.ceased", target=member, changes={
            "ceased_on": ceased_on, "reason": reason, "note": note})
        return member


def member_cease_if_below_minimum(*, actor, member: Member, share_class: ShareClass,
                                  on: dt.date, after: str, reason: str | None = None) -> bool:
    """After shares leave a holding: a member left with no shares at all, or below the
    class minimum where the rules end membership then, leaves the register. Returns
    whether they did."""
    if Member.objects.filter(pk=member.pk, ceased_on__isnull=False).exists():
        return False
    remaining = holding_range(member, share_class, on)[0]
    if remaining >= share_class.min_holding:
        return False
    organisation = organisation_get()
    if remaining and not (organisation and organisation.membership_ends_below_minimum):
        return False
    if member.holdings.exclude(share_class=share_class).filter(shares__gt=0).exists():
        return False
    member_cease(actor=actor, member=member, ceased_on=on,
                 reason=reason or (CessationReason.WITHDREW_ALL if remaining == 0
                                   else CessationReason.BELOW_MINIMUM),
                 note=f"after {after}")
    return True
