"""From application to admitted member: apply, confirm the email, the board decides, the
payment is recorded, the shares are allotted and the member admitted."""

import datetime as dt
import secrets
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.exceptions import DomainError
from governance.formatting import long_date, money
from governance.outbox import delivery_queue
from governance.selectors import organisation_get
from governance.services import audit_record, invitation_queue
from governance.transactions import atomic

from ..exceptions import AlreadyRecorded, NotEligible, WrongState
from ..models import (
    Application,
    ApplicationStatus,
    CommunicationConsent,
    Member,
    MemberClassPeriod,
    MemberKind,
    Payment,
    ShareClass,
    StakeholderClass,
    TransactionKind,
)
from .ledger import (
    check_allotment_limits,
    check_date,
    current_member_lock,
    ledger_post,
    members_lock,
    next_member_number,
)
from .queue import age_on


def _check_application(*, kind: str, date_of_birth: dt.date | None,
                       stakeholder_class: StakeholderClass, share_class: ShareClass,
                       shares: int, member: Member | None, is_registered_society: bool,
                       society_registration_number: str, declarations: dict,
                       today: dt.date) -> None:
    organisation = organisation_get()
    if organisation is None:
        raise DomainError("The society is not set up to take applications yet.")
    missing = [name for name, given in declarations.items() if not given]
    if missing:
        labels = {"rules_accepted": "agree to the rules",
                  "data_use_accepted": "agree to how your information is used",
                  "risk_accepted": "confirm you understand you could lose the money you pay "
                                   "for shares"}
        raise DomainError(f"You must {labels[missing[0]]}.", field=missing[0])
    if not stakeholder_class.share_classes.filter(pk=share_class.pk).exists():
        raise NotEligible(f"Members in the {stakeholder_class.name} class cannot hold "
                          f"{share_class.name}.", field="share_class")
    if is_registered_society and kind != MemberKind.ORGANISATION:
        raise NotEligible("Only an organisation can be a registered society; an individual "
                          "applies as an individual.", field="is_registered_society")
    if is_registered_society and not society_registration_number.strip():
        raise NotEligible("Enter the society's registration number, so that the board can "
                          "check it on the public register.",
                          field="society_registration_number")
    if (kind == MemberKind.PERSON and organisation.minimum_age and member is None):
        if date_of_birth is None:
            raise NotEligible("Enter your date of birth: the rules set a minimum age.",
                              field="date_of_birth")
        if date_of_birth > today:
            raise NotEligible("Your date of birth cannot be in the future.",
                              field="date_of_birth")
        if age_on(date_of_birth, today) < organisation.minimum_age:
            raise NotEligible(f"Members must be at least {organisation.minimum_age} years old.",
                              field="date_of_birth")
    if shares <= 0:
        raise DomainError("Enter a number of shares greater than zero.", field="shares")
    if not is_registered_society:
        # A claim to be a registered society is checked by the board before the £100,000
        # limit is lifted; until then the application is taken and the board decides.
        check_allotment_limits(member=member, share_class=share_class, shares=shares)


