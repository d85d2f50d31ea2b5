"""A member's agreement to be sent notices and documents by email (CA06 ss.1144-1148 and
Sch.5; a society's rules): dated, with the address they notified. Without it they are
sent post."""

import datetime as dt

from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic

from ..models import CommunicationConsent, Member


def email_consent_give(*, actor, member: Member, email: str,
                       given_on: dt.date | None = None) -> CommunicationConsent:
    """Record the member's agreement (replacing an earlier one at another address)."""
    given_on = given_on or timezone.localdate()
    email = email.strip().lower()
    if not email:
        raise DomainError("Enter the email address to send notices to.", field="email")
    if given_on > timezone.localdate():
        raise DomainError("The agreement cannot be dated in the future.", field="given_on")
    with atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.ceased_on is not None:
            raise DomainError("A former member is not sent notices.")
        current = CommunicationConsent.objects.select_for_update().filter(
            member=member, withdrawn_on__isnull=True).first()
        if current is not None and current.email == email:
            raise DomainError(f"Notices already go by email to {email}.", field="email")
        if current is not None:
            current.withdrawn_on = given_on
            current.withdrawn_reason = "replaced by a new address"
            current.save(update_fields=["withdrawn_on", "withdrawn_reason"])
        consent = CommunicationConsent.objects.create(member=member, email=email,
                                                      given_on=given_on)
        audit_record(actor=actor, action="member.email_consent_given", target=member,
                     changes={"email": email, "given_on": given_on})
        return consent


def email_consent_withdraw(*, actor, member: Member, reason: str = "withdrawn by the member"
                           ) -> None:
    with atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        updated = CommunicationConsent.objects.filter(
            member=member, withdrawn_on__isnull=True).update(
            withdrawn_on=timezone.localdate(), withdrawn_reason=reason[:200])
        if not updated:
            raise DomainError("Notices already go by post.")
        audit_record(actor=actor, action="member.email_consent_withdrawn", target=member,
                     changes={"reason": reason})
