"""Composers for the governance app's emails (see governance.outbox)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from accounts.services import email_address_ensure, set_password_url

from .models import Delivery
from .outbox import PermanentFailure, composer
from .selectors import organisation_get


def render_email(*, template: str, context: dict, to: str) -> EmailMessage:
    """The subject and body from templates/email/<template>_subject.txt and .txt."""
    return EmailMessage(
        subject=render_to_string(f"email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"email/{template}.txt", context), to=[to])


@composer("invitation")
def invitation(delivery: Delivery) -> EmailMessage:
    """A link to set a password: for a new officer, or a member who has no login yet.
    The link is made when the email is sent, so it is fresh."""
    user = get_user_model().objects.filter(pk=delivery.payload.get("user_id")).first()
    if user is None or not user.is_active:
        raise PermanentFailure("the account no longer exists or is switched off")
    email_address_ensure(user=user)
    organisation = organisation_get()
    return render_email(template="invitation", to=user.email, context={
        "user": user, "url": set_password_url(user=user),
        "platform_name": organisation.name if organisation else settings.PLATFORM_NAME,
        "reason": delivery.payload.get("reason", "")})
