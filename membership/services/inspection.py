"""The log of requests to inspect or copy the register."""

import datetime as dt

import holidays
from django.db import transaction

from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record

from ..models import InspectionRequest

COMPANY_RESPONSE_WORKING_DAYS = 5  # CA06 s.117


def add_working_days(start: dt.date, days: int) -> dt.date:
    """`days` working days after `start`, skipping weekends and bank holidays in England
    and Wales."""
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG",
                                              years=range(start.year, start.year + 2))
    current, left = start, days
    while left:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in bank_holidays:
            left -= 1
    return current


def inspection_request_record(*, actor, requester_name: str, requester_address: str,
                              purpose: str, disclosure: str, is_member: bool,
                              received_on: dt.date) -> InspectionRequest:
    organisation = organisation_get()
    if not requester_name.strip() or not requester_address.strip():
        raise DomainError("Record the name and address of the person asking.",
                          field="requester_name")
    if not purpose.strip():
        raise DomainError("Record the purpose for which the information will be used.",
                          field="purpose")
    is_company = bool(organisation and organisation.is_company)
    if is_company and not is_member and not disclosure.strip():
        raise DomainError("A company must be told whether, and to whom, the information will "
                          "be disclosed.", field="disclosure")
    with transaction.atomic():
        request = InspectionRequest.objects.create(
            requester_name=requester_name.strip(), requester_address=requester_address.strip(),
            purpose=purpose.strip(), disclosure=disclosure.strip(), is_member=is_member,
            received_on=received_on, recorded_by_id=actor.pk,
            due_on=add_working_days(received_on, COMPANY_RESPONSE_WORKING_DAYS)
            if is_company else None)
        audit_record(actor=actor, action="inspection.requested", target=request,
                     changes={"received_on": received_on, "due_on": request.due_on,
                              "is_member": is_member})
        return request


def inspection_request_close(*, actor, request: InspectionRequest, status: str,
                             closed_on: dt.date, note: str = "") -> InspectionRequest:
    if status not in (InspectionRequest.Status.COMPLIED, InspectionRequest.Status.REFUSED):
        raise DomainError("Choose how the request was closed.", field="status")
    with transaction.atomic():
        request = InspectionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != InspectionRequest.Status.OPEN:
            raise DomainError("This request is already closed.")
        request.status, request.closed_on, request.outcome_note = status, closed_on, note
        request.save(update_fields=["status", "closed_on", "outcome_note"])
        audit_record(actor=actor, action="inspection.closed", target=request,
                     changes={"status": status, "closed_on": closed_on})
        return request
