"""Exactly one copy of a notice for each member, through the real broker, a real worker and
the SMTP sink: when the worker is killed in the middle of a batch, and when the broker is
down as the notice is sent. The secretary follows the send on the meeting's page."""

import datetime as dt
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from config.celery import app
from governance import outbox
from governance.models import Delivery, DeliveryStatus
from meetings.models import Channel, NoticeDelivery
from meetings.services import meetings, notices, rulebooks

from .conftest import make_members

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MEMBERS = 120


def wait_for(condition, *, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


@pytest.fixture
def ready_agm(users, community):
    secretary = users["secretary"]
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2024, 1, 1),
                                    adopted_by="Rules registered 2024")
    members = make_members(community, MEMBERS, emailed=MEMBERS - 10)
    meeting = meetings.meeting_create(
        actor=secretary, kind="agm", title="Annual General Meeting",
        starts_at=timezone.now() + dt.timedelta(days=40), place="The Hall",
        record_date=timezone.localdate())
    meetings.item_add(actor=secretary, meeting=meeting, kind="report", title="Accounts",
                      description="To receive the accounts.")
    return secretary, meeting, members


def copies_per_member(mailbox, members) -> Counter:
    addresses = {m.email for m in members}
    return Counter(to for message in mailbox.messages
                   for to in message["X-Envelope-To"].split(", ") if to in addresses)


def assert_exactly_one_each(mailbox, members, emailed: int):
    counts = copies_per_member(mailbox, members)
    assert len(counts) == emailed and set(counts.values()) == {1}, counts.most_common(3)


def test_a_worker_killed_mid_batch_leaves_exactly_one_copy_per_member(
        client, ready_agm, mailbox, celery_worker_process):
    secretary, meeting, members = ready_agm
    emailed = MEMBERS - 10
    mailbox.hold_at = 30  # the worker is waiting for the server's answer to the 31st email
    client.force_login(secretary)
    response = client.post(reverse("meetings:notice_send", args=[meeting.pk]),
                           {"confirm": "on"})
    assert response.status_code == 302
    assert mailbox.held.wait(60), "the worker never reached the 31st email"
    celery_worker_process.kill()
    mailbox.release.set()
    assert len(mailbox.messages) == 30
    stuck = Delivery.objects.filter(kind="meeting_notice", status=DeliveryStatus.SENDING)
    assert stuck.exists()  # claimed by the dead worker

    celery_worker_process.start()
    # The beat sweep, once the dead worker's leases have run out.
    later = timezone.now() + outbox.LEASE + dt.timedelta(seconds=1)
    outbox.deliveries_sweep(now=later)
    notices.notices_resume(older_than=dt.timedelta(0))
    wait_for(lambda: len(copies_per_member(mailbox, members)) == emailed,
             what=lambda: f"every email: {len(mailbox.messages)} arrived; deliveries "
             f"{Counter(Delivery.objects.values_list('status', flat=True))}")
    time.sleep(1)  # anything sent twice would arrive now
    assert_exactly_one_each(mailbox, members, emailed)
    assert NoticeDelivery.objects.filter(channel=Channel.POST).count() >= 10

    # The secretary's page: finished, with the progress bar full.
    progress = client.get(reverse("meetings:notice_progress", args=[meeting.pk])).json()
    assert progress["finished"] and progress["sent"] == emailed and progress["by_post"] >= 10
    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert f"Finished: {emailed} emails sent, 0 could not be sent" in page


def _new_producer_pool() -> None:
    pools.reset()  # kombu keeps producer pools by connection, process-wide
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Point this process's producer at a port where no broker listens, as when Redis is
    down; the worker stays connected to the real one and sees nothing arrive."""
    real_url, real_options = app.conf.broker_url, app.conf.broker_transport_options
    _new_producer_pool()
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"max_retries": 0}
    try:
        yield
    finally:
        _new_producer_pool()
        app.conf.broker_url, app.conf.broker_transport_options = real_url, real_options


def test_a_notice_sent_while_the_broker_is_down_goes_once_when_it_is_back(
        client, ready_agm, mailbox, celery_worker_process):
    secretary, meeting, members = ready_agm
    client.force_login(secretary)
    with broker_down():
        response = client.post(reverse("meetings:notice_send", args=[meeting.pk]),
                               {"confirm": "on"})
        assert response.status_code == 302  # the notice is recorded; the task did not go
        assert outbox.deliveries_sweep() == 0
        assert notices.notices_resume(older_than=dt.timedelta(0)) == 0  # still down
    time.sleep(2)
    assert mailbox.messages == [] and not NoticeDelivery.objects.exists()

    # The broker is back: the beat sweep finds the notice that never started.
    assert notices.notices_resume(older_than=dt.timedelta(0)) == 1
    emailed = MEMBERS - 10
    wait_for(lambda: len(copies_per_member(mailbox, members)) == emailed, what="every email")
    # The sweep running again while the worker sends, or after, adds nothing.
    notices.notices_resume(older_than=dt.timedelta(0))
    outbox.deliveries_sweep(now=timezone.now() + outbox.REDISPATCH_AFTER
                            + dt.timedelta(seconds=1))
    time.sleep(1.5)
    assert_exactly_one_each(mailbox, members, emailed)


def test_an_address_the_server_refuses_moves_the_member_to_post(
        client, ready_agm, mailbox, celery_worker_process):
    secretary, meeting, members = ready_agm
    gone = members[0]
    mailbox.refuse = frozenset({gone.email})
    client.force_login(secretary)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    emailed = MEMBERS - 10
    wait_for(lambda: len(copies_per_member(mailbox, members)) == emailed - 1,
             what="every other email")
    wait_for(lambda: NoticeDelivery.objects.filter(member=gone, channel=Channel.POST
                                                   ).exists(), what="the letter")
    letter = NoticeDelivery.objects.get(member=gone, channel=Channel.POST)
    assert letter.replaces.delivery.status == DeliveryStatus.FAILED
    assert "No such user" in letter.replaces.delivery.last_error
    assert not gone.consents.filter(withdrawn_on__isnull=True).exists()
    page = client.get(reverse("meetings:service", args=[meeting.pk])).content.decode()
    # The ten without consent, the two members among the users, and the refused one.
    assert page.count("Waiting to be posted") == 13
