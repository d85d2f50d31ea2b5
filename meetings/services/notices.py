"""Notices of meetings: checked, then sent to every member on the register on the day of
sending, by email to those who agreed to it and by post to the others; one delivery row per
member; exactly one copy each (the outbox's leases and sweep), resumable if interrupted."""

import datetime as dt
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from accounts.roles import Role
from governance.calendar import subtract_working_hours
from governance.exceptions import DomainError
from governance.models import Delivery, Mailing
from governance.outbox import deliveries_queue_many, retry_window
from governance.selectors import officers_on, organisation_get
from governance.services import audit_record
from governance.timing import ShortNoticeConsent as ShortNoticeAnswer
from governance.timing import notice_clear_days, short_notice_consent
from governance.transactions import atomic, queue_after_commit, task_send
from membership.models import CommunicationConsent, Member

from .. import selectors
from ..composing import Problem, notice_body, notice_context, notice_problems, notice_subject
from ..models import (
    Channel,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeDelivery,
    NoticeStatus,
    PostalBatch,
    ShortNoticeConsent,
)

CHUNK = 2000


class NoticeRefused(DomainError):
    """The notice cannot go out; `problems` says every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


def secretary_name(on: dt.date) -> str:
    secretary = officers_on(on=on).filter(role=Role.SECRETARY).first()
    return secretary.full_name if secretary else "The secretary"


def notice_preview(*, meeting: Meeting, introduction: str = "",
                   sent_at: dt.datetime | None = None) -> tuple[str, str, list[Problem]]:
    """The subject and text the members would be sent now, and what stops it going."""
    organisation = organisation_get()
    sent_at = sent_at or timezone.now()
    today = timezone.localdate(sent_at)
    rulebook = selectors.rulebook_in_force(on=today)
    settings = selectors.settings_of(rulebook) if rulebook else None
    items = list(selectors.meeting_items(meeting))
    recipients = selectors.entitled_members(meeting=meeting, on=today).count()
    problems = notice_problems(meeting=meeting, items=items, settings=settings,
                               organisation=organisation, sent_at=sent_at,
                               recipients=recipients,
                               short_notice_agreed=short_notice_agreed(meeting=meeting))
    body = ""
    if settings is not None:
        body = notice_body(notice_context(
            meeting=meeting, items=items, settings=settings, organisation=organisation,
            secretary=secretary_name(today), sent_on=today, introduction=introduction))
    return notice_subject(meeting, organisation), body, problems


def notice_send(*, actor, meeting: Meeting, introduction: str = "") -> Notice:
    """Check the notice and start sending it. Refused, with every reason, if it is late,
    incomplete or addressed to nobody; nothing is then written. The deliveries are made
    and sent by workers; the notice's mailing shows the progress."""
    with atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status != MeetingStatus.DRAFT:
            raise DomainError(f"The meeting is {meeting.get_status_display().lower()}: its "
                              "notice has already gone.")
        now = timezone.now()
        subject, body, problems = notice_preview(meeting=meeting, introduction=introduction,
                                                 sent_at=now)
        if problems:
            raise NoticeRefused(problems)
        today = timezone.localdate(now)
        meeting.rulebook = selectors.rulebook_in_force(on=today)
        meeting.status = MeetingStatus.NOTICE_SENT
        meeting.save(update_fields=["rulebook", "status"])
        mailing = Mailing.objects.create(
            kind="meeting_notice", title=subject, created_by_id=getattr(actor, "pk", None),
            selection={"meeting_id": meeting.pk}, retry_until=notice_retry_until(
                meeting=meeting, sent_at=now, organisation=organisation_get(),
                settings=selectors.settings_of(meeting.rulebook)))
        notice = Notice.objects.create(
            meeting=meeting, subject=subject, body=body, status=NoticeStatus.SENDING,
            mailing=mailing, sent_at=now, register_date=today,
            created_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="notice.sending", target=notice, changes={
            "meeting_id": meeting.pk, "rulebook_version": meeting.rulebook.version,
            "register_date": today, "starts_at": meeting.starts_at})
        from ..tasks import notice_prepare_task

        queue_after_commit(notice_prepare_task, notice.pk)
        return notice


