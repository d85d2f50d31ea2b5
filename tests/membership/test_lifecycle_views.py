"""From application to admitted member through the pages, as the applicant, the board
and the secretary do it; the welcome email with the certificate goes through the real
worker."""

import re

import pytest
from django.urls import reverse

from membership.models import Application, ApplicationStatus, Member, ShareTransaction
from tests.factories import ShareClassFactory, StakeholderClassFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def classes(users):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares", max_holding=20000)
    community = StakeholderClassFactory(slug="community", name="Community")
    community.share_classes.add(shares)
    users["member"].members.get().stakeholder_class.share_classes.add(shares)
    return shares, community


def test_application_to_admitted_member_through_the_pages(client, users, classes, mailbox,
                                                          celery_worker_process):
    shares, community = classes
    form = {"kind": "person", "full_name": "Nia Jones", "address": "9 Quay, Brookvale",
            "email": "nia@example.org", "stakeholder_class": community.pk,
            "share_class": shares.pk, "shares": "30", "rules_accepted": "on",
            "data_use_accepted": "on", "risk_accepted": "on"}
    refused = client.post(reverse("membership:apply"), {**form, "shares": "25000"})
    assert refused.status_code == 400
    assert "you can apply for 20,000 more" in refused.content.decode()
    response = client.post(reverse("membership:apply"), form)
    assert response.status_code == 302
    confirmation = mailbox.wait_for(1)[0]
    link = re.search(r"https?://[^/\s]+(/join/confirm/\S+/)", confirmation.get_payload(
        decode=True).decode()).group(1)
    assert client.get(link).status_code == 200  # shows a button, confirms nothing
    application = Application.objects.get(email="nia@example.org")
    assert application.status == ApplicationStatus.AWAITING_EMAIL
    client.post(link)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    client.force_login(users["board"])
    pay_url = reverse("membership:application_payment", args=[application.pk])
    assert client.post(pay_url, {"method": "cash", "reference": "R", "amount": "30.00",
                                 "received_on": "2025-05-02"}).status_code == 403
    client.post(reverse("membership:application_decide", args=[application.pk]),
                {"decision": "approve", "decided_on": "2025-05-01",
                 "minute_reference": "BM 25/05"})
    client.force_login(users["secretary"])
    wrong = client.post(pay_url, {"method": "bank_transfer", "reference": "FPS 9",
                                  "amount": "3.00", "received_on": "2025-05-02"})
    assert wrong.status_code == 400 and "must be £30.00" in wrong.content.decode()
    pay = {"method": "bank_transfer", "reference": "FPS 9", "amount": "30.00",
           "received_on": "2025-05-02"}
    assert client.post(pay_url, pay).status_code == 302
    again = client.post(pay_url, pay)  # a second submission says so and records nothing
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    response = client.post(reverse("membership:application_allot", args=[application.pk]),
                           {"allotted_on": "2025-05-03"}, follow=True)
    assert "member number" in response.content.decode()
    member = Member.objects.get(email="nia@example.org")
    assert ShareTransaction.objects.get(member=member).shares == 30

    welcome = [m for m in mailbox.wait_for(3, timeout=30) if "certificate" in m["Subject"]]
    assert welcome, [m["Subject"] for m in mailbox.messages]
    attachment = [part for part in welcome[0].walk()
                  if part.get_content_type() == "application/pdf"][0]
    assert attachment.get_payload(decode=True).startswith(b"%PDF")
    assert any("invited" in m["Subject"] for m in mailbox.to("nia@example.org"))


def test_member_portal_shows_only_their_own_data(client, users, classes):
    import datetime as dt
    from decimal import Decimal

    from membership.services.ledger import share_allot

    shares, _community = classes
    mine = share_allot(actor=users["secretary"], member=users["member"].members.get(),
                       share_class=shares, shares=12, allotted_on=dt.date(2025, 1, 2),
                       consideration=Decimal("12"))
    client.force_login(users["member"])
    portal = client.get(reverse("membership:portal")).content.decode()
    assert "Certificate " + str(mine.certificate_number) in portal
    own = client.get(reverse("membership:certificate", args=[mine.certificate_number]))
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    response = client.post(reverse("membership:withdraw"), {"share_class": shares.pk,
                                                            "shares": "20"})
    assert response.status_code == 400 and "at most 12" in response.content.decode()


def test_real_import_runs_on_the_worker_and_reports_progress(client, users, classes,
                                                             celery_worker_process):
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    from membership.models import ImportRun

    csv_text = ("member_number,full_name,address,stakeholder_class,share_class,shares,"
                "admitted_on\n" + "".join(
                    f"{700 + i},Person {i},{i} Road,community,ordinary,{i + 1},2021-03-01\n"
                    for i in range(50)))
    client.force_login(users["secretary"])
    dry = client.post(reverse("membership:import"), {
        "file": SimpleUploadedFile("register.csv", csv_text.encode())})
    assert dry.status_code == 200 and "50 members to add" in dry.content.decode()
    assert not Member.objects.filter(member_number__range=(700, 749)).exists()
    response = client.post(reverse("membership:import"), {
        "file": SimpleUploadedFile("register.csv", csv_text.encode()), "apply": "on"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    deadline = time.monotonic() + 30
    while True:
        data = client.get(response["Location"], {"format": "json"}).json()
        if data["finished"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert data["status"] == "done", data
    run.refresh_from_db()
    assert (run.created, run.skipped, bytes(run.content)) == (50, 0, b"")
    assert Member.objects.filter(member_number__range=(700, 749)).count() == 50
    page = client.get(response["Location"]).content.decode()
    assert "50 members added" in page
