"""Meetings, their agenda, candidates and papers; then, on the day, attendance,
adjournment when inquorate, the outcome of each item and the minutes."""

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.timing import TimingInputError, confirmation_window, day_words
from governance.transactions import atomic
from membership.models import Member, StakeholderClass

from .. import selectors
from ..models import (
    AgendaItem,
    Attendance,
    AttendanceMode,
    Candidate,
    ElectionMethod,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MeetingStatus,
    ResolutionType,
)

EDITABLE = ("title", "starts_at", "place", "online_url", "online_details", "record_date")
DOCUMENT_TYPES = {"application/pdf", "application/vnd.oasis.opendocument.text",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "text/plain"}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def _check_meeting(*, kind: str, title: str, starts_at: dt.datetime, record_date: dt.date,
                   constituency: StakeholderClass | None) -> None:
    if kind not in MeetingKind.values:
        raise DomainError("Choose the kind of meeting.", field="kind")
    if not title.strip():
        raise DomainError("Give the meeting a title.", field="title")
    if kind == MeetingKind.AGM and "annual general meeting" not in title.lower():
        raise DomainError("The title of an AGM must say it is the Annual General Meeting "
                          "(for example \u201cAnnual General Meeting 2026\u201d).",
                          field="title")
    if kind == MeetingKind.CLASS and constituency is None:
        raise DomainError("Choose the class whose meeting it is.", field="constituency")
    if starts_at <= timezone.now():
        raise DomainError("The meeting must start in the future.", field="starts_at")
    if record_date > timezone.localdate(starts_at):
        raise DomainError("The record date cannot fall after the meeting.",
                          field="record_date")


def meeting_create(*, actor, kind: str, title: str, starts_at: dt.datetime,
                   record_date: dt.date | None = None, place: str = "", online_url: str = "",
                   online_details: str = "", constituency: StakeholderClass | None = None
                   ) -> Meeting:
    record_date = record_date or timezone.localdate()
    _check_meeting(kind=kind, title=title, starts_at=starts_at, record_date=record_date,
                   constituency=constituency)
    with atomic():
        meeting = Meeting.objects.create(
            kind=kind, title=title.strip(), starts_at=starts_at, record_date=record_date,
            place=place.strip(), online_url=online_url, online_details=online_details.strip(),
            constituency=constituency if kind == MeetingKind.CLASS else None,
            created_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="meeting.created", target=meeting, changes={
            "kind": kind, "title": meeting.title, "starts_at": starts_at,
            "record_date": record_date})
        return meeting


def _draft(meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.DRAFT:
        raise DomainError("The notice has gone: changing the meeting now needs a new "
                          "notice. Adjourn or cancel the meeting instead.")
    return meeting


def meeting_update(*, actor, meeting: Meeting, **changes) -> Meeting:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with atomic():
        meeting = _draft(meeting)
        before = {name: getattr(meeting, name) for name in changes}
        for name, value in changes.items():
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
        _check_meeting(kind=meeting.kind, title=meeting.title, starts_at=meeting.starts_at,
                       record_date=meeting.record_date, constituency=meeting.constituency)
        meeting.save(update_fields=list(changes))
        audit_record(actor=actor, action="meeting.updated", target=meeting,
                     changes={"before": before, "after": changes})
        return meeting


def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    if not reason.strip():
        raise DomainError("Say why the meeting is cancelled.", field="reason")
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.NOTICE_SENT):
            raise DomainError("Only a meeting that has not started can be cancelled.")
        meeting.status = MeetingStatus.CANCELLED
        meeting.save(update_fields=["status"])
        audit_record(actor=actor, action="meeting.cancelled", target=meeting,
                     changes={"reason": reason})
        return meeting


