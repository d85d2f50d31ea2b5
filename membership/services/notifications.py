"""Emails about membership, sent by Celery tasks. Each is claimed with a compare-and-set
so that a task run twice sends once; a failed send releases the claim for the retry."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance.selectors import organisation_get

from ..models import Application
from ..pdf import share_certificate_pdf


def _claim(application_id: int, field: str) -> bool:
    return bool(Application.objects.filter(pk=application_id, **{f"{field}__isnull": True})
                .update(**{field: timezone.now()}))


def _release(application_id: int, field: str) -> None:
    Application.objects.filter(pk=application_id).update(**{field: None})


def _send(*, template: str, context: dict, to: str, attachments=()) -> None:
    message = EmailMessage(
        subject=render_to_string(f"email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"email/{template}.txt", context), to=[to])
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def application_confirmation_send(*, application_id: int) -> bool:
    if not _claim(application_id, "confirmation_sent_at"):
        return False
    application = Application.objects.select_related("share_class").get(pk=application_id)
    organisation = organisation_get()
    url = settings.SITE_URL.rstrip("/") + reverse("membership:apply_confirm",
                                                  args=[application.email_token])
    try:
        _send(template="application_confirm", to=application.email, context={
            "application": application, "url": url, "organisation": organisation})
    except Exception:
        _release(application_id, "confirmation_sent_at")
        raise
    return True


def rejection_send(*, application_id: int) -> bool:
    if not _claim(application_id, "rejection_sent_at"):
        return False
    application = Application.objects.get(pk=application_id)
    try:
        _send(template="application_rejected", to=application.email, context={
            "application": application, "organisation": organisation_get()})
    except Exception:
        _release(application_id, "rejection_sent_at")
        raise
    return True


def welcome_send(*, application_id: int) -> bool:
    if not _claim(application_id, "welcome_sent_at"):
        return False
    application = Application.objects.select_related(
        "member", "allotment__share_class", "allotment__member").get(pk=application_id)
    organisation = organisation_get()
    entry = application.allotment
    pdf = share_certificate_pdf(entry=entry, organisation=organisation)
    try:
        _send(template="welcome", to=application.member.email or application.email, context={
            "application": application, "member": application.member, "entry": entry,
            "organisation": organisation,
            "portal_url": settings.SITE_URL.rstrip("/") + reverse("membership:portal"),
        }, attachments=[(f"share-certificate-{entry.certificate_number}.pdf", pdf,
                         "application/pdf")])
    except Exception:
        _release(application_id, "welcome_sent_at")
        raise
    return True
