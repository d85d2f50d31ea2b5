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
