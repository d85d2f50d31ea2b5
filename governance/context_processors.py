from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .selectors import organisation_get


def organisation(request) -> dict:
    org = organisation_get()
    try:
        reverse("membership:apply")
        membership_open = True
    except NoReverseMatch:
        membership_open = False
    return {
        "organisation": org,
        "organisation_name": org.name if org else settings.PLATFORM_NAME,
        "membership_open": membership_open,
    }
