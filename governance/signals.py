"""Account events go to the audit log, like every other change."""

from allauth.account.models import EmailAddress
from allauth.account.signals import (
    email_changed,
    email_confirmed,
    password_changed,
    password_reset,
    password_set,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record


def _record(action: str, user, **changes) -> None:
    audit_record(actor=user, action=action, target=user, changes=changes)


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    _record("account.login", user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        _record("account.logout", user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(actor=None, action="account.login_failed",
                 changes={"email": str(credentials.get("email", ""))[:254]})


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    _record("account.password_changed", user)


@receiver(password_set)
def on_password_set(sender, request, user, **kwargs):
    _record("account.password_set", user)


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    # The reset key was emailed to the address, so following it proves the address works:
    # this is how invited officers and admitted members verify their email.
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    _record("account.password_reset", user)


@receiver(email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    _record("account.email_confirmed", email_address.user, email=email_address.email)


@receiver(email_changed)
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    _record("account.email_changed", user,
            **{"from": getattr(from_email_address, "email", None),
               "to": to_email_address.email})


@receiver(authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    _record("account.mfa_added", user, type=authenticator.type)


@receiver(authenticator_removed)
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    _record("account.mfa_removed", user, type=authenticator.type)
