import datetime as dt
import json
import math

from django.core.management.base import BaseCommand, CommandError

from governance.calendar import LONDON, Nation
from governance.exceptions import DomainError
from governance.models import LegalForm
from governance.timing import (
    confirmation_window,
    day_words,
    notice_timing,
    proxy_deadlines,
)
from governance.validators import MAX_DEADLINE_HOURS, MAX_NOTICE_DAYS


def _moment(value: str, *, option: str) -> dt.datetime:
    """An ISO 8601 date and time; without an offset it is London local time."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not an ISO 8601 date and time "
                           "(for example 2025-03-03T10:00).") from None
    return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment


def _day(value: str, *, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not an ISO 8601 date "
                           "(for example 2025-06-10).") from None


def _within(value: float | None, *, option: str, highest: int) -> None:
    """The same ranges as the planner's form ("When can we hold the meeting?")."""
    if value is not None and not math.isfinite(value):
        raise CommandError(f"{option} must be a number of hours, not {value}.")
    if value is not None and value < 0:
        raise CommandError(f"{option} cannot be negative.")
    if value is not None and value > highest:
        raise CommandError(f"{option} cannot be more than {highest:,}.")


def _when(moment: dt.datetime | None) -> str:
    return "no deadline" if moment is None else f"{day_words(moment.date())} {moment:%H:%M}"


class Command(BaseCommand):
    help = ("When a notice of a general meeting is deemed delivered, the earliest lawful meeting "
            "date, whether the planned meeting is lawful, and the proxy deadlines.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--legal-form", required=True,
                            help=f"One of: {', '.join(LegalForm.values)}.")
        parser.add_argument("--nation", required=True,
                            help=f"Whose bank holidays count: {', '.join(Nation.values)}.")
        parser.add_argument("--notice-sent", required=True,
                            help="When the notice was sent (ISO 8601; no offset = London time).")
        parser.add_argument("--meeting", required=True,
                            help="When the meeting starts (ISO 8601; no offset = London time).")
        parser.add_argument("--clear-days", type=int,
                            help="Clear days' notice the rulebook requires (default 14).")
        parser.add_argument("--proxy-deadline-hours", type=float,
                            help="Working hours before the meeting by which proxy appointments "
                            "must arrive.")
        parser.add_argument("--revocation-deadline-hours", type=float,
                            help="Working hours before the meeting by which proxy revocations "
                            "must arrive.")
        parser.add_argument("--first-meeting",
                            help="Date of the first meeting of a society's two-stage special "
                            "resolution; prints the window for the confirming meeting "
                            "(refused for a company, which has no such procedure).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        legal_form, nation = options["legal_form"], options["nation"]
        if legal_form not in LegalForm.values:
            raise CommandError(f"--legal-form: unknown legal form {legal_form!r}; expected one "
                               f"of {', '.join(LegalForm.values)}.")
        if nation not in Nation.values:
            raise CommandError(f"--nation: unknown nation {nation!r}; expected one of "
                               f"{', '.join(Nation.values)}.")
        sent_at = _moment(options["notice_sent"], option="--notice-sent")
        meeting_at = _moment(options["meeting"], option="--meeting")
        first_meeting = (_day(options["first_meeting"], option="--first-meeting")
                         if options["first_meeting"] else None)
        _within(options["clear_days"], option="--clear-days", highest=MAX_NOTICE_DAYS)
        for option in ("proxy_deadline_hours", "revocation_deadline_hours"):
            _within(options[option], option=f"--{option.replace('_', '-')}",
                    highest=MAX_DEADLINE_HOURS)

        try:
            timing = notice_timing(legal_form=legal_form, nation=nation, sent_at=sent_at,
                                   meeting=meeting_at, clear_days=options["clear_days"])
            proxies = proxy_deadlines(legal_form=legal_form, nation=nation,
                                      meeting_at=meeting_at,
                                      appointment_hours=options["proxy_deadline_hours"],
                                      revocation_hours=options["revocation_deadline_hours"])
            window = confirmation_window(first_meeting=first_meeting, legal_form=legal_form) \
                if first_meeting else None
        except DomainError as exc:  # unlawful, or input the calendar cannot work with
            raise CommandError(exc.message) from exc

        appointment, revocation = proxies.appointment_deadline, proxies.revocation_deadline
        result = {
            "deemed_delivery": timing.deemed_delivery.isoformat(),
            "earliest_meeting": timing.earliest_meeting.isoformat(),
            "meeting_lawful": timing.meeting_lawful,
            "reason": timing.reason,
            "proxy_appointment_deadline": appointment.isoformat() if appointment else None,
            "proxy_revocation_deadline": revocation.isoformat() if revocation else None,
        }
        if window:
            result["confirmation_window"] = {"earliest": window.earliest.isoformat(),
                                             "latest": window.latest.isoformat()}
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return

        delivered = timing.deemed_delivery
        lines = [
            f"Deemed delivery: {_when(delivered)} ({delivered.isoformat()})",
            f"Earliest lawful meeting: {day_words(timing.earliest_meeting)}",
            f"Meeting lawful: {'yes' if timing.meeting_lawful else 'no'}. {timing.reason}",
            f"Proxy appointment deadline: {_when(appointment)}",
            f"Proxy revocation deadline: {_when(revocation)}",
        ]
        if window:
            lines.append(f"Confirming meeting window: {day_words(window.earliest)} to "
                         f"{day_words(window.latest)}")
        self.stdout.write("\n".join(lines))