def application_submit(*, full_name: str, address: str, email: str,
                       stakeholder_class: StakeholderClass, share_class: ShareClass,
                       shares: int, rules_accepted: bool, data_use_accepted: bool,
                       risk_accepted: bool, date_of_birth: dt.date | None = None,
                       kind: str = MemberKind.PERSON, representative: str = "",
                       is_registered_society: bool = False,
                       society_registration_number: str = "",
                       email_notices_accepted: bool = False) -> Application:
    """A public application. The applicant is emailed a link to confirm their address;
    only then does the application reach the secretary's queue. A former member may apply
    again: they get a new entry, and their old one stays in the register."""
    today = timezone.localdate()
    email = email.strip().lower()
    _check_application(kind=kind, date_of_birth=date_of_birth,
                       stakeholder_class=stakeholder_class, share_class=share_class,
                       shares=shares, member=None, is_registered_society=is_registered_society,
                       society_registration_number=society_registration_number,
                       declarations={"rules_accepted": rules_accepted,
                                     "data_use_accepted": data_use_accepted,
                                     "risk_accepted": risk_accepted},
                       today=today)
    if Member.objects.filter(email__iexact=email, ceased_on__isnull=True).exists():
        raise DomainError("There is already a member with this email address. Sign in to "
                          "buy more shares.", field="email")
    with atomic():
        application = Application.objects.create(
            kind=kind, full_name=full_name.strip(), representative=representative.strip(),
            address=address.strip(), email=email, date_of_birth=date_of_birth,
            is_registered_society=is_registered_society,
            society_registration_number=society_registration_number.strip()
            if is_registered_society else "",
            stakeholder_class=stakeholder_class, share_class=share_class, shares=shares,
            price_per_share=share_class.par_value, rules_accepted=True,
            data_use_accepted=True, risk_accepted=True, email_token=secrets.token_urlsafe(32),
            email_notices_accepted=email_notices_accepted,
        )
        audit_record(actor=None, action="application.submitted", target=application,
                     changes={"shares": shares, "share_class": share_class.code,
                              "stakeholder_class": stakeholder_class.slug,
                              "registered_society_claimed": is_registered_society})
        delivery_queue(kind="application_confirmation",
                       key=f"application_confirmation:{application.pk}", to_email=email,
                       payload={"application_id": application.pk})
        return application


def application_confirm_email(*, token: str) -> Application:
    """Following the emailed link moves the application into the secretary's queue.
    Following it again changes nothing."""
    with atomic():
        application = Application.objects.select_for_update().filter(email_token=token).first()
        if application is None:
            raise DomainError("This confirmation link is not valid. Check that you copied "
                              "the whole link from the email.")
        if application.status == ApplicationStatus.AWAITING_EMAIL:
            application.status = ApplicationStatus.SUBMITTED
            application.email_confirmed_at = timezone.now()
            application.save(update_fields=["status", "email_confirmed_at"])
            audit_record(actor=None, action="application.email_confirmed", target=application)
        return application


def application_for_more_shares(*, actor, member: Member, share_class: ShareClass,
                                shares: int, risk_accepted: bool) -> Application:
    """A signed-in member asks to buy more shares; it goes to the board like any
    application (their email is already known)."""
    _check_application(kind=member.kind, date_of_birth=member.date_of_birth,
                       stakeholder_class=member.stakeholder_class, share_class=share_class,
                       shares=shares, member=member, is_registered_society=False,
                       society_registration_number="",
                       declarations={"risk_accepted": risk_accepted},
                       today=timezone.localdate())
    with atomic():
        application = Application.objects.create(
            member=member, status=ApplicationStatus.SUBMITTED, kind=member.kind,
            full_name=member.full_name, address=member.address, email=member.email,
            stakeholder_class=member.stakeholder_class, share_class=share_class,
            shares=shares, price_per_share=share_class.par_value, rules_accepted=True,
            data_use_accepted=True, risk_accepted=True, email_token=secrets.token_urlsafe(32),
            email_confirmed_at=timezone.now(),
        )
        audit_record(actor=actor, action="application.more_shares", target=application,
                     changes={"member_number": member.member_number, "shares": shares})
        return application


def _decidable(application_id: int) -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != ApplicationStatus.SUBMITTED:
        raise WrongState(f"This application is {application.get_status_display().lower()}; "
                         "only applications waiting for the board can be decided.")
    return application