def notice_prepare(*, notice_id: int) -> int:
    """Make the delivery rows of a notice a chunk at a time (each chunk one transaction):
    an email through the outbox for every member with a current consent, a letter in the
    postal batch for everyone else. Safe to run twice or to resume after a worker died:
    members who already have a delivery row are skipped. Returns how many were made."""
    notice = Notice.objects.select_related("meeting", "mailing").get(pk=notice_id)
    made = 0
    while True:
        with atomic():
            # One preparer at a time: a second copy of the task leaves the work to the first.
            if not Notice.objects.select_for_update(skip_locked=True).filter(
                    pk=notice.pk).exists():
                return made
            # Members are done in the order of their ids, a chunk per transaction, so the
            # next chunk starts after the highest id done (a resumed run included).
            last = NoticeDelivery.objects.filter(notice=notice).aggregate(
                last=Max("member_id"))["last"] or 0
            members = list(selectors.with_email_consent(
                selectors.entitled_members(meeting=notice.meeting, on=notice.register_date)
                .filter(pk__gt=last), on=notice.register_date).order_by("pk")[:CHUNK])
            if not members:
                break
            batch = _open_postal_batch(notice) if any(
                not m.email_consent for m in members) else None
            by_email = [m for m in members if m.email_consent]
            deliveries = {d.payload["member_id"]: d for d in deliveries_queue_many(
                kind="meeting_notice", mailing=notice.mailing, items=[
                    (f"notice:{notice.pk}:member:{m.pk}", m.email_consent,
                     {"notice_id": notice.pk, "member_id": m.pk}) for m in by_email])}
            NoticeDelivery.objects.bulk_create([
                NoticeDelivery(notice=notice, member=m, channel=Channel.EMAIL,
                               address=m.email_consent, delivery=deliveries[m.pk])
                if m.email_consent else
                NoticeDelivery(notice=notice, member=m, channel=Channel.POST,
                               address=m.address, postal_batch=batch)
                for m in members])
            made += len(members)
    with atomic():
        totals = NoticeDelivery.objects.filter(notice=notice)
        Notice.objects.filter(pk=notice.pk).update(recipients=totals.count(),
                                                   status=NoticeStatus.SENT)
        Mailing.objects.filter(pk=notice.mailing_id).update(
            total=totals.filter(channel=Channel.EMAIL).count(), prepared_at=timezone.now())
        if made:
            audit_record(actor=None, action="notice.prepared", target=notice, changes={
                "recipients": totals.count(),
                "by_post": totals.filter(channel=Channel.POST).count()})
    return made


