"""Work queued while the broker is down or hangs: the request answers within seconds, the
commit stands, and a beat sweep finds the work (imports, invitations); an import whose
worker was killed is taken up again within minutes. Through the real broker and worker."""

import datetime as dt
import socket
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from governance.models import Mailing
from membership.models import ImportRun, Member
from membership.services.invitations import member_invitations_resume
from membership.services.register_import import register_imports_resume
from tests.conftest import broker_at
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def community(users):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares", max_holding=20000)
    klass = StakeholderClassFactory(slug="community", name="Community")
    klass.share_classes.add(shares)
    return klass


def register_file(first: int, count: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("register.csv", (
        "member_number,full_name,address,stakeholder_class,share_class,shares,admitted_on\n"
        + "".join(f"{first + i},Person {i},{i} Road,community,ordinary,1,2021-03-01\n"
                  for i in range(count))).encode())


def wait_for(condition, *, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def timed_post(client, *args, **kwargs):
    started = time.monotonic()
    response = client.post(*args, **kwargs)
    return response, time.monotonic() - started


def test_work_queued_while_the_broker_is_down_is_found_by_the_sweeps(
        client, users, community, mailbox, celery_worker_process):
    waiting = [MemberFactory(stakeholder_class=community, email=f"waiting{i}@example.org")
               for i in range(3)]
    client.force_login(users["secretary"])
    with broker_at(CLOSED_PORT):
        imported, import_seconds = timed_post(client, reverse("membership:import"), {
            "file": register_file(800, 20), "apply": "on"})
        invited, invite_seconds = timed_post(client, reverse("membership:invitations"), {
            "members": [m.pk for m in waiting]})
    # Both requests answer at once, and what they decided is recorded.
    assert imported.status_code == 302 and invited.status_code == 302
    assert import_seconds < 3 and invite_seconds < 3
    run = ImportRun.objects.get()
    mailing = Mailing.objects.get(kind="invitations")
    time.sleep(2)  # nothing reached a worker
    assert ImportRun.objects.get().status == ImportRun.Status.QUEUED
    assert Mailing.objects.get(pk=mailing.pk).prepared_at is None

    # Beat's sweeps, a minute or two later, with the broker back.
    later = timezone.now() + dt.timedelta(minutes=3)
    assert register_imports_resume(now=later) == 1
    assert member_invitations_resume(now=later) == 1
    wait_for(lambda: ImportRun.objects.get().status == ImportRun.Status.DONE,
             what="the import")
    assert Member.objects.filter(member_number__range=(800, 819)).count() == 20
    mailbox.wait_for(3)
    for member in waiting:
        assert len(mailbox.to(member.email)) == 1
    # Swept again once done: nothing more is queued or sent.
    assert register_imports_resume(now=later) == 0
    assert member_invitations_resume(now=later) == 0
    run.refresh_from_db()
    assert run.created == 20


def test_a_broker_that_does_not_answer_costs_a_request_seconds(client, users, community):
    """A port that accepts connections and never answers, as a hung Redis does."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    client.force_login(users["secretary"])
    answered = {}

    def post():
        with broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            answered["response"], answered["seconds"] = timed_post(
                client, reverse("membership:import"), {"file": register_file(900, 5),
                                                       "apply": "on"})

    request = threading.Thread(target=post, daemon=True)
    request.start()
    request.join(30)
    silent.close()
    assert not request.is_alive(), "the request was still waiting for the broker after 30 s"
    assert answered["response"].status_code == 302
    assert answered["seconds"] < 8
    assert ImportRun.objects.get().status == ImportRun.Status.QUEUED


def test_an_import_whose_worker_was_killed_is_resumed_within_minutes(
        client, users, community, celery_worker_process):
    client.force_login(users["secretary"])
    response = client.post(reverse("membership:import"), {
        "file": register_file(10_000, 4000), "apply": "on"})
    assert response.status_code == 302
    wait_for(lambda: ImportRun.objects.get().status == ImportRun.Status.RUNNING,
             what="the import to start")
    time.sleep(1)  # well into it
    # Running: the sweep leaves it alone, however long it has been going.
    assert register_imports_resume(now=timezone.now() + dt.timedelta(hours=2)) == 0
    celery_worker_process.kill()
    assert ImportRun.objects.get().status == ImportRun.Status.RUNNING
    assert not Member.objects.filter(member_number__gte=10_000).exists()  # rolled back

    celery_worker_process.start()
    # The next beat sweep after a minute: its worker is gone, so the run is taken up again.
    assert register_imports_resume(now=timezone.now() + dt.timedelta(minutes=1, seconds=1)) \
        == 1
    wait_for(lambda: ImportRun.objects.get().status == ImportRun.Status.DONE, timeout=120,
             what="the resumed import")
    assert Member.objects.filter(member_number__gte=10_000).count() == 4000
    assert ImportRun.objects.get().created == 4000