def application_approve(*, actor, application: Application, decided_on: dt.date,
                        minute_reference: str, registered_society_confirmed: bool = False
                        ) -> Application:
    """The board approves. Where an organisation says it is a registered society, the
    board confirms it has checked (only then is the £100,000 limit lifted for it)."""
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference of the board's decision.",
                          field="minute_reference")
    with atomic():
        application = _decidable(application.pk)
        check_date(decided_on, field="decided_on", what="The board's decision")
        if registered_society_confirmed and not application.is_registered_society:
            raise DomainError("The applicant did not say it is a registered society.",
                              field="registered_society_confirmed")
        if application.member_id is None:
            check_allotment_limits(member=None, share_class=application.share_class,
                                   shares=application.shares,
                                   is_registered_society=registered_society_confirmed)
        application.status = ApplicationStatus.APPROVED
        application.decided_on = decided_on
        application.minute_reference = minute_reference.strip()
        application.decided_by_id = actor.pk
        application.registered_society_confirmed = registered_society_confirmed
        application.save(update_fields=["status", "decided_on", "minute_reference",
                                        "decided_by_id", "registered_society_confirmed"])
        audit_record(actor=actor, action="application.approved", target=application,
                     changes={"decided_on": decided_on, "minute_reference": minute_reference,
                              "registered_society_confirmed": registered_society_confirmed})
        return application


def application_reject(*, actor, application: Application, decided_on: dt.date,
                       minute_reference: str, reason: str,
                       refund_amount: Decimal | None = None) -> Application:
    if not reason.strip():
        raise DomainError("Give the reason for the rejection; the applicant is told it.",
                          field="reason")
    with atomic():
        application = _decidable(application.pk)
        check_date(decided_on, field="decided_on", what="The board's decision")
        paid = getattr(application, "payment", None)
        if paid is not None and refund_amount != paid.amount:
            raise DomainError(f"{money(paid.amount)} was paid with this application; record "
                              f"a refund of {money(paid.amount)}.", field="refund_amount")
        if paid is None and refund_amount:
            raise DomainError("No payment was recorded, so there is nothing to refund.",
                              field="refund_amount")
        application.status = ApplicationStatus.REJECTED
        application.decided_on = decided_on
        application.minute_reference = minute_reference.strip()
        application.decided_by_id = actor.pk
        application.rejection_reason = reason.strip()
        application.refund_amount = refund_amount
        application.refunded_on = decided_on if refund_amount else None
        application.save()
        audit_record(actor=actor, action="application.rejected", target=application,
                     changes={"decided_on": decided_on, "reason": reason,
                              "refund_amount": refund_amount})
        delivery_queue(kind="application_rejection",
                       key=f"application_rejection:{application.pk}",
                       to_email=application.email, payload={"application_id": application.pk})
        return application


def payment_record(*, actor, application: Application, method: str, reference: str,
                   amount: Decimal, received_on: dt.date) -> Payment:
    """Record the money for an application, once. A second submission (a double click, a
    second officer) is refused with the details of the first."""
    with atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        existing = Payment.objects.filter(application=application).first()
        if existing is not None:
            raise AlreadyRecorded(
                f"A payment of {money(existing.amount)} ({existing.get_method_display()}, "
                f"{existing.reference}) was already recorded on "
                f"{long_date(existing.received_on)}.")
        if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED):
            raise WrongState(f"This application is "
                             f"{application.get_status_display().lower()}; no payment can "
                             "be recorded.")
        check_date(received_on, field="received_on", what="A payment")
        if amount != application.amount_due:
            raise DomainError(
                f"The amount must be {money(application.amount_due)} "
                f"({application.shares:,} shares at {money(application.price_per_share)}).",
                field="amount")
        if not reference.strip():
            raise DomainError("Enter the payment reference (bank reference, cheque number, "
                              "receipt or card reference).", field="reference")
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    application=application, method=method, reference=reference.strip(),
                    amount=amount, received_on=received_on, recorded_by_id=actor.pk)
        except IntegrityError as exc:  # a concurrent request recorded it first
            raise AlreadyRecorded("A payment was already recorded for this application.") \
                from exc
        audit_record(actor=actor, action="payment.recorded", target=payment,
                     changes={"application_id": application.pk, "method": method,
                              "reference": reference, "amount": amount,
                              "received_on": received_on})
        return payment


