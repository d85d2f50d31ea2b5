"""Composers for the membership app's emails (see governance.outbox)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from governance.emails import render_email
from governance.models import Delivery
from governance.outbox import PermanentFailure, composer
from governance.selectors import organisation_get

from .models import Application
from .pdf import share_certificate_pdf


def _application(delivery: Delivery) -> Application:
    application = Application.objects.select_related(
        "share_class", "member", "allotment__share_class", "allotment__member").filter(
        pk=delivery.payload.get("application_id")).first()
    if application is None:
        raise PermanentFailure("the application no longer exists")
    return application


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@composer("application_confirmation")
def application_confirmation(delivery: Delivery) -> EmailMessage:
    application = _application(delivery)
    return render_email(template="application_confirm", to=delivery.to_email, context={
        "application": application, "organisation": organisation_get(),
        "url": _site(reverse("membership:apply_confirm", args=[application.email_token]))})


@composer("application_rejection")
def application_rejection(delivery: Delivery) -> EmailMessage:
    return render_email(template="application_rejected", to=delivery.to_email, context={
        "application": _application(delivery), "organisation": organisation_get()})


@composer("welcome")
def welcome(delivery: Delivery) -> EmailMessage:
    """The welcome (or further shares) email with the share certificate attached."""
    application = _application(delivery)
    entry = application.allotment
    if entry is None:
        raise PermanentFailure("the allotment was reversed before the email was sent")
    organisation = organisation_get()
    message = render_email(template="welcome", to=delivery.to_email, context={
        "application": application, "member": application.member, "entry": entry,
        "organisation": organisation, "portal_url": _site(reverse("membership:portal"))})
    message.attach(f"share-certificate-{entry.certificate_number}.pdf",
                   share_certificate_pdf(entry=entry, organisation=organisation),
                   "application/pdf")
    return message


def _login_email_change(delivery: Delivery):
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.select_related("user").filter(
        pk=delivery.payload.get("email_address_id"), verified=False).first()
    if address is None:
        raise PermanentFailure("the change was confirmed or replaced by another")
    organisation = organisation_get()
    return address, {"user": address.user, "new_email": address.email,
                     "platform_name": organisation.name if organisation
                     else settings.PLATFORM_NAME}


@composer("login_email_confirm")
def login_email_confirm(delivery: Delivery) -> EmailMessage:
    """The secretary changed the address a member signs in with: the new address confirms
    it with allauth's own link (made when the email is sent)."""
    from allauth.account import app_settings
    from allauth.account.models import EmailConfirmationHMAC

    address, context = _login_email_change(delivery)
    url = _site(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    return render_email(template="login_email_confirm", to=address.email, context={
        **context, "url": url, "days": app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS})


@composer("login_email_notice")
def login_email_notice(delivery: Delivery) -> EmailMessage:
    """The same change, told to the old address at once: if the member did not ask for
    it, they can tell the secretary before the new address confirms it."""
    _address, context = _login_email_change(delivery)
    return render_email(template="login_email_notice", to=delivery.to_email, context=context)