def notices_resume(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Notices whose preparation never ran or stopped half way (the broker was down, a
    worker died): prepare them again. Returns how many were handed to a worker."""
    from ..tasks import notice_prepare_task

    stuck = list(Notice.objects.filter(status=NoticeStatus.SENDING,
                                       sent_at__lt=timezone.now() - older_than)
                 .values_list("pk", flat=True))
    for notice_id in stuck:
        if not task_send(notice_prepare_task, notice_id):
            return 0  # the broker is still down: the next sweep tries again
    return len(stuck)


def _open_postal_batch(notice: Notice) -> PostalBatch:
    batch = PostalBatch.objects.filter(notice=notice, posted_at__isnull=True).first()
    return batch or PostalBatch.objects.create(notice=notice)


def postal_batch_posted(*, actor, batch: PostalBatch, posted_at: dt.datetime) -> PostalBatch:
    """The letters went to the post (or the mail house): from this time each is deemed
    delivered 48 working hours later."""
    if posted_at > timezone.now():
        raise DomainError("Record the posting when it has happened.", field="posted_at")
    with atomic():
        batch = PostalBatch.objects.select_for_update().select_related("notice").get(
            pk=batch.pk)
        if posted_at < batch.notice.sent_at:
            raise DomainError("The letters cannot have been posted before the notice was "
                              "issued.", field="posted_at")
        if batch.posted_at is not None:
            raise DomainError("This batch is already recorded as posted.")
        batch.posted_at = posted_at
        batch.posted_by_id = getattr(actor, "pk", None)
        batch.save(update_fields=["posted_at", "posted_by_id"])
        audit_record(actor=actor, action="notice.posted", target=batch, changes={
            "posted_at": posted_at, "letters": batch.letters.count()})
        return batch


def notice_email_failed(delivery: Delivery, permanent: bool) -> None:
    """An email notice failed for good: it goes to the member by post instead. If the
    address was refused or bounced (`permanent`), the member's consent to email ends too;
    if the mail server could not take it before the end of its retry window, the address
    is not at fault and the consent stands."""
    with atomic():
        sent_by_email = NoticeDelivery.objects.select_related("notice", "member").filter(
            delivery=delivery).first()
        if sent_by_email is None or hasattr(sent_by_email, "replaced_by"):
            return
        member = sent_by_email.member
        if permanent:
            CommunicationConsent.objects.filter(
                member=member, withdrawn_on__isnull=True).update(
                withdrawn_on=timezone.localdate(),
                withdrawn_reason="email bounced: " + delivery.last_error[:150])
        letter = NoticeDelivery.objects.create(
            notice=sent_by_email.notice, member=member, channel=Channel.POST,
            address=member.address, postal_batch=_open_postal_batch(sent_by_email.notice),
            replaces=sent_by_email)
        audit_record(actor=None, action="notice.moved_to_post", target=letter, changes={
            "member_number": member.member_number, "email": delivery.to_email,
            "reason": "refused" if permanent else "not sent in time",
            "error": delivery.last_error[:200]})


# A working day to print and post the letters of members whose email did not go.
POSTING_TIME_HOURS = 24
# However close the meeting, an email is tried again for at least this long.
SHORTEST_RETRY = dt.timedelta(hours=1)


def notice_retry_until(*, meeting: Meeting, sent_at: dt.datetime, settings,
                       organisation) -> dt.datetime:
    """Until when an email of the notice that meets a temporary failure is tried again:
    the outbox's window (a day), but ending a working day before the last moment a letter
    can be posted and still be deemed delivered in time for the meeting, so that a member
    whose email does not go is served by post within the notice period."""
    clear_days = notice_clear_days(legal_form=organisation.legal_form,
                                   clear_days=settings.notice_clear_days)
    # Deemed delivered before the day that starts the clear days (CA06 s.360).
    last_day = timezone.localtime(meeting.starts_at).date() - dt.timedelta(days=clear_days)
    delivered_by = timezone.make_aware(dt.datetime.combine(last_day, dt.time(0)))
    last_posting = subtract_working_hours(
        delivered_by, settings.deemed_delivery_hours + POSTING_TIME_HOURS,
        nation=organisation.nation)
    return min(sent_at + retry_window(), max(last_posting, sent_at + SHORTEST_RETRY))


def short_notice_consent_record(*, actor, meeting: Meeting, member: Member,
                                consented_on: dt.date, how: str) -> ShortNoticeConsent:
    if not how.strip():
        raise DomainError("Say how the member agreed (a signed letter, an email, ...).",
                          field="how")
    with atomic():
        entitled = selectors.entitled_members(meeting=meeting, on=timezone.localdate())
        if not entitled.filter(pk=member.pk).exists():
            raise DomainError(f"{member.full_name} is not entitled to attend this meeting.",
                              field="member")
        consent, created = ShortNoticeConsent.objects.get_or_create(
            meeting=meeting, member=member,
            defaults={"consented_on": consented_on, "how": how.strip()})
        if not created:
            raise DomainError(f"{member.full_name}'s agreement is already recorded.",
                              field="member")
        audit_record(actor=actor, action="meeting.short_notice_consent", target=meeting,
                     changes={"member_number": member.member_number,
                              "consented_on": consented_on, "how": how})
        return consent


def short_notice_agreed(*, meeting: Meeting) -> bool:
    """Whether enough members agreed to short notice: a majority in number holding the
    percentage of the voting rights the rules set (CA06 s.307(4)-(6)); only where the rules
    allow short notice at all."""
    return short_notice_status(meeting=meeting).valid


def short_notice_status(*, meeting: Meeting):
    organisation = organisation_get()
    settings = selectors.meeting_settings(meeting)
    entitled = selectors.entitled_members(meeting=meeting, on=timezone.localdate())
    consenting = entitled.filter(pk__in=meeting.short_notice_consents.values("member_id"))
    rights = selectors.voting_rights(entitled, settings=settings)
    if not entitled.exists() or not rights["total"]:
        return ShortNoticeAnswer(valid=False, headcount_met=False, voting_rights_met=False,
                                  percent=Decimal(0), reason="No member entitled to attend "
                                  "holds voting rights, so nobody can agree to short notice.")
    result = short_notice_consent(
        legal_form=organisation.legal_form, members_entitled=entitled.count(),
        members_consenting=consenting.count(), voting_rights_total=rights["total"],
        voting_rights_consenting=sum(rights["by_member"].get(m, 0)
                                     for m in consenting.values_list("pk", flat=True)),
        threshold_percent=settings.short_notice_percent if settings else None)
    if settings is None or not settings.short_notice_allowed:
        return type(result)(valid=False, headcount_met=result.headcount_met,
                            voting_rights_met=result.voting_rights_met,
                            percent=result.percent,
                            reason="The rules do not allow a meeting on short notice.")
    return result

