"""Writes for accounts: invitations to set a password."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

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


def invitation_send(*, user_id: int) -> bool:
    """Email a link to set a password. Safe to run twice: the claim is a compare-and-set on
    `invitation_sent_at`, and a failed send releases it so that a retry can send again.
    Returns False when the invitation had already been sent."""
    claimed = User.objects.filter(pk=user_id, invitation_sent_at__isnull=True).update(
        invitation_sent_at=timezone.now()
    )
    if not claimed:
        return False
    user = User.objects.get(pk=user_id)
    email_address_ensure(user=user)
    context = {"user": user, "url": set_password_url(user=user),
               "platform_name": settings.PLATFORM_NAME}
    try:
        send_mail(
            subject=render_to_string("email/invitation_subject.txt", context).strip(),
            message=render_to_string("email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        User.objects.filter(pk=user_id).update(invitation_sent_at=None)
        raise
    return True
