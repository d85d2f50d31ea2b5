"""Composers for the meetings app's emails (see governance.outbox). A notice is composed
once per worker process and personalised per member, so a large mailing stays fast."""

import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from governance.emails import render_email
from governance.models import Delivery
from governance.outbox import PermanentFailure, composer
from governance.selectors import organisation_get

from .calendar_file import meeting_ics
from .links import member_link_url
from .models import Notice
from .services.notices import notice_email_failed

LINK = "__PERSONAL_LINK__"


@dataclass(frozen=True)
class _NoticeParts:
    meeting_id: int
    subject: str
    body: str
    html: str
    ics: bytes
    online_voting: bool


@lru_cache(maxsize=8)
def _notice_parts(notice_id: int) -> _NoticeParts:
    notice = Notice.objects.select_related("meeting__rulebook").get(pk=notice_id)
    organisation = organisation_get()
    online_voting = bool(notice.meeting.rulebook and
                         notice.meeting.rulebook.settings.get("advance_online_voting"))
    html = render_to_string("meetings/email/notice.html", {
        "notice": notice, "organisation": organisation, "link": LINK,
        "online_voting": online_voting})
    return _NoticeParts(meeting_id=notice.meeting_id, subject=notice.subject,
                        body=notice.body, html=html, online_voting=online_voting,
                        ics=meeting_ics(notice.meeting, organisation_name=organisation.name))


class _NoticeEmail(EmailMultiAlternatives):
    """Each multipart gets a random boundary at once: left to itself, Python's email
    generator makes one by compiling a regular expression for every message (a tenth of
    the cost of building a notice)."""

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(f"=={uuid.uuid4().hex}==")
        return message


@composer("meeting_notice", on_failure=notice_email_failed)
def meeting_notice(delivery: Delivery) -> EmailMultiAlternatives:
    """The notice in plain text and HTML, with the meeting as a calendar invitation and the
    member's personal link to their papers (and ballot)."""
    notice_id, member_id = delivery.payload["notice_id"], delivery.payload["member_id"]
    try:
        parts = _notice_parts(notice_id)
    except Notice.DoesNotExist as exc:
        raise PermanentFailure("the notice no longer exists") from exc
    link = member_link_url(member_id=member_id, meeting_id=parts.meeting_id)
    what = "Your papers and your ballot" if parts.online_voting else "Your papers"
    message = _NoticeEmail(subject=parts.subject,
                           body=f"{parts.body}\n{what}: {link}\n",
                           to=[delivery.to_email])
    message.attach_alternative(parts.html.replace(LINK, link), "text/html")
    message.attach(f"meeting-{parts.meeting_id}.ics", parts.ics,
                   "text/calendar; method=PUBLISH")
    return message


@composer("agm_reminder")
def agm_reminder(delivery: Delivery):
    return render_email(template="agm_reminder", to=delivery.to_email, context={
        "organisation": organisation_get(), **delivery.payload})