def item_add(*, actor, meeting: Meeting, kind: str, title: str, description: str = "",
             resolution_type: str = "", resolution_text: str = "",
             confirms: AgendaItem | None = None, seats: int | None = None,
             election_method: str = "", constituency: StakeholderClass | None = None,
             nominations_open: dt.date | None = None,
             nominations_close: dt.date | None = None) -> AgendaItem:
    """Add an item to the agenda of a meeting whose notice has not gone yet."""
    if kind not in ItemKind.values:
        raise DomainError("Choose the kind of item.", field="kind")
    if not title.strip():
        raise DomainError("Give the item a title.", field="title")
    if kind == ItemKind.RESOLUTION:
        if resolution_type not in ResolutionType.values:
            raise DomainError("Choose the kind of resolution.", field="resolution_type")
        if not resolution_text.strip():
            raise DomainError("Write the full text of the resolution.",
                              field="resolution_text")
    if kind == ItemKind.ELECTION:
        if not seats or seats < 1:
            raise DomainError("Say how many seats are to be filled.", field="seats")
        if election_method not in ElectionMethod.values:
            raise DomainError("Choose how the votes are counted.", field="election_method")
        if nominations_open and nominations_close and nominations_close < nominations_open:
            raise DomainError("Nominations cannot close before they open.",
                              field="nominations_close")
    with atomic():
        meeting = _draft(meeting)
        if confirms is not None:
            _check_confirmation(meeting=meeting, first=confirms)
        position = (meeting.items.aggregate(top=Max("position"))["top"] or 0) + 1
        item = AgendaItem.objects.create(
            meeting=meeting, position=position, kind=kind, title=title.strip(),
            description=description.strip(),
            resolution_type=resolution_type if kind == ItemKind.RESOLUTION else "",
            resolution_text=resolution_text.strip() if kind == ItemKind.RESOLUTION else "",
            confirms=confirms, seats=seats if kind == ItemKind.ELECTION else None,
            election_method=election_method if kind == ItemKind.ELECTION else "",
            constituency=constituency if kind == ItemKind.ELECTION else None,
            nominations_open=nominations_open, nominations_close=nominations_close)
        audit_record(actor=actor, action="meeting.item_added", target=item, changes={
            "meeting_id": meeting.pk, "position": position, "kind": kind, "title": title,
            "resolution_type": resolution_type, "resolution_text": resolution_text})
        return item


def _check_confirmation(*, meeting: Meeting, first: AgendaItem) -> None:
    """A society's two-stage resolution is confirmed at a second meeting held 14 days to
    one month after the first (CCBSA ss.111-113)."""
    if first.kind != ItemKind.RESOLUTION or first.meeting_id == meeting.pk:
        raise DomainError("Choose the resolution of an earlier meeting that this confirms.",
                          field="confirms")
    organisation = organisation_get()
    try:
        window = confirmation_window(
            first_meeting=timezone.localdate(first.meeting.starts_at),
            legal_form=organisation.legal_form if organisation else None)
    except TimingInputError as exc:
        raise DomainError(exc.message, field="confirms") from exc
    day = timezone.localdate(meeting.starts_at)
    if not window.contains(day):
        raise DomainError(f"The confirming meeting must be held between "
                          f"{day_words(window.earliest)} and {day_words(window.latest)}, "
                          "14 days to one month after the first.", field="confirms")


def item_remove(*, actor, item: AgendaItem) -> None:
    with atomic():
        meeting = _draft(item.meeting)
        position = item.position
        audit_record(actor=actor, action="meeting.item_removed", target=item, changes={
            "meeting_id": meeting.pk, "position": position, "title": item.title})
        item.delete()
        for later in meeting.items.filter(position__gt=position).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])


def candidate_add(*, actor, item: AgendaItem, name: str, nominated_on: dt.date,
                  member: Member | None = None, statement: str = "") -> Candidate:
    """A nomination for an election: within its nomination window, and from the class the
    seats are reserved for."""
    if item.kind != ItemKind.ELECTION:
        raise DomainError("Candidates stand in elections only.")
    if not name.strip():
        raise DomainError("Enter the candidate's name.", field="name")
    opens, closes = item.nominations_open, item.nominations_close
    if opens and nominated_on < opens or closes and nominated_on > closes:
        window = (f"from {long_date(opens)} to {long_date(closes)}" if opens and closes else
                  f"from {long_date(opens)}" if opens else f"until {long_date(closes)}")
        raise DomainError(f"Nominations are open {window}.", field="nominated_on")
    with atomic():
        _draft(item.meeting)
        if item.constituency_id is not None:
            if member is None or member.ceased_on is not None or \
                    member.stakeholder_class_id != item.constituency_id:
                raise DomainError(f"These seats are for the {item.constituency.name} class: the "
                                  "candidate must be a current member of it.",
                                  field="member_number")
        if item.candidates.filter(name__iexact=name.strip()).exists():
            raise DomainError(f"{name} is already standing.", field="name")
        candidate = Candidate.objects.create(item=item, name=name.strip(), member=member,
                                             statement=statement.strip(),
                                             nominated_on=nominated_on)
        audit_record(actor=actor, action="meeting.candidate_nominated", target=candidate,
                     changes={"item_id": item.pk, "name": candidate.name,
                              "member_number": member.member_number if member else None})
        return candidate


