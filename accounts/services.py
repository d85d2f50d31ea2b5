"""Accounts: the link that lets an invited person set a password."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from .models import User


def set_password_url(*, user: User) -> str:
    path = reverse("account_reset_password_from_key", kwargs={
        "uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user),
    })
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def email_address_ensure(*, user: User) -> EmailAddress:
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email,
        defaults={"email": user.email, "primary": True, "verified": False},
    )
    return address
