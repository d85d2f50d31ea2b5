"""The log of requests to inspect or copy the register."""

import datetime as dt

from django.utils import timezone

from governance.calendar import add_working_days
from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic

from ..models import InspectionRequest

COMPANY_RESPONSE_WORKING_DAYS = 5  # CA06 s.117


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
    if received_on > timezone.localdate():
        raise DomainError("The date the request was received cannot be in the future.",
                          field="received_on")
    is_company = bool(organisation and organisation.is_company)
    if is_company and not is_member and not disclosure.strip():
        raise DomainError("A company must be told whether, and to whom, the information will "
                          "be disclosed.", field="disclosure")
    with atomic():
        request = InspectionRequest.objects.create(
            requester_name=requester_name.strip(), requester_address=requester_address.strip(),
            purpose=purpose.strip(), disclosure=disclosure.strip(), is_member=is_member,
            received_on=received_on, recorded_by_id=actor.pk,
            due_on=add_working_days(received_on, COMPANY_RESPONSE_WORKING_DAYS,
                                    nation=organisation.nation) if is_company else None)
        audit_record(actor=actor, action="inspection.requested", target=request,
                     changes={"received_on": received_on, "due_on": request.due_on,
                              "is_member": is_member})
        return request


def inspection_request_close(*, actor, request: InspectionRequest, status: str,
                             closed_on: dt.date, note: str = "") -> InspectionRequest:
    if status not in (InspectionRequest.Status.COMPLIED, InspectionRequest.Status.REFUSED):
        raise DomainError("Choose how the request was closed.", field="status")
    with atomic():
        request = InspectionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != InspectionRequest.Status.OPEN:
            raise DomainError("This request is already closed.")
        request.status, request.closed_on, request.outcome_note = status, closed_on, note
        request.save(update_fields=["status", "closed_on", "outcome_note"])
        audit_record(actor=actor, action="inspection.closed", target=request,
                     changes={"status": status, "closed_on": closed_on})
        return request


def register_inspection_record(*, actor, view: str, filters: dict) -> None:
    """Log that someone looked at the register (every inspection is recorded)."""
    audit_record(actor=actor, action="register.inspected", changes={"view": view, **filters})


def register_export_record(*, actor, format: str, filters: dict) -> None:
    audit_record(actor=actor, action="register.exported", changes={"format": format,
                                                                   **filters})
