"""Tasks go through Redis to a real `celery worker` process and back."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from governance import services
from governance.tasks import health_ping_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_task_round_trip_through_the_broker(celery_worker_process):
    result = health_ping_task.apply_async(args=["abc"])
    assert result.get(timeout=15) == "pong:abc"


def test_the_system_page_shows_every_service_to_the_site_administrator(
        client, celery_worker_process, users):
    client.force_login(users["admin"])
    response = client.get(reverse("governance:system"), {"format": "json"})
    assert response.status_code == 200
    checks = {check["name"]: check for check in response.json()["checks"]}
    assert checks["database"]["ok"] and checks["database"]["detail"] == "postgresql"
    assert checks["broker"]["ok"] and checks["broker"]["detail"] == "redis"
    assert checks["worker"]["ok"]
    assert not checks["beat"]["ok"]  # no beat process in the test run
    html = client.get(reverse("governance:system"))
    assert b"All services answer" in html.content


def test_appointed_officer_is_invited_by_the_worker_and_can_set_a_password(
        client, celery_worker_process, mailbox, users):
    services.officer_appoint(actor=users["secretary"], email="Grace@Example.org",
                             full_name="Grace Hopper", role="scrutineer",
                             started_on=__import__("datetime").date(2025, 5, 1))
    message = mailbox.wait_for(1, timeout=30)[0]
    assert "You have been appointed scrutineer." in message.get_payload(decode=True).decode()
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
