"""Exactly one copy of a notice for each member, through the real broker, a real worker and
the SMTP sink: when the worker is killed in the middle of a batch, and when the broker is
down as the notice is sent. The secretary follows the send on the meeting's page. What a
notice email holds, and an email that failed sent again."""

import datetime as dt
import re
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from kombu import pools

from config.celery import app
from governance import outbox
from governance.models import AuditEvent, Delivery, DeliveryStatus
from meetings.links import member_link_read
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
    later = timezone.now() + outbox.lease() + dt.timedelta(seconds=1)
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


@pytest.fixture
def small_agm(users, community):
    """An AGM whose notice goes to five members: two by email, three by post."""
    secretary = users["secretary"]
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2024, 1, 1),
                                    adopted_by="Rules registered 2024")
    members = make_members(community, 3, emailed=2)
    starts_at = (timezone.now() + dt.timedelta(days=40)).replace(second=0, microsecond=0)
    meeting = meetings.meeting_create(
        actor=secretary, kind="agm", title="Annual General Meeting", starts_at=starts_at,
        place="The Hall", record_date=timezone.localdate())
    meetings.item_add(actor=secretary, meeting=meeting, kind="report", title="Accounts",
                      description="To receive the accounts.")
    return secretary, meeting, members


def parts_of(message) -> dict[str, object]:
    """The leaf parts of an email by content type."""
    return {part.get_content_type(): part for part in message.walk()
            if not part.is_multipart()}


def text_of(part) -> str:
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_a_notice_email_has_text_html_and_a_calendar_invitation(
        client, small_agm, mailbox, celery_worker_process):
    secretary, meeting, members = small_agm
    client.force_login(secretary)
    response = client.post(reverse("meetings:notice_send", args=[meeting.pk]),
                           {"confirm": "on"})
    assert response.status_code == 302
    wait_for(lambda: len(copies_per_member(mailbox, members)) == 2, what="both emails")
    [message] = mailbox.to(members[0].email)
    assert message["Subject"].startswith("Notice of the Annual General Meeting")
    assert message.get_content_type() == "multipart/mixed"
    parts = parts_of(message)
    assert set(parts) == {"text/plain", "text/html", "text/calendar"}

    # The same notice in both forms, each with the member's own link to their papers.
    text, html = text_of(parts["text/plain"]), text_of(parts["text/html"])
    for body in (text, html):
        assert "NOTICE OF THE ANNUAL GENERAL MEETING" in body.upper()
        assert "To receive the accounts." in body
    [token] = re.findall(r"/m/([^/\s]+)/", text)
    assert reverse("meetings:member_link", args=[token]) in html
    assert member_link_read(token) == (members[0].pk, meeting.pk)

    # The meeting as an attached calendar file.
    invitation = parts["text/calendar"]
    assert invitation.get_filename() == f"meeting-{meeting.pk}.ics"
    [event] = Calendar.from_ical(invitation.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("dtstart") == meeting.starts_at
    assert str(event["location"]) == "The Hall"
    assert str(event["summary"]).startswith("Annual General Meeting")


def test_an_email_that_failed_is_sent_again_when_the_secretary_asks(
        client, small_agm, mailbox, celery_worker_process):
    secretary, meeting, members = small_agm
    refused = members[0]
    mailbox.refuse = frozenset({refused.email})
    client.force_login(secretary)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    wait_for(lambda: Delivery.objects.filter(to_email=refused.email,
                                             status=DeliveryStatus.FAILED).exists(),
             what="the refused email")
    delivery = Delivery.objects.get(kind="meeting_notice", to_email=refused.email)
    mailing_page = reverse("governance:mailing", args=[delivery.mailing_id])
    wait_for(lambda: client.get(mailing_page, {"format": "json"}).json()["finished"],
             what="the end of the mailing")
    page = client.get(mailing_page).content.decode()
    assert "Send again" in page and refused.email in page

    mailbox.refuse = frozenset()  # the member's mailbox works again
    response = client.post(reverse("governance:delivery_resend", args=[delivery.pk]))
    assert response["Location"] == mailing_page
    wait_for(lambda: mailbox.to(refused.email), what="the email sent again")
    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT,
             what="the delivery marked sent")
    assert len(mailbox.to(refused.email)) == 1
    assert AuditEvent.objects.filter(action="delivery.resent").count() == 1
    progress = client.get(mailing_page, {"format": "json"}).json()
    assert (progress["sent"], progress["failed"]) == (2, 0)

    # Pressing the button again, for an email that has gone, sends nothing more.
    again = client.post(reverse("governance:delivery_resend", args=[delivery.pk]), follow=True)
    assert "had not failed: there is nothing to send again" in again.content.decode()
    time.sleep(1)
    assert len(mailbox.to(refused.email)) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
    assert AuditEvent.objects.filter(action="delivery.resent").count() == 1


