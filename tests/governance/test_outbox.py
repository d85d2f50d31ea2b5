"""The outbox: every email is one delivery row, sent once, found again if a worker dies or
the broker was down. Sent through the real SMTP sink."""

import datetime as dt
import time

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from governance import outbox
from governance.models import Delivery, DeliveryStatus
from governance.services import invitation_queue

pytestmark = pytest.mark.django_db


def tasks_sent() -> int:
    """Tasks waiting in the broker's queues plus results of tasks a worker already ran
    (Redis lists named after the queues, and celery-task-meta keys)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    waiting = sum(client.llen(queue) for queue in ("default", "notices", "counting"))
    return waiting + len(client.keys("celery-task-meta-*"))


@pytest.fixture
def no_broker_backlog():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def invited(email="person@example.org") -> Delivery:
    user = User.objects.create_user(email=email, full_name="A Person")
    with transaction.atomic():
        invitation_queue(user=user, reason="Testing.")
    return Delivery.objects.get(key=f"invitation:user:{user.pk}")


def test_queueing_the_same_email_twice_makes_one_delivery(no_broker_backlog):
    user = User.objects.create_user(email="twice@example.org")
    with transaction.atomic():
        invitation_queue(user=user, reason="")
        invitation_queue(user=user, reason="")
    assert Delivery.objects.filter(to_email="twice@example.org").count() == 1


def test_a_delivery_is_sent_once_even_if_the_task_runs_twice(mailbox, no_broker_backlog):
    delivery = invited()
    assert outbox.deliveries_send(ids=[delivery.pk]) == 1
    assert outbox.deliveries_send(ids=[delivery.pk]) == 0
    mailbox.wait_for(1)
    assert len(mailbox.to("person@example.org")) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None


def test_a_failed_send_goes_back_to_the_queue_for_a_retry(settings, mailbox,
                                                          no_broker_backlog):
    delivery = invited()
    settings.OUTBOX_RETRY_FIRST_WAIT_SECONDS = 0.5
    mailbox.server.down()  # connections are refused
    assert outbox.deliveries_send(ids=[delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    # Not tried again before its wait is over; handed to a worker for then.
    assert delivery.next_attempt_at > timezone.now()
    assert delivery.dispatched_at == delivery.next_attempt_at
    mailbox.server.up()
    assert outbox.deliveries_send(ids=[delivery.pk]) == 0
    time.sleep((delivery.next_attempt_at - timezone.now()).total_seconds() + 0.05)
    assert outbox.deliveries_send(ids=[delivery.pk]) == 1
    assert len(mailbox.wait_for(1)) == 1


def test_a_busy_mailbox_is_tried_again_not_failed(settings, mailbox, no_broker_backlog):
    """450 at RCPT is a temporary refusal: the address is not at fault."""
    delivery = invited()
    settings.OUTBOX_RETRY_FIRST_WAIT_SECONDS = 0.2
    mailbox.defer = frozenset({"person@example.org"})
    assert outbox.deliveries_send(ids=[delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and "450" in delivery.last_error
    mailbox.defer = frozenset()
    time.sleep(0.4)
    assert outbox.deliveries_send(ids=[delivery.pk]) == 1


def test_an_email_whose_retry_window_closes_has_failed(settings, mailbox, no_broker_backlog):
    settings.OUTBOX_RETRY_FIRST_WAIT_SECONDS = 0.2
    settings.OUTBOX_RETRY_WINDOW_SECONDS = 1
    delivery = invited()
    mailbox.server.down()
    while Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.QUEUED:
        time.sleep(0.1)
        outbox.deliveries_send(ids=[delivery.pk])  # what the worker does when handed it
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.gave_up
    assert delivery.attempts >= 3  # tried again through the window, with waits between
    assert timezone.now() >= delivery.retry_until


def test_the_sweep_fails_what_was_never_sent_within_its_window(no_broker_backlog):
    delivery = invited()
    later = delivery.retry_until + dt.timedelta(seconds=1)
    assert outbox.deliveries_sweep(now=later) == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.gave_up
    assert "retry window" in delivery.last_error


def test_every_attempt_of_a_delivery_has_the_same_message_id(settings, mailbox,
                                                            no_broker_backlog):
    """From the key and the sender's domain: the same on any worker, on any machine."""
    settings.DEFAULT_FROM_EMAIL = "Valley Co-op <secretary@valley.coop>"
    delivery = invited()
    outbox.deliveries_send(ids=[delivery.pk])
    [message] = mailbox.wait_for(1)
    assert message["Message-ID"] == outbox.message_id(delivery.key)
    assert message["Message-ID"].endswith("@valley.coop>")


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_by_the_sweep(
        mailbox, no_broker_backlog):
    delivery = invited()
    # A worker claimed it and was killed before sending: the lease runs out.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claim="dead-worker",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.dispatched_at is not None  # handed to a worker again
    outbox.deliveries_send(ids=[delivery.pk])  # what that worker does
    assert len(mailbox.wait_for(1)) == 1


def test_a_live_claim_is_left_alone_by_the_sweep(no_broker_backlog):
    delivery = invited()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claim="busy-worker",
        lease_expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert outbox.deliveries_sweep() == 0
    assert outbox.deliveries_send(ids=[delivery.pk]) == 0  # a second worker cannot take it


def test_a_delivery_that_never_reached_a_worker_is_found_by_the_sweep(no_broker_backlog):
    delivery = invited()
    # The broker was down when it was queued: it was never handed over.
    Delivery.objects.filter(pk=delivery.pk).update(dispatched_at=None)
    assert outbox.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.dispatched_at is not None
    # Handed over a moment ago: not handed over again until REDISPATCH_AFTER has passed.
    assert outbox.deliveries_sweep() == 0
    later = timezone.now() + outbox.REDISPATCH_AFTER + dt.timedelta(seconds=1)
    assert outbox.deliveries_sweep(now=later) == 1


def test_the_health_page_answers_anyone_yes_or_no_without_sending_a_task(
        client, no_broker_backlog):
    before = tasks_sent()
    for _ in range(5):
        response = client.get(reverse("governance:health"), {"format": "json"})
        assert response.status_code == 200
        assert response.json() == {"ok": True}  # no detail, no exception text
    assert tasks_sent() == before
    page = client.get(reverse("governance:health"))
    assert b"The platform is working" in page.content and b"redis" not in page.content
