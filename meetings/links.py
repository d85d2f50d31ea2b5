"""Personal links in notices: a signed token naming one member and one meeting, so that a
member without a login (an imported one, say) can open their papers, and later their
ballot. The token can do nothing else."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "meetings.member-link"
MAX_AGE = 60 * 60 * 24 * 400  # a year and a bit: a notice is answered within weeks


def member_link_token(*, member_id: int, meeting_id: int) -> str:
    return signing.dumps({"member": member_id, "meeting": meeting_id}, salt=SALT,
                         compress=True)


def member_link_read(token: str) -> tuple[int, int] | None:
    """(member id, meeting id), or None for a token that was altered or is too old."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data["member"], data["meeting"]


def member_link_url(*, member_id: int, meeting_id: int) -> str:
    path = reverse("meetings:member_link",
                   args=[member_link_token(member_id=member_id, meeting_id=meeting_id)])
    return settings.SITE_URL.rstrip("/") + path