def document_add(*, actor, meeting: Meeting, title: str, name: str, content: bytes,
                 content_type: str) -> MeetingDocument:
    if not title.strip():
        raise DomainError("Give the paper a title.", field="title")
    if content_type not in DOCUMENT_TYPES:
        raise DomainError("Upload a PDF, a Word or OpenDocument file, a spreadsheet or plain "
                          "text.", field="file")
    if len(content) > DOCUMENT_MAX_BYTES:
        raise DomainError("Papers may be at most 20 MB.", field="file")
    with atomic():
        meeting = _draft(meeting)
        document = MeetingDocument(meeting=meeting, title=title.strip(),
                                   content_type=content_type, size=len(content),
                                   sha256=hashlib.sha256(content).hexdigest(),
                                   uploaded_by_id=getattr(actor, "pk", None))
        document.file.save(name, ContentFile(content), save=False)
        document.save()
        audit_record(actor=actor, action="meeting.document_added", target=document, changes={
            "meeting_id": meeting.pk, "title": document.title, "sha256": document.sha256,
            "bytes": document.size})
        return document


# --- On the day ---------------------------------------------------------------------------


def meeting_open(*, actor, meeting: Meeting) -> Meeting:
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status != MeetingStatus.NOTICE_SENT:
            raise DomainError("A meeting opens once its notice has been sent, and once only.")
        meeting.status = MeetingStatus.OPEN
        meeting.opened_at = timezone.now()
        meeting.save(update_fields=["status", "opened_at"])
        status = selectors.quorum_status(meeting)
        audit_record(actor=actor, action="meeting.opened", target=meeting, changes={
            "present": status.present, "quorum": status.required})
        return meeting


# What other apps do when a member is registered present, in the same transaction and
# after the meeting row is locked (ballots: a principal who attends overrides their proxy
# where the rules say so). Each is called as hook(actor=, meeting=, member=, mode=).
_attendance_hooks: list[Callable[..., None]] = []


def on_attendance(hook: Callable[..., None]) -> Callable[..., None]:
    """Register what happens when a member is registered present (an app's ready())."""
    _attendance_hooks.append(hook)
    return hook


def attendance_record(*, actor, meeting: Meeting, member: Member, mode: str,
                      proxy_name: str = "") -> Attendance:
    """Register a member present, once, however they attend. Only members entitled to
    attend can be registered. What other apps do on a member's arrival (`on_attendance`)
    happens in the same transaction, after the meeting row is locked."""
    if mode not in AttendanceMode.values:
        raise DomainError("Choose how the member attends.", field="mode")
    if mode in (AttendanceMode.PROXY, AttendanceMode.REPRESENTATIVE) and not proxy_name.strip():
        raise DomainError("Enter the name of the person attending for the member.",
                          field="proxy_name")
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status not in (MeetingStatus.NOTICE_SENT, MeetingStatus.OPEN):
            raise DomainError("Attendance is taken at a meeting whose notice has gone and "
                              "that has not closed.")
        if not selectors.entitled_members(meeting=meeting, on=meeting.record_date).filter(
                pk=member.pk).exists():
            raise DomainError(f"{member.full_name} was not on the register on the record date "
                              f"({long_date(meeting.record_date)}) and may not attend as a "
                              "member.", field="member_number")
        settings = selectors.meeting_settings(meeting)
        if mode == AttendanceMode.PROXY and settings is not None and \
                not settings.proxies.allowed:
            raise DomainError("The rules do not allow proxies.", field="mode")
        present = Attendance.objects.filter(meeting=meeting, member=member).first()
        if present is not None and present.left_at is None:
            raise DomainError(f"{member.full_name} is already registered as present "
                              f"({present.get_mode_display().lower()}).", field="member_number")
        if present is not None:  # came back
            present.mode, present.proxy_name = mode, proxy_name.strip()
            present.arrived_at, present.left_at = timezone.now(), None
            present.save(update_fields=["mode", "proxy_name", "arrived_at", "left_at"])
        else:
            present = Attendance.objects.create(
                meeting=meeting, member=member, mode=mode, proxy_name=proxy_name.strip(),
                arrived_at=timezone.now(), recorded_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="meeting.attendance", target=meeting, changes={
            "member_number": member.member_number, "mode": mode, "proxy_name": proxy_name})
        for hook in _attendance_hooks:
            hook(actor=actor, meeting=meeting, member=member, mode=mode)
        return present


