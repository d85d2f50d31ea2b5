"""Reads for general meetings: the rules in force, meetings and their agenda, who is
entitled to notice and to attend, quorum, and the proof that notice was served."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils import timezone

from accounts.roles import DIRECTOR_ROLES
from governance.calendar import add_working_hours
from governance.models import Delivery, DeliveryStatus
from governance.outbox import mailing_progress
from governance.selectors import officers_on, organisation_get
from membership.models import (
    CommunicationConsent,
    Member,
    MemberClassPeriod,
    ShareTransaction,
)
from membership.selectors import voting_classes_on

from .models import (
    AgendaItem,
    Attendance,
    AttendanceMode,
    Channel,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MeetingStatus,
    Notice,
    NoticeDelivery,
    ReservedSeats,
    Rulebook,
)
from .rules import RulebookSettings, quorum_required


def rulebook_in_force(*, on: dt.date) -> Rulebook | None:
    return Rulebook.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def rulebooks():
    return Rulebook.objects.all()


def settings_of(rulebook: Rulebook) -> RulebookSettings:
    return RulebookSettings.from_json(rulebook.settings)


def meeting_settings(meeting: Meeting) -> RulebookSettings | None:
    """The rules of a meeting: the version pinned when its notice went out, or, before
    that, the version in force on its date."""
    rulebook = meeting.rulebook or rulebook_in_force(on=timezone.localdate(meeting.starts_at))
    return settings_of(rulebook) if rulebook else None


def meetings():
    return Meeting.objects.select_related("constituency", "rulebook")


def meeting_items(meeting: Meeting):
    return meeting.items.select_related("constituency", "confirms__meeting").prefetch_related(
        "candidates")


def entitled_members(*, meeting: Meeting, on: dt.date):
    """Members entitled to notice of (and to attend) the meeting: on the register on that
    date; for a class meeting, in the class on that date."""
    members = Member.objects.filter(admitted_on__lte=on).filter(
        Q(ceased_on__isnull=True) | Q(ceased_on__gt=on))
    if meeting.constituency_id:
        members = members.filter(Exists(MemberClassPeriod.objects.filter(
            member=OuterRef("pk"), stakeholder_class_id=meeting.constituency_id,
            started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))))
    return members


def with_email_consent(members, *, on: dt.date):
    """Annotate `email_consent` with the address the member agreed to be emailed at on
    that date (empty when they get post)."""
    consent = CommunicationConsent.objects.filter(member=OuterRef("pk"), given_on__lte=on
                                                  ).filter(Q(withdrawn_on__isnull=True)
                                                           | Q(withdrawn_on__gt=on))
    return members.annotate(email_consent=Subquery(consent.values("email")[:1]))


def current_consent(member: Member) -> CommunicationConsent | None:
    return member.consents.filter(withdrawn_on__isnull=True).first()


@dataclass(frozen=True)
class QuorumStatus:
    entitled: int
    present: int
    present_by_mode: dict[str, int]
    required: int
    counts_remote: bool
    adjourned_meeting: bool

    @property
    def quorate(self) -> bool:
        return self.present >= self.required

    @property
    def present_in_words(self) -> str:
        return ", ".join(f"{n} {AttendanceMode(mode).label.lower()}"
                         for mode, n in self.present_by_mode.items() if n)


def quorum_status(meeting: Meeting) -> QuorumStatus:
    """Members present now (each once, however they attend), against the quorum the rules
    set for the number of members entitled to attend. Remote attendees count only where
    the rules allow; at an adjourned meeting the members present are a quorum."""
    settings = meeting_settings(meeting) or RulebookSettings()
    entitled = entitled_members(meeting=meeting, on=meeting.record_date).count()
    present = Attendance.objects.filter(meeting=meeting, left_at__isnull=True)
    by_mode = {mode: present.filter(mode=mode).count() for mode in AttendanceMode.values}
    counted = sum(n for mode, n in by_mode.items()
                  if mode != AttendanceMode.REMOTE or settings.remote_attendance_counts)
    adjourned = meeting.adjourned_from_id is not None
    required = 1 if adjourned else quorum_required(settings, members=entitled)
    return QuorumStatus(entitled=entitled, present=counted, present_by_mode=by_mode,
                        required=required, counts_remote=settings.remote_attendance_counts,
                        adjourned_meeting=adjourned)


def attendance(meeting: Meeting):
    return meeting.attendance.select_related("member").order_by("arrived_at")


def notices(meeting: Meeting):
    return meeting.notices.select_related("mailing")


def latest_notice(meeting: Meeting) -> Notice | None:
    return meeting.notices.order_by("-created_at").first()


@dataclass(frozen=True)
class ServiceRow:
    member_number: int
    name: str
    channel: str
    address: str
    status: str
    sent_at: dt.datetime | None
    deemed_delivered_at: dt.datetime | None
    note: str = ""


def _service_note(item: NoticeDelivery) -> str:
    """Why a member was served by post after their email, or is being tried again."""
    email = item.replaces.delivery if item.replaces_id and item.replaces.delivery else None
    if email is not None:
        why = ("the mail server could not take it before "
               f"{timezone.localtime(email.retry_until):%-d %B %Y, %H:%M}"
               if email.gave_up and email.retry_until else "the address refused it")
        return f"By post because the email to {email.to_email} could not be sent ({why})."
    if hasattr(item, "replaced_by"):
        return "Sent by post instead: see the member's letter."
    if item.delivery is not None and item.delivery.status == DeliveryStatus.QUEUED \
            and item.delivery.attempts:
        until = item.delivery.retry_until
        return ("The mail server did not take it yet; tried again"
                + (f" until {timezone.localtime(until):%-d %B %Y, %H:%M}, then by post."
                   if until else "."))
    return ""


def proof_of_service(notice: Notice) -> list[ServiceRow]:
    """For every member the notice went to: how, where, whether it was sent, when, and when
    it is deemed delivered (48 working hours later, on the organisation's nation's
    calendar)."""
    organisation = organisation_get()
    nation = organisation.nation if organisation else "england-wales"
    rows = []
    for item in notice.deliveries.select_related(
            "member", "delivery", "postal_batch", "replaces__delivery", "replaced_by"
    ).order_by("member__member_number", "pk"):
        if item.channel == Channel.EMAIL and item.delivery is not None:
            status = item.delivery.get_status_display()
            sent_at = item.delivery.sent_at if item.delivery.status == DeliveryStatus.SENT \
                else None
        else:
            posted = item.postal_batch.posted_at if item.postal_batch else None
            status = "Posted" if posted else "Waiting to be posted"
            sent_at = posted
        rows.append(ServiceRow(
            member_number=item.member.member_number, name=item.member.full_name,
            channel=item.get_channel_display(), address=item.address, status=status,
            sent_at=sent_at,
            deemed_delivered_at=add_working_hours(sent_at, 48, nation=nation)
            if sent_at else None, note=_service_note(item)))
    return rows


def latest_deemed_delivery(notice: Notice) -> dt.datetime | None:
    """The latest deemed delivery of the notice so far: what the meeting's lawfulness
    rests on (rules guide I: use each recipient's deemed delivery, and the latest)."""
    times = [row.deemed_delivered_at for row in proof_of_service(notice)
             if row.deemed_delivered_at]
    return max(times) if times else None


def notice_delivery_for(*, delivery: Delivery) -> NoticeDelivery | None:
    return NoticeDelivery.objects.filter(delivery=delivery).select_related(
        "notice", "member").first()


def member_meetings(*, member: Member):
    """Meetings whose notice the member was sent, newest first."""
    return Meeting.objects.filter(notices__deliveries__member=member).distinct().order_by(
        "-starts_at")


def member_notice(*, member_id: int, meeting_id: int) -> NoticeDelivery | None:
    """The latest notice of the meeting that went to the member (with the meeting): what
    the member's page shows, and what makes their personal link good."""
    return (NoticeDelivery.objects.filter(member_id=member_id, notice__meeting_id=meeting_id)
            .select_related("notice__meeting", "member", "delivery", "postal_batch")
            .order_by("-notice__created_at").first())


def upcoming_meetings():
    return Meeting.objects.filter(status__in=[MeetingStatus.DRAFT, MeetingStatus.NOTICE_SENT,
                                              MeetingStatus.OPEN]).order_by("starts_at")


def past_meetings():
    return Meeting.objects.exclude(status__in=[MeetingStatus.DRAFT,
                                               MeetingStatus.NOTICE_SENT,
                                               MeetingStatus.OPEN]).order_by("-starts_at")


def last_agm_date() -> dt.date | None:
    held = Meeting.objects.filter(kind=MeetingKind.AGM, status=MeetingStatus.CLOSED
                                  ).order_by("-starts_at").first()
    return timezone.localdate(held.starts_at) if held else None


def reserved_seats():
    return ReservedSeats.objects.select_related("stakeholder_class")


def item_for(meeting: Meeting, pk: int) -> AgendaItem | None:
    return meeting.items.filter(pk=pk).first()


def meeting_documents(meeting: Meeting):
    return meeting.documents.all()


def document_for(meeting: Meeting, pk: int) -> MeetingDocument | None:
    return meeting.documents.filter(pk=pk).first()


def directors_on(*, on: dt.date):
    """The directors' current appointments on a date, longest in office first."""
    return officers_on(on=on).filter(role__in=DIRECTOR_ROLES).order_by("started_on", "pk")


def meeting_with_items(pk: int) -> Meeting | None:
    return meetings().prefetch_related(
        Prefetch("items", queryset=AgendaItem.objects.order_by("position"))).filter(
        pk=pk).first()


def voting_rights(members, *, settings: RulebookSettings | None, on: dt.date | None = None
                  ) -> dict:
    """Each member's votes under the rules' voting basis on a date: one each; or, on one
    share one vote, the shares they hold that carry votes then (with the rules' cap)."""
    on = on or timezone.localdate()
    ids = list(members.values_list("pk", flat=True))
    if settings is None or settings.voting_basis != "one_share_one_vote":
        return {"total": len(ids), "by_member": dict.fromkeys(ids, 1)}
    _voting_classes, voting_share_classes = voting_classes_on(on=on)
    held = dict(ShareTransaction.objects.filter(
        member_id__in=ids, share_class_id__in=voting_share_classes, effective_on__lte=on)
        .values("member_id").annotate(total=Sum("shares")).values_list("member_id", "total"))
    cap = settings.share_vote_cap
    by_member = {pk: min(held.get(pk, 0), cap) if cap else held.get(pk, 0) for pk in ids}
    return {"total": sum(by_member.values()), "by_member": by_member}


def notice_progress(notice: Notice) -> dict:
    """How far the notice has gone: the emails sent by the workers (letters are counted
    when they are made, and posted by the secretary). Finished when every delivery is
    made and every email has been tried, even if all the members get post."""
    mailing = notice.mailing
    progress = mailing_progress(mailing=mailing)
    prepared = mailing.prepared_at is not None
    by_post = notice.deliveries.filter(channel=Channel.POST).count()
    return {**progress, "preparing": not prepared, "recipients": notice.recipients,
            "by_post": by_post,
            "finished": prepared and progress["done"] >= progress["total"]}
