"""Tasks go through Redis to a real `celery worker` process and back."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from accounts.services import invitation_send
from governance import services
from governance.tasks import health_ping_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_task_round_trip_through_the_broker(celery_worker_process):
    result = health_ping_task.apply_async(args=["abc"])
    assert result.get(timeout=15) == "pong:abc"


def test_health_page_reports_every_service(client, celery_worker_process):
    response = client.get(reverse("governance:health"), {"format": "json"})
    assert response.status_code == 200
    checks = {check["name"]: check for check in response.json()["checks"]}
    assert checks["database"]["ok"] and checks["database"]["detail"] == "postgresql"
    assert checks["broker"]["ok"] and checks["broker"]["detail"] == "redis"
    assert checks["worker"]["ok"]
    assert not checks["beat"]["ok"]  # no beat process in the test run
    html = client.get(reverse("governance:health"))
    assert b"System health" in html.content


def test_appointed_officer_is_invited_by_the_worker_and_can_set_a_password(
        client, celery_worker_process, mailbox, users):
    services.officer_appoint(actor=users["secretary"], email="Grace@Example.org",
                             full_name="Grace Hopper", role="scrutineer",
                             started_on=__import__("datetime").date(2025, 5, 1))
    message = mailbox.wait_for(1, timeout=30)[0]
    assert message["X-Envelope-To"] == "grace@example.org"
    assert "invited" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)
    page = client.get(path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    response = client.post(form_url, {"password1": "grace-sets-a-password-1",
                                      "password2": "grace-sets-a-password-1"})
    assert response.status_code == 302
    grace = User.objects.get(email="grace@example.org")
    assert EmailAddress.objects.get(user=grace).verified
    assert grace.check_password("grace-sets-a-password-1")


def test_invitation_task_is_idempotent(mailbox, users):
    user = User.objects.create_user(email="twice@example.org", full_name="Twice")
    assert invitation_send(user_id=user.pk) is True
    assert invitation_send(user_id=user.pk) is False
    mailbox.wait_for(1)
    assert len(mailbox.to("twice@example.org")) == 1


def test_invitation_claim_is_released_when_sending_fails(users, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    user = User.objects.create_user(email="retry@example.org", full_name="Retry")
    with pytest.raises(OSError):
        invitation_send(user_id=user.pk)
    user.refresh_from_db()
    assert user.invitation_sent_at is None