def attendance_leave(*, actor, attendance: Attendance) -> Attendance:
    with atomic():
        attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if attendance.left_at is None:
            attendance.left_at = timezone.now()
            attendance.save(update_fields=["left_at"])
            audit_record(actor=actor, action="meeting.left", target=attendance.meeting,
                         changes={"member_number": attendance.member.member_number})
        return attendance


def meeting_adjourn(*, actor, meeting: Meeting, to_starts_at: dt.datetime, reason: str
                    ) -> Meeting:
    """Adjourn the meeting (for example when no quorum is present 30 minutes after the
    start) to a new time: the adjourned meeting has the same agenda, and the members present
    at it are a quorum. Adjourned for 14 days or more, it needs 7 clear days' notice."""
    if not reason.strip():
        raise DomainError("Record why the meeting is adjourned.", field="reason")
    if to_starts_at <= timezone.now():
        raise DomainError("Adjourn to a time in the future.", field="to_starts_at")
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status not in (MeetingStatus.NOTICE_SENT, MeetingStatus.OPEN):
            raise DomainError("Only a meeting whose notice has gone can be adjourned.")
        adjourned = Meeting.objects.create(
            kind=meeting.kind, title=f"{meeting.title} (adjourned)",
            starts_at=to_starts_at, place=meeting.place, online_url=meeting.online_url,
            online_details=meeting.online_details, constituency=meeting.constituency,
            record_date=meeting.record_date, rulebook=meeting.rulebook,
            status=MeetingStatus.NOTICE_SENT, adjourned_from=meeting,
            created_by_id=getattr(actor, "pk", None))
        for item in meeting.items.filter(outcome=""):
            AgendaItem.objects.create(
                meeting=adjourned, position=item.position, kind=item.kind, title=item.title,
                description=item.description, resolution_type=item.resolution_type,
                resolution_text=item.resolution_text, seats=item.seats,
                election_method=item.election_method, constituency=item.constituency,
                nominations_open=item.nominations_open,
                nominations_close=item.nominations_close)
        meeting.status = MeetingStatus.ADJOURNED
        meeting.closed_at = timezone.now()
        meeting.minutes = (meeting.minutes + "\n" if meeting.minutes else "") + \
            f"Adjourned to {day_words(timezone.localdate(to_starts_at))}: {reason.strip()}"
        meeting.save(update_fields=["status", "closed_at", "minutes"])
        audit_record(actor=actor, action="meeting.adjourned", target=meeting, changes={
            "to": to_starts_at, "reason": reason, "adjourned_meeting_id": adjourned.pk,
            "quorum": selectors.quorum_status(meeting).present})
        return adjourned


def item_outcome_record(*, actor, item: AgendaItem, outcome: str) -> AgendaItem:
    if not outcome.strip():
        raise DomainError("Record what the meeting decided.", field="outcome")
    with atomic():
        item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
        if item.meeting.status != MeetingStatus.OPEN:
            raise DomainError("Outcomes are recorded while the meeting is in session.")
        item.outcome = outcome.strip()
        item.save(update_fields=["outcome"])
        audit_record(actor=actor, action="meeting.item_outcome", target=item,
                     changes={"outcome": item.outcome})
        return item


def meeting_close(*, actor, meeting: Meeting, minutes: str) -> Meeting:
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status != MeetingStatus.OPEN:
            raise DomainError("Only a meeting in session can be closed.")
        meeting.status = MeetingStatus.CLOSED
        meeting.closed_at = timezone.now()
        meeting.minutes = minutes.strip()
        meeting.save(update_fields=["status", "closed_at", "minutes"])
        audit_record(actor=actor, action="meeting.closed", target=meeting,
                     changes={"minutes": meeting.minutes})
        return meeting