# --- The SMTP server down or slow ----------------------------------------------------------

# Longer than the whole chain of retries a batch once had (1 + 2 + 4 + 8 + 16 s), after
# which its emails were failed and nobody was moved to post.
OUTAGE_SECONDS = 40
SHORT_WAITS = {"OUTBOX_RETRY_FIRST_WAIT_SECONDS": 0.5, "OUTBOX_RETRY_LONGEST_WAIT_SECONDS": 3}


def test_an_smtp_outage_mid_notice_delays_the_emails_and_fails_none(
        client, ready_agm, mailbox, own_workers):
    own_workers(**SHORT_WAITS)
    secretary, meeting, members = ready_agm
    emailed = MEMBERS - 10
    mailbox.down_after = 30  # the server says "421 shutting down" and goes away

    def outage():
        if mailbox.went_down.wait(60):
            mailbox.server.down()  # connections refused
            time.sleep(OUTAGE_SECONDS)
            mailbox.down_after = None
            mailbox.server.up()

    threading.Thread(target=outage, daemon=True).start()
    client.force_login(secretary)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    assert mailbox.went_down.wait(60)
    time.sleep(OUTAGE_SECONDS * 0.75)
    # Well into the outage: nothing has failed, and the secretary sees the emails waiting
    # and until when they will be tried.
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    progress = client.get(reverse("meetings:notice_progress", args=[meeting.pk])).json()
    assert progress["retrying"] >= emailed - 30 and not progress["finished"]
    assert "waiting for the mail server" in progress["text"]
    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "is tried again until" in page

    wait_for(lambda: len(copies_per_member(mailbox, members)) == emailed,
             timeout=OUTAGE_SECONDS + 60,
             what=lambda: f"every email: {len(mailbox.messages)} arrived; deliveries "
             f"{Counter(Delivery.objects.values_list('status', flat=True))}")
    time.sleep(1)
    assert_exactly_one_each(mailbox, members, emailed)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # Nobody was moved to post: the letters are the ten (and the two users) without consent.
    assert not NoticeDelivery.objects.filter(replaces__isnull=False).exists()
    assert NoticeDelivery.objects.filter(channel=Channel.POST).count() == 12


def test_a_member_whose_email_cannot_go_in_time_is_served_by_post(
        client, small_agm, mailbox, own_workers, settings):
    own_workers(OUTBOX_RETRY_FIRST_WAIT_SECONDS=0.3, OUTBOX_RETRY_LONGEST_WAIT_SECONDS=1)
    settings.OUTBOX_RETRY_WINDOW_SECONDS = 4  # the notice's window is set when it is sent
    secretary, meeting, members = small_agm
    emailed = members[:2]
    mailbox.server.down()
    client.force_login(secretary)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    wait_for(lambda: NoticeDelivery.objects.filter(replaces__isnull=False).count() == 2,
             timeout=30, what="both members moved to post")
    for member in emailed:
        letter = NoticeDelivery.objects.get(member=member, channel=Channel.POST)
        email = letter.replaces.delivery
        assert email.status == DeliveryStatus.FAILED and email.gave_up
        assert email.attempts >= 3
        # The address is not at fault: the member's consent to email stands.
        assert member.consents.filter(withdrawn_on__isnull=True).exists()
    page = client.get(reverse("meetings:service", args=[meeting.pk])).content.decode()
    assert page.count("By post because the email to") == 2
    assert "the mail server could not take it before" in page
    csv_text = client.get(reverse("meetings:service", args=[meeting.pk]),
                          {"format": "csv"}).content.decode()
    assert csv_text.count("could not take it before") == 2
    assert AuditEvent.objects.filter(action="notice.moved_to_post").count() == 2
    mailbox.server.up()
    time.sleep(1.5)
    assert mailbox.messages == []  # given up: not sent as well as posted


