"""The notice of a meeting: what it must say (the checks before anything is sent) and
its text, composed from the meeting, its agenda and the rules in force."""

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from governance.formatting import long_date
from governance.models import Organisation
from governance.timing import day_words, notice_timing, proxy_deadlines

from .models import AgendaItem, ItemKind, Meeting, MeetingKind, ResolutionType
from .rules import RulebookSettings

# Resolutions whose full text the notice must set out (CA06 s.283(6); society rules).
FULL_TEXT_REQUIRED = {ResolutionType.SPECIAL, ResolutionType.EXTRAORDINARY,
                      ResolutionType.RULE_AMENDMENT, ResolutionType.AMALGAMATION,
                      ResolutionType.TRANSFER_OF_ENGAGEMENTS, ResolutionType.CONVERSION,
                      ResolutionType.DISSOLUTION}


@dataclass(frozen=True)
class Problem:
    """Something that stops the notice going out, and where to put it right."""

    field: str
    message: str


def notice_problems(*, meeting: Meeting, items: list[AgendaItem],
                    settings: RulebookSettings | None, organisation: Organisation,
                    sent_at: dt.datetime, recipients: int, short_notice_agreed: bool
                    ) -> list[Problem]:
    """Every reason the notice may not go out now (rules guide D2-D5; CA06 ss.307, 311,
    325, 337): too late, incomplete, or addressed to nobody."""
    problems = []
    if settings is None:
        problems.append(Problem("rulebook", "No rules are in force on the day of the notice: "
                                            "adopt the rulebook first."))
    if not (meeting.place.strip() or meeting.online_url):
        problems.append(Problem("place", "Say where the meeting is held: a place, an online "
                                         "link, or both."))
    if not items:
        problems.append(Problem("items", "The notice must state the general nature of the "
                                         "business: add the agenda."))
    for item in items:
        if item.kind == ItemKind.RESOLUTION and item.resolution_type in FULL_TEXT_REQUIRED \
                and not item.resolution_text.strip():
            problems.append(Problem("items", f"Item {item.position}: the full text of a "
                                             f"{item.get_resolution_type_display().lower()} "
                                             "must be in the notice."))
        # Nominations are open on their closing day too, and none can be added once the
        # notice has gone.
        if item.kind == ItemKind.ELECTION and item.nominations_close and \
                item.nominations_close >= timezone.localdate(sent_at):
            problems.append(Problem("items", f"Item {item.position}: nominations are open "
                                             f"until {long_date(item.nominations_close)}; "
                                             "send the notice when they have closed."))
    if meeting.kind == MeetingKind.AGM and "annual general meeting" not in \
            meeting.title.lower():
        problems.append(Problem("title", "The notice of an AGM must say that the meeting is "
                                         "the annual general meeting: put it in the title."))
    if recipients == 0:
        problems.append(Problem("recipients", "Nobody is on the register to send it to."))
    if settings is not None:
        timing = notice_timing(legal_form=organisation.legal_form, nation=organisation.nation,
                               sent_at=sent_at, meeting=meeting.starts_at,
                               clear_days=settings.notice_clear_days,
                               delivery_hours=settings.deemed_delivery_hours)
        if not timing.meeting_lawful and not short_notice_agreed:
            problems.append(Problem("starts_at", "Too late for this date. " + timing.reason))
    return problems


def notice_context(*, meeting: Meeting, items: list[AgendaItem], settings: RulebookSettings,
                   organisation: Organisation, secretary: str, sent_on: dt.date,
                   introduction: str = "") -> dict:
    deadlines = None
    if settings.proxies.allowed:
        deadlines = proxy_deadlines(
            legal_form=organisation.legal_form, nation=organisation.nation,
            meeting_at=meeting.starts_at,
            appointment_hours=settings.proxies.appointment_deadline_hours,
            revocation_hours=settings.proxies.revocation_deadline_hours)
    local_start = timezone.localtime(meeting.starts_at)
    return {
        "organisation": organisation, "meeting": meeting, "items": items,
        "settings": settings, "secretary": secretary, "sent_on": long_date(sent_on),
        "introduction": introduction.strip(), "deadlines": deadlines,
        "meeting_day": day_words(local_start.date()),
        "meeting_time": local_start.strftime("%H:%M"),
        "documents": list(meeting.documents.all()),
    }


def notice_subject(meeting: Meeting, organisation: Organisation) -> str:
    return f"Notice of the {meeting.title}: {organisation.name}"


def notice_body(context: dict) -> str:
    """The text every member is sent (the personal part of an email is added to it)."""
    return render_to_string("meetings/notice.txt", context).strip() + "\n"
