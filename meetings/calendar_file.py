"""The meeting as an iCalendar event (RFC 5545), attached to notices and offered on the
member's page."""

import datetime as dt
from urllib.parse import urlparse

from django.conf import settings
from icalendar import Calendar, Event

from .models import Meeting

DEFAULT_LENGTH = dt.timedelta(hours=2)


def meeting_ics(meeting: Meeting, *, organisation_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{organisation_name}//General meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    event.add("uid", f"meeting-{meeting.pk}@{host}")
    event.add("dtstamp", meeting.created_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + DEFAULT_LENGTH)
    event.add("summary", f"{meeting.title}, {organisation_name}")
    if meeting.place:
        event.add("location", meeting.place.replace("\n", ", "))
    if meeting.online_url:
        event.add("url", meeting.online_url)
    event.add("description", "\n".join(
        f"{item.position}. {item.title}" for item in meeting.items.order_by("position")))
    calendar.add_component(event)
    return calendar.to_ical()