def _account_for(*, email: str, full_name: str):
    """The login for a new member: their existing account (a former member rejoining, an
    officer joining) or a new one."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user, created


def application_allot(*, actor, application: Application, allotted_on: dt.date) -> Member:
    """Allot the shares and, for a new applicant, admit them: member number, class,
    account, ledger row with certificate. All or nothing: a refusal leaves no ledger row
    and uses no member number. The welcome email with the certificate is sent by Celery
    after commit."""
    with atomic():
        # Lock order: the member (for more shares) before the application.
        member_id = Application.objects.values_list("member_id", flat=True).get(
            pk=application.pk)
        if member_id is not None:
            members_lock([member_id])
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.APPROVED:
            raise WrongState("Shares can be allotted only once the board has approved the "
                             f"application (it is {application.get_status_display().lower()}).")
        payment = Payment.objects.filter(application=application).first()
        if payment is None:
            raise WrongState(f"Record the payment of {money(application.amount_due)} before "
                             "allotting the shares.")
        check_date(allotted_on, field="allotted_on", what="An allotment")
        for day, what in ((application.decided_on, "the board approved it"),
                          (payment.received_on, "the payment was received")):
            if day and allotted_on < day:
                raise DomainError(f"Shares cannot be allotted before {what} "
                                  f"({long_date(day)}).", field="allotted_on")
        new_account = False
        if application.member_id is None:
            member, new_account = _admit(actor=actor, application=application,
                                         allotted_on=allotted_on)
        else:
            member = current_member_lock(application.member_id)
            check_allotment_limits(member=member, share_class=application.share_class,
                                   shares=application.shares, on=allotted_on)
        entry = ledger_post(member=member, share_class=application.share_class,
                            kind=TransactionKind.ALLOTMENT, shares=application.shares,
                            effective_on=allotted_on, actor=actor,
                            consideration=payment.amount, certificate=True,
                            reference=f"application {application.pk}")
        application.status = ApplicationStatus.ALLOTTED
        application.allotment = entry
        application.member = member
        application.save(update_fields=["status", "allotment", "member"])
        delivery_queue(kind="welcome", key=f"welcome:allotment:{entry.pk}",
                       to_email=member.email or application.email,
                       payload={"application_id": application.pk})
        if new_account:
            invitation_queue(user=member.user, reason="You are now a member.")
        return member


def _admit(*, actor, application: Application, allotted_on: dt.date) -> tuple[Member, bool]:
    confirmed = application.registered_society_confirmed
    check_allotment_limits(member=None, share_class=application.share_class,
                           shares=application.shares, is_registered_society=confirmed)
    user, new_account = _account_for(email=application.email,
                                     full_name=application.full_name)
    if Member.objects.filter(user=user, ceased_on__isnull=True).exists():
        raise WrongState("This applicant's email address belongs to a current member; allot "
                         "the shares to them as more shares.")
    rejoining = Member.objects.filter(user=user).exists()
    member = Member.objects.create(
        member_number=next_member_number(), user=user, kind=application.kind,
        society_registration_number=application.society_registration_number,
        registered_society_confirmed_on=application.decided_on if confirmed else None,
        registered_society_minute=application.minute_reference if confirmed else "",
        full_name=application.full_name, representative=application.representative,
        address=application.address, email=application.email,
        email_purpose="Notices of meetings, ballots and membership matters",
        date_of_birth=application.date_of_birth,
        stakeholder_class=application.stakeholder_class, admitted_on=allotted_on,
    )
    MemberClassPeriod.objects.create(member=member,
                                     stakeholder_class=application.stakeholder_class,
                                     started_on=allotted_on)
    if application.email_notices_accepted:
        # Their agreement to be sent notices by email, at the address they confirmed.
        CommunicationConsent.objects.create(member=member, email=application.email,
                                            given_on=allotted_on)
    audit_record(actor=actor, action="member.admitted", target=member, changes={
        "member_number": member.member_number, "admitted_on": allotted_on,
        "stakeholder_class": application.stakeholder_class.slug,
        "application_id": application.pk, "rejoining": rejoining,
        "registered_society_confirmed": confirmed,
        "email_notices": application.email_notices_accepted})
    return member, new_account
