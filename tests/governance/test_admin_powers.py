"""The site administrator runs the system but cannot take over a member: no page of the
Django admin sets anyone's email address or password, marks an address verified or adds a
two-factor device; giving administrator rights asks for the administrator's password again
and is audited. Members change their own address with allauth's confirmation (the new
address confirms, the old one is told); a member who lost their mailbox goes through the
secretary, who records the evidence."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from governance.models import AuditEvent, Delivery
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# Form controls that would let the site administrator take over an account.
TAKEOVER = {"email", "password", "password1", "password2", "verified", "primary", "user",
            "data", "secret"}
CONTROL = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>')


def controls(response) -> set[str]:
    page = response.content.decode()
    return {name for name in CONTROL.findall(page)
            if name not in ("csrfmiddlewaretoken",) and not name.startswith("_")}


def instances(users) -> dict:
    """One saved row for every model the admin shows."""
    member = users["member"]
    return {User: member, EmailAddress: EmailAddress.objects.get(user=member),
            Authenticator: Authenticator.objects.filter(user=users["secretary"]).first(),
            Group: Group.objects.create(name="Unused")}


def test_no_admin_page_lets_the_site_administrator_set_an_email_or_a_password(client,
                                                                             users):
    client.force_login(users["admin"])
    rows = instances(users)
    for model in admin.site._registry:
        assert model in rows, f"add a row of {model.__name__} to instances()"
        meta = model._meta
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                         args=[rows[model].pk])
        response = client.get(change)
        assert response.status_code == 200, change
        assert not controls(response) & TAKEOVER, (model.__name__, controls(response))
        add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        if model is User:  # a new account gets its address, never a password
            assert not controls(add) & (TAKEOVER - {"email"})
        elif {f.name for f in meta.fields} & TAKEOVER:
            assert add.status_code == 403, model.__name__
    # No page sets another person's password (as django.contrib.auth's UserAdmin has);
    # the administrator's own changes on allauth's page, which asks for it first.
    pages = [str(p.pattern) for p in admin.site.get_urls() if "password" in str(p.pattern)]
    assert pages == ["password_change/", "password_change/done/"]
    response = client.get(reverse("admin:password_change"))
    assert response["Location"] == reverse("account_change_password")


def test_the_site_administrator_cannot_take_over_a_member(client, users):
    member = users["member"]
    client.force_login(users["admin"])
    # The account page ignores a new address.
    client.post(reverse("admin:accounts_user_change", args=[member.pk]), {
        "email": "admin.owned@example.org", "full_name": member.full_name,
        "is_active": "on"})
    member.refresh_from_db()
    assert member.email == "member@example.org"
    # No address can be added to the account, or marked verified.
    response = client.post(reverse("admin:account_emailaddress_add"), {
        "user": member.pk, "email": "admin.owned@example.org", "verified": "on",
        "primary": "on"})
    assert response.status_code == 403
    address = EmailAddress.objects.get(user=member)
    EmailAddress.objects.filter(pk=address.pk).update(verified=False)
    client.post(reverse("admin:account_emailaddress_changelist"), {
        "action": "make_verified", "_selected_action": [address.pk]})
    client.post(reverse("admin:account_emailaddress_change", args=[address.pk]), {
        "user": member.pk, "email": "admin.owned@example.org", "verified": "on"})
    address.refresh_from_db()
    assert (address.email, address.verified) == ("member@example.org", False)
    # Nor a two-factor device with a secret of the administrator's choosing.
    response = client.post(reverse("admin:mfa_authenticator_add"), {
        "user": member.pk, "type": "totp", "data": '{"secret": "GEZDGNBVGY3TQOJQ"}'})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=member).exists()
    assert not EmailAddress.objects.filter(email="admin.owned@example.org").exists()


def test_the_admin_shows_no_two_factor_secret(client, users):
    client.force_login(users["admin"])
    device = Authenticator.objects.get(user=users["secretary"])
    page = client.get(reverse("admin:mfa_authenticator_change", args=[device.pk]))
    assert device.data["secret"] not in page.content.decode()


def test_granting_administrator_rights_asks_for_the_password_again_and_is_audited(client,
                                                                                  users):
    target = users["no_role"]
    client.force_login(users["admin"])
    url = reverse("admin:accounts_user_change", args=[target.pk])
    form = {"full_name": target.full_name, "is_active": "on", "is_staff": "on"}
    response = client.post(url, form)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    target.refresh_from_db()
    assert not target.is_staff
    assert not AuditEvent.objects.filter(object_id=str(target.pk),
                                         action__startswith="account.admin_rights").exists()
    # A wrong password changes nothing; the right one carries out the change it asked for.
    wrong = client.post(response["Location"], {"password": "not-it"})
    assert wrong.status_code == 200
    target.refresh_from_db()
    assert not target.is_staff
    done = client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == 302
    target.refresh_from_db()
    assert target.is_staff and not target.is_superuser
    event = AuditEvent.objects.get(action="account.admin_rights_granted")
    assert event.actor_id == users["admin"].pk and event.object_id == str(target.pk)
    assert event.changes == {"is_staff": [False, True]}
    # Within the next few minutes a further change needs no second prompt; taking rights
    # away never does.
    response = client.post(url, {"full_name": target.full_name, "is_active": "on"})
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("admin:accounts_user_changelist"))
    target.refresh_from_db()
    assert not target.is_staff
    assert AuditEvent.objects.filter(action="account.changed_by_admin").first().changes == {
        "is_staff": [True, False]}


def test_removing_someones_two_factor_device_is_audited(client, users):
    client.force_login(users["admin"])
    device = Authenticator.objects.get(user=users["chair"])
    response = client.post(reverse("admin:mfa_authenticator_delete", args=[device.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action="account.mfa_removed_by_admin")
    assert event.object_id == str(users["chair"].pk) and event.changes == {"type": "totp"}


def _confirmation_link(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


def test_a_member_changes_their_own_address_the_new_one_confirms_the_old_one_is_told(
        client, users, mailbox):
    member = users["member"]
    entry = member.members.get()
    entry.email = "member@example.org"
    entry.save()
    client.force_login(member)
    assert client.get(reverse("account_email")).status_code == 200
    response = client.post(reverse("account_email"), {"email": "new.home@example.org",
                                                      "action_add": ""})
    # A change of address asks for the password first.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    member.refresh_from_db()
    assert member.email == "member@example.org"  # nothing changes before the confirmation
    [confirmation] = mailbox.wait_for(1)
    assert "new.home@example.org" in confirmation["X-Envelope-To"]
    link = _confirmation_link(confirmation)
    client.logout()
    client.post(link)
    member.refresh_from_db()
    assert member.email == "new.home@example.org"
    assert list(EmailAddress.objects.filter(user=member).values_list("email", "verified")) \
        == [("new.home@example.org", True)]
    [notice] = mailbox.to("member@example.org")
    body = notice.get_payload(decode=True).decode()
    assert "member@example.org" in body and "new.home@example.org" not in body
    entry.refresh_from_db()
    assert entry.email == "new.home@example.org"
    assert AuditEvent.objects.filter(action="account.email_changed").first().changes == {
        "from": "member@example.org", "to": "new.home@example.org"}


def test_the_secretary_refuses_a_change_without_evidence_or_to_an_address_in_use(client,
                                                                                 users):
    client.force_login(users["secretary"])
    entry = users["member"].members.get()
    url = reverse("membership:member_login_email", args=[entry.pk])
    response = client.post(url, {"email": "new.home@example.org", "evidence": ""})
    assert response.status_code == 400
    response = client.post(url, {"email": "chair@example.org",
                                 "evidence": "Seen in person with a passport"})
    assert response.status_code == 400
    assert "Another account uses that address." in response.content.decode()
    assert not Delivery.objects.exists()
    assert EmailAddress.objects.filter(user=users["member"]).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_member_who_lost_their_mailbox_gets_a_new_address_through_the_secretary(
        client, users, mailbox, celery_worker_process):
    member = users["member"]
    entry = member.members.get()
    entry.email = "member@example.org"
    entry.save()
    client.force_login(users["secretary"])
    page = client.get(reverse("membership:member", args=[entry.pk])).content.decode()
    assert "Address they sign in with" in page
    response = client.post(reverse("membership:member_login_email", args=[entry.pk]), {
        "email": "New.Home@example.org",
        "evidence": "Seen at the office with a passport, 3 March; old mailbox closed"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="member.login_email_change_requested")
    assert event.actor_id == users["secretary"].pk and event.object_id == str(entry.pk)
    assert event.changes["evidence"].startswith("Seen at the office")
    assert (event.changes["from"], event.changes["to"]) == ("member@example.org",
                                                            "new.home@example.org")
    mailbox.wait_for(2)
    [notice] = mailbox.to("member@example.org")
    assert "new.home@example.org" not in notice.get_payload(decode=True).decode()
    [confirmation] = mailbox.to("new.home@example.org")
    member.refresh_from_db()
    assert member.email == "member@example.org"  # not until the new address confirms
    client.logout()
    assert client.get(_confirmation_link(confirmation)).status_code == 200
    client.post(_confirmation_link(confirmation))
    member.refresh_from_db()
    entry.refresh_from_db()
    assert member.email == entry.email == "new.home@example.org"
    assert len(mailbox.to("member@example.org")) == 2  # allauth tells the old address too
    # The member can now reset their password at the new address and sign in with it.
    client.post(reverse("account_reset_password"), {"email": "new.home@example.org"})
    mailbox.wait_for(4)
    assert len(mailbox.to("new.home@example.org")) == 2
