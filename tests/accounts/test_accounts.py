import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from governance.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       **extra)


def test_login_is_by_email_and_case_insensitive(client, users):
    response = login(client, "MEMBER@Example.org")
    assert response.status_code == 302
    assert client.get(reverse("membership:portal")).status_code == 200
    assert AuditEvent.objects.filter(action="account.login",
                                     actor_id=users["member"].pk).exists()


def test_there_is_no_open_sign_up(client, organisation):
    response = client.post(reverse("account_signup"), {
        "email": "stranger@example.org", "password1": "a-long-password-1",
        "password2": "a-long-password-1"})
    assert b"closed" in response.content.lower()
    from accounts.models import User
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_unverified_email_cannot_sign_in_and_gets_a_verification_email(client, mailbox,
                                                                        organisation):
    user = UserFactory(email="unverified@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = login(client, "unverified@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("governance:dashboard")).status_code == 302
    messages = mailbox.wait_for(1)
    assert "unverified@example.org" in messages[0]["X-Envelope-To"]


def test_officer_must_pass_the_second_factor(client, users):
    response = login(client, "secretary@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the back office still sends the officer to log in.
    assert client.get(reverse("membership:office")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200 and b"Incorrect code" in response.content
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    assert client.get(reverse("membership:office")).status_code == 200


def test_officer_without_mfa_is_sent_to_set_it_up_and_then_gets_in(
        client, users, django_capture_on_commit_callbacks):
    login(client, "new.secretary@example.org")
    response = client.get(reverse("membership:office"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before a security change.
    page = client.get(response["Location"], follow=True)
    reauth_url = page.redirect_chain[-1][0]
    assert reauth_url.startswith(reverse("account_reauthenticate"))
    page = client.post(reauth_url, {"password": PASSWORD}, follow=True)
    assert page.status_code == 200 and b"Authenticator" in page.content
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("membership:office")).status_code == 200
    assert AuditEvent.objects.filter(action="account.mfa_added").exists()


def test_failed_logins_are_rate_limited(client, users, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS,
                                    "login_failed": "10/m/ip,3/5m/key"}
    for _ in range(3):
        response = login(client, "member@example.org", "wrong-password")
        assert response.status_code == 200
    response = login(client, "member@example.org", PASSWORD)
    assert response.status_code in (200, 429)
    assert b"Too many failed login attempts" in response.content or response.status_code == 429
    assert client.get(reverse("membership:portal")).status_code == 302
    assert AuditEvent.objects.filter(action="account.login_failed").count() >= 3


def test_password_reset_sends_an_email_with_a_working_link(client, users, mailbox):
    client.post(reverse("account_reset_password"), {"email": "member@example.org"})
    message = mailbox.wait_for(1)[0]
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "a-brand-new-pass-77",
                                      "password2": "a-brand-new-pass-77"})
    assert response.status_code == 302
    client.logout()
    assert login(client, "member@example.org", "a-brand-new-pass-77").status_code == 302
    assert client.get(reverse("membership:portal")).status_code == 200


def test_form_errors_are_summarised_and_next_to_the_field(client, users):
    response = login(client, "member@example.org", "")
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert 'href="#id_password"' in content
    assert 'class="error-message"' in content


def test_header_shows_who_is_signed_in_and_their_roles(client, users):
    client.force_login(users["board"])
    content = client.get(reverse("governance:dashboard")).content.decode()
    assert users["board"].full_name in content
    assert "Board member" in content
