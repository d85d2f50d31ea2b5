"""The site administrator's account pages are audited; the secretary sets up the
organisation and its classes on the platform's pages."""

import datetime as dt

import pytest
from django.urls import reverse

from governance.models import AssetLock, AuditEvent, Organisation
from membership.models import ShareClass, StakeholderClass
from membership.selectors import share_class_carries_votes_on, stakeholder_class_votes_on
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_every_change_in_the_admin_pages_is_audited(client, users):
    target = users["no_role"]
    client.force_login(users["admin"])
    url = reverse("admin:accounts_user_change", args=[target.pk])
    form = {"full_name": target.full_name, "is_active": "on", "is_staff": "on",
            "is_superuser": "on"}
    # Giving administrator rights asks for the password first (tests/governance/
    # test_admin_powers.py), then carries out the change.
    response = client.post(url, form)
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[-2000:]
    event = AuditEvent.objects.get(action="account.admin_rights_granted")
    assert event.actor_id == users["admin"].pk and event.object_id == str(target.pk)
    assert event.changes == {"is_staff": [False, True], "is_superuser": [False, True]}
    client.post(url, {"email": "changed@example.org", "full_name": "Renamed Person"})
    latest = AuditEvent.objects.filter(action="account.changed_by_admin").first()
    # The address is not the administrator's to change.
    assert latest.changes == {"full_name": [target.full_name, "Renamed Person"],
                              "is_active": [True, False], "is_staff": [True, False],
                              "is_superuser": [True, False]}


def test_the_secretary_sets_up_shares_and_classes_on_the_pages(client, users):
    client.force_login(users["secretary"])
    response = client.post(reverse("membership:share_class_new"), {
        "name": "Ordinary £1 shares", "code": "", "par_value": "1.00", "min_holding": "1",
        "max_holding": "20000", "withdrawable": "on", "withdrawal_notice_months": "3",
        "withdrawal_notice_days": "0", "carries_votes": "", "votes_from": "2020-01-01",
        "minute_reference": "Rule 12"})
    assert response.status_code == 302
    shares = ShareClass.objects.get()
    assert (shares.code, shares.withdrawable) == ("ordinary-1-shares", True)
    bad = client.post(reverse("membership:share_class_new"), {
        "name": "Broken", "par_value": "1.00", "min_holding": "10", "max_holding": "5",
        "withdrawal_notice_months": "3", "withdrawal_notice_days": "0",
        "votes_from": "2020-01-01"})
    assert bad.status_code == 400 and "cannot be below the minimum" in bad.content.decode()
    response = client.post(reverse("membership:stakeholder_class_new"), {
        "name": "Producers", "eligibility": "Farmers in the county",
        "share_classes": [shares.pk], "votes": "on", "votes_from": "2020-01-01"})
    assert response.status_code == 302
    producers = StakeholderClass.objects.get(name="Producers")
    # From a date in the future the class stops voting: history, in force from that date.
    future = dt.date.today() + dt.timedelta(days=60)
    response = client.post(reverse("membership:stakeholder_class_voting", args=[producers.pk]),
                           {"voting-value": "no", "voting-effective_from": future.isoformat(),
                            "voting-minute_reference": "GM 2026 resolution 4"})
    assert response.status_code == 302
    assert stakeholder_class_votes_on(producers, dt.date.today())
    assert not stakeholder_class_votes_on(producers, future)
    assert not share_class_carries_votes_on(shares, dt.date.today())
    response = client.post(reverse("membership:share_class_write_down", args=[shares.pk]),
                           {"value-value_per_share": "-1", "value-resolved_on": "2025-01-01",
                            "value-minute_reference": "BM 1"})
    assert response.status_code == 400


def test_the_statutory_asset_lock_cannot_be_removed_on_the_organisation_page(client, users):
    organisation = Organisation.objects.get()
    organisation.asset_lock = AssetLock.STATUTORY
    organisation.save()
    client.force_login(users["secretary"])
    form = {"name": organisation.name, "legal_form": organisation.legal_form,
            "registration_number": organisation.registration_number,
            "registered_office": organisation.registered_office,
            "nation": "england-wales", "asset_lock": "none",
            "membership_ends_below_minimum": "on"}
    response = client.post(reverse("governance:organisation"), form)
    assert response.status_code == 400
    assert "cannot be removed" in response.content.decode()
    Organisation.objects.get(asset_lock=AssetLock.STATUTORY)
    response = client.post(reverse("governance:organisation"),
                           {**form, "asset_lock": "statutory", "nation": "scotland",
                            "note": "registered office moved to Glasgow"})
    assert response.status_code == 302
    assert Organisation.objects.get().nation == "scotland"
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.changes["after"] == {"nation": "scotland"}
