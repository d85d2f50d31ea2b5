"""From application to admitted member: apply, confirm the email, the board decides, the
payment is recorded, the shares are allotted and the member admitted."""

import datetime as dt
import secrets
from decimal import Decimal

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record

from ..exceptions import AlreadyRecorded, NotEligible, WrongState
from ..models import (
    Application,
    ApplicationStatus,
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
    current_member_lock,
    ledger_post,
    long_date,
    money,
    next_member_number,
)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return relativedelta(on, date_of_birth).years


def _check_application(*, kind: str, date_of_birth: dt.date | None,
                       stakeholder_class: StakeholderClass, share_class: ShareClass,
                       shares: int, member: Member | None, is_registered_society: bool,
                       declarations: dict, today: dt.date) -> None:
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
    check_allotment_limits(member=member, share_class=share_class, shares=shares,
                           is_registered_society=is_registered_society)


def application_submit(*, full_name: str, address: str, email: str,
                       stakeholder_class: StakeholderClass, share_class: ShareClass,
                       shares: int, rules_accepted: bool, data_use_accepted: bool,
                       risk_accepted: bool, date_of_birth: dt.date | None = None,
                       kind: str = MemberKind.PERSON, representative: str = "",
                       is_registered_society: bool = False) -> Application:
    """A public application. The applicant is emailed a link to confirm their address;
    only then does the application reach the secretary's queue."""
    today = timezone.localdate()
    email = email.strip().lower()
    _check_application(kind=kind, date_of_birth=date_of_birth,
                       stakeholder_class=stakeholder_class, share_class=share_class,
                       shares=shares, member=None, is_registered_society=is_registered_society,
                       declarations={"rules_accepted": rules_accepted,
                                     "data_use_accepted": data_use_accepted,
                                     "risk_accepted": risk_accepted},
                       today=today)
    if Member.objects.filter(email__iexact=email, ceased_on__isnull=True).exists():
        raise DomainError("There is already a member with this email address. Sign in to "
                          "buy more shares.", field="email")
    with transaction.atomic():
        application = Application.objects.create(
            kind=kind, full_name=full_name.strip(), representative=representative.strip(),
            address=address.strip(), email=email, date_of_birth=date_of_birth,
            is_registered_society=is_registered_society, stakeholder_class=stakeholder_class,
            share_class=share_class, shares=shares, price_per_share=share_class.par_value,
            rules_accepted=True, data_use_accepted=True, risk_accepted=True,
            email_token=secrets.token_urlsafe(32),
        )
        audit_record(actor=None, action="application.submitted", target=application,
                     changes={"shares": shares, "share_class": share_class.code,
                              "stakeholder_class": stakeholder_class.slug})
        from ..tasks import send_application_confirmation_task

        application_id = application.pk
        transaction.on_commit(lambda: send_application_confirmation_task.delay(application_id))
        return application


def application_confirm_email(*, token: str) -> Application:
    """Following the emailed link moves the application into the secretary's queue.
    Following it again changes nothing."""
    with transaction.atomic():
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
                       declarations={"risk_accepted": risk_accepted},
                       today=timezone.localdate())
    with transaction.atomic():
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
                        minute_reference: str) -> Application:
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference of the board's decision.",
                          field="minute_reference")
    with transaction.atomic():
        application = _decidable(application.pk)
        application.status = ApplicationStatus.APPROVED
        application.decided_on = decided_on
        application.minute_reference = minute_reference.strip()
        application.decided_by_id = actor.pk
        application.save(update_fields=["status", "decided_on", "minute_reference",
                                        "decided_by_id"])
        audit_record(actor=actor, action="application.approved", target=application,
                     changes={"decided_on": decided_on, "minute_reference": minute_reference})
        return application


def application_reject(*, actor, application: Application, decided_on: dt.date,
                       minute_reference: str, reason: str,
                       refund_amount: Decimal | None = None) -> Application:
    if not reason.strip():
        raise DomainError("Give the reason for the rejection; the applicant is told it.",
                          field="reason")
    with transaction.atomic():
        application = _decidable(application.pk)
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
        from ..tasks import send_rejection_task

        application_id = application.pk
        transaction.on_commit(lambda: send_rejection_task.delay(application_id))
        return application


def payment_record(*, actor, application: Application, method: str, reference: str,
                   amount: Decimal, received_on: dt.date) -> Payment:
    """Record the money for an application, once. A second submission (a double click, a
    second officer) is refused with the details of the first."""
    with transaction.atomic():
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
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.APPROVED:
            raise WrongState("Shares can be allotted only once the board has approved the "
                             f"application (it is {application.get_status_display().lower()}).")
        payment = Payment.objects.filter(application=application).first()
        if payment is None:
            raise WrongState(f"Record the payment of {money(application.amount_due)} before "
                             "allotting the shares.")
        if allotted_on < application.decided_on:
            raise DomainError("Shares cannot be allotted before the board approved them.",
                              field="allotted_on")
        new_account = False
        if application.member_id is None:
            check_allotment_limits(member=None, share_class=application.share_class,
                                   shares=application.shares,
                                   is_registered_society=application.is_registered_society)
            user, new_account = _account_for(email=application.email,
                                             full_name=application.full_name)
            if Member.objects.filter(user=user).exists():
                raise WrongState("This applicant's email address belongs to an existing "
                                 "member; allot the shares to them as more shares.")
            member = Member.objects.create(
                member_number=next_member_number(), user=user, kind=application.kind,
                is_registered_society=application.is_registered_society,
                full_name=application.full_name, representative=application.representative,
                address=application.address, email=application.email,
                email_purpose="Notices of meetings, ballots and membership matters",
                date_of_birth=application.date_of_birth,
                stakeholder_class=application.stakeholder_class, admitted_on=allotted_on,
            )
            MemberClassPeriod.objects.create(member=member,
                                             stakeholder_class=application.stakeholder_class,
                                             started_on=allotted_on)
            audit_record(actor=actor, action="member.admitted", target=member, changes={
                "member_number": member.member_number, "admitted_on": allotted_on,
                "stakeholder_class": application.stakeholder_class.slug,
                "application_id": application.pk})
        else:
            member = current_member_lock(application.member_id)
            check_allotment_limits(member=member, share_class=application.share_class,
                                   shares=application.shares)
        entry = ledger_post(member=member, share_class=application.share_class,
                            kind=TransactionKind.ALLOTMENT, shares=application.shares,
                            effective_on=allotted_on, actor=actor,
                            consideration=payment.amount, certificate=True,
                            reference=f"application {application.pk}")
        application.status = ApplicationStatus.ALLOTTED
        application.allotment = entry
        application.member = member
        application.save(update_fields=["status", "allotment", "member"])
        from accounts.tasks import send_invitation_task

        from ..tasks import send_welcome_task

        application_id, user_id = application.pk, member.user_id
        transaction.on_commit(lambda: send_welcome_task.delay(application_id))
        if new_account:
            transaction.on_commit(lambda: send_invitation_task.delay(user_id))
        return member
