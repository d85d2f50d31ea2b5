"""Accounts for imported members: the secretary invites them, a worker makes the accounts
and sends each invitation once, and the mailing's page shows the progress."""

import time

import pytest
from django.urls import reverse

from governance.models import Delivery
from membership.models import Member
from membership.services.invitations import member_invitations_prepare
from membership.services.register_import import register_import_apply
from tests.factories import ShareClassFactory, StakeholderClassFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def imported(users):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares")
    community = StakeholderClassFactory(slug="community", name="Community")
    community.share_classes.add(shares)
    rows = "".join(f"{500 + i},Imported {i},{i} Road,community,ordinary,1,2021-03-01,"
                   f"imported{i}@example.org\n" for i in range(12))
    rows += "512,No Email,12 Road,community,ordinary,1,2021-03-01,\n"
    report = register_import_apply(actor=users["secretary"], name="register.csv", content=(
        "member_number,full_name,address,stakeholder_class,share_class,shares,admitted_on,"
        "email\n" + rows).encode())
    assert report.applied
    return Member.objects.filter(member_number__range=(500, 512))


def wait_until_finished(client, url, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(url, {"format": "json"}).json()
        if data["finished"]:
            return data
        time.sleep(0.3)
    raise AssertionError(f"the mailing did not finish: {data}")


def test_invite_some_then_everyone_each_once(client, users, imported, mailbox,
                                             celery_worker_process):
    client.force_login(users["secretary"])
    page = client.get(reverse("membership:invitations"))
    assert "12 current members have an email address and no login" in page.content.decode()
    chosen = [m.pk for m in imported.order_by("member_number")[:3]]
    response = client.post(reverse("membership:invitations"), {"members": chosen})
    assert response.status_code == 302
    data = wait_until_finished(client, response["Location"])
    assert (data["total"], data["sent"], data["failed"]) == (3, 3, 0)
    response = client.post(reverse("membership:invitations"), {"everyone": "on"})
    data = wait_until_finished(client, response["Location"])
    assert (data["total"], data["sent"]) == (9, 9)
    mailbox.wait_for(12)
    for member in imported.exclude(email=""):
        assert len(mailbox.to(member.email)) == 1, member.email
        assert Member.objects.get(pk=member.pk).user.email == member.email
    # Preparing again (a task delivered twice) queues nothing new.
    mailing_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert member_invitations_prepare(mailing_id=mailing_id) == 0
    assert Delivery.objects.filter(kind="invitation").count() == 12
    nobody = client.post(reverse("membership:invitations"), {"everyone": "on"})
    assert nobody.status_code == 400
    assert "Choose at least one member" in nobody.content.decode()
    page = client.get(response["Location"])
    assert b"Finished: 9 sent" in page.content


@pytest.mark.django_db(transaction=False)
def test_a_member_chooses_email_or_post_for_their_notices(client, users):
    from membership.models import CommunicationConsent

    client.force_login(users["member"])
    url = reverse("membership:email_notices")
    assert "By post, to the address" in client.get(reverse("membership:portal")).content.decode()
    client.post(url, {"choice": "email", "email": "Me@Example.org"})
    consent = CommunicationConsent.objects.get(withdrawn_on__isnull=True)
    assert consent.email == "me@example.org"
    page = client.get(reverse("membership:portal")).content.decode()
    assert "By email to <strong>me@example.org</strong>" in page
    client.post(url, {"choice": "email", "email": "new@example.org"})
    assert CommunicationConsent.objects.filter(withdrawn_on__isnull=True).get().email == \
        "new@example.org"
    client.post(url, {"choice": "post"})
    assert not CommunicationConsent.objects.filter(withdrawn_on__isnull=True).exists()
    assert CommunicationConsent.objects.count() == 2