@pytest.fixture
def batch_agm(users, community):
    """An AGM whose notice goes by email to 50 members: one batch."""
    secretary = users["secretary"]
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2024, 1, 1),
                                    adopted_by="Rules registered 2024")
    members = make_members(community, 48, emailed=48)
    meeting = meetings.meeting_create(
        actor=secretary, kind="agm", title="Annual General Meeting",
        starts_at=timezone.now() + dt.timedelta(days=40), place="The Hall",
        record_date=timezone.localdate())
    meetings.item_add(actor=secretary, meeting=meeting, kind="report", title="Accounts",
                      description="To receive the accounts.")
    return secretary, meeting, members


def test_a_batch_that_outlives_its_lease_is_not_sent_twice(
        client, batch_agm, mailbox, own_workers):
    own_workers()
    own_workers()  # two workers, one task at a time each
    secretary, meeting, members = batch_agm
    mailbox.hold_at, mailbox.accept_held = 10, True  # a slow answer to the 11th email
    client.force_login(secretary)
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    assert mailbox.held.wait(60)
    # Meanwhile the batch's lease runs out (on every row but the one being sent), and the
    # beat sweep hands the rest to the other worker, which sends them.
    Delivery.objects.filter(status=DeliveryStatus.SENDING).exclude(
        to_email=mailbox.held_for).update(lease_expires_at=timezone.now()
                                          - dt.timedelta(seconds=1))
    assert outbox.deliveries_sweep() == 37
    wait_for(lambda: len(mailbox.messages) == 47, what=lambda: f"the other worker's "
             f"emails: {len(mailbox.messages)} arrived")
    mailbox.release.set()  # the first worker hears its answer and carries on
    wait_for(lambda: len(copies_per_member(mailbox, members)) == 48, what="every email")
    time.sleep(1.5)  # anything the first worker sent again would arrive now
    assert_exactly_one_each(mailbox, members, 48)
    keys = dict(Delivery.objects.values_list("to_email", "key"))
    for message in mailbox.messages:
        assert message["Message-ID"] == outbox.message_id(keys[message["X-Envelope-To"]])


def test_a_slow_server_keeps_the_lease_renewed(client, batch_agm, mailbox, own_workers):
    lease_seconds = 1.5
    own_workers(OUTBOX_LEASE_SECONDS=lease_seconds)
    secretary, meeting, members = batch_agm
    mailbox.delay = 0.1  # 48 emails take about 5 s: the batch outlives three leases
    expired_seen, done = [], threading.Event()

    def beat():  # the sweep, run far more often than beat does
        try:
            while not done.is_set():
                expired_seen.append(Delivery.objects.filter(
                    status=DeliveryStatus.SENDING,
                    lease_expires_at__lt=timezone.now()).count())
                outbox.deliveries_sweep()
                time.sleep(0.2)
        finally:
            db_connection.close()

    sweeper = threading.Thread(target=beat, daemon=True)
    client.force_login(secretary)
    started = time.monotonic()
    client.post(reverse("meetings:notice_send", args=[meeting.pk]), {"confirm": "on"})
    sweeper.start()
    try:
        wait_for(lambda: len(copies_per_member(mailbox, members)) == 48, what="every email")
    finally:
        done.set()
        sweeper.join(5)
    assert time.monotonic() - started > 3 * lease_seconds
    time.sleep(1)
    assert_exactly_one_each(mailbox, members, 48)
    assert len(expired_seen) > 10 and max(expired_seen) == 0
