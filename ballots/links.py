"""Personal voting links for ballots held without a meeting (a ballot of the members, a
written resolution): a signed token naming one member and one ballot, so that members
without a login can vote. A meeting's ballot uses the meeting's personal link instead."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "ballots.voter-link"
MAX_AGE = 60 * 60 * 24 * 120


def voter_link_token(*, member_id: int, ballot_id: int) -> str:
    return signing.dumps({"member": member_id, "ballot": ballot_id}, salt=SALT, compress=True)


def voter_link_read(token: str) -> tuple[int, int] | None:
    """(member id, ballot id), or None for a token that was altered or is too old."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data["member"], data["ballot"]


def voter_link_url(*, member_id: int, ballot_id: int) -> str:
    token = voter_link_token(member_id=member_id, ballot_id=ballot_id)
    return settings.SITE_URL.rstrip("/") + reverse("ballots:voter_link", args=[token])
