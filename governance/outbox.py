"""The outbox: every email of the platform is a Delivery row, queued in the transaction
that decided to send it and sent by a Celery worker after commit.

Neither lost nor doubled:
- queueing is idempotent: a delivery's `key` is unique, so asking twice makes one row;
- a worker claims rows with a compare-and-set that also sets a lease
  (status queued -> sending, lease_expires_at); a second copy of the task finds nothing
  to claim;
- each email is marked sent as soon as the SMTP server has accepted it;
- `deliveries_sweep` (Celery beat, every minute) sends again what was claimed and never
  finished (the worker died: the lease ran out) and what never reached a worker (the
  broker was down when the task was queued).

Each kind of email has a composer, registered by the app that owns the kind
(`@composer("welcome")`), which turns a delivery into the message to send."""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable
from smtplib import SMTPRecipientsRefused, SMTPSenderRefused

from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Delivery, DeliveryStatus, Mailing

LEASE = dt.timedelta(minutes=10)
# A queued delivery not sent within this time is queued again by the sweep.
REDISPATCH_AFTER = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH_SIZE = 50

Composer = Callable[[Delivery], EmailMessage]
_COMPOSERS: dict[str, Composer] = {}
# What to do when an email of a kind can never be sent (the address bounced): the app that
# owns the kind registers it (a notice of a meeting then goes by post).
_ON_PERMANENT_FAILURE: dict[str, Callable[[Delivery], None]] = {}


class PermanentFailure(Exception):
    """The email can never be sent (no such recipient, nothing to send)."""


def composer(kind: str, *, on_permanent_failure: Callable[[Delivery], None] | None = None
             ) -> Callable[[Composer], Composer]:
    def register(function: Composer) -> Composer:
        _COMPOSERS[kind] = function
        if on_permanent_failure is not None:
            _ON_PERMANENT_FAILURE[kind] = on_permanent_failure
        return function
    return register


def delivery_queue(*, kind: str, key: str, to_email: str, payload: dict | None = None,
                   mailing: Mailing | None = None) -> Delivery:
    """Queue one email inside the caller's transaction; it is handed to a worker after
    commit. Queueing the same key again returns the existing delivery."""
    if kind not in _COMPOSERS:
        raise ValueError(f"no composer for emails of kind {kind!r}")
    delivery, created = Delivery.objects.get_or_create(key=key, defaults={
        "kind": kind, "to_email": to_email, "payload": payload or {}, "mailing": mailing})
    if created:
        transaction.on_commit(lambda: deliveries_dispatch(ids=[delivery.pk]))
    return delivery


def deliveries_queue_many(*, kind: str, mailing: Mailing,
                          items: Iterable[tuple[str, str, dict]]) -> list[Delivery]:
    """Queue many emails of one kind for a mailing, inside the caller's transaction:
    (key, to_email, payload) each. Keys already queued are left alone. Returns the new
    deliveries; they are handed to workers after commit."""
    if kind not in _COMPOSERS:
        raise ValueError(f"no composer for emails of kind {kind!r}")
    rows = [Delivery(key=key, kind=kind, to_email=to, payload=payload, mailing=mailing)
            for key, to, payload in items]
    existing = set(Delivery.objects.filter(key__in=[r.key for r in rows])
                   .values_list("key", flat=True))
    new = Delivery.objects.bulk_create([row for row in rows if row.key not in existing],
                                       batch_size=2000)
    mailing_id = mailing.pk
    transaction.on_commit(lambda: mailing_dispatch(mailing_id=mailing_id))
    return new


def deliveries_dispatch(*, ids: list[int]) -> None:
    """Hand deliveries to workers, in batches (one SMTP connection per batch). Marks when
    they were handed over, so the sweep can tell a lost task from a slow one."""
    from .tasks import deliveries_send_task

    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start:start + BATCH_SIZE]
        Delivery.objects.filter(pk__in=chunk).update(dispatched_at=timezone.now())
        try:
            deliveries_send_task.delay(chunk)
        except Exception:  # broker down: the sweep will queue them again
            Delivery.objects.filter(pk__in=chunk, status=DeliveryStatus.QUEUED).update(
                dispatched_at=None)


def mailing_dispatch(*, mailing_id: int) -> None:
    ids = list(Delivery.objects.filter(mailing_id=mailing_id, status=DeliveryStatus.QUEUED,
                                       dispatched_at__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    deliveries_dispatch(ids=ids)


def _claim(ids: list[int]) -> list[Delivery]:
    token = uuid.uuid4().hex
    claimed = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, lease_expires_at=timezone.now() + LEASE,
        claim=token, attempts=F("attempts") + 1)
    if not claimed:
        return []
    return list(Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
                .order_by("pk"))


def _message_id(delivery: Delivery) -> str:
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:32]
    return f"<{digest}@{DNS_NAME}>"


def deliveries_send(*, ids: list[int]) -> int:
    """Claim and send these deliveries over one SMTP connection. Returns how many were
    sent. Safe to run twice: what is already claimed or sent is skipped. A transient
    failure (the SMTP server is down) puts the rest back in the queue and is raised, so
    that the task is retried."""
    deliveries = _claim(ids)
    if not deliveries:
        return 0
    sent, position = 0, 0
    connection = get_connection()
    try:
        connection.open()
        for delivery in deliveries:
            try:
                message = _COMPOSERS[delivery.kind](delivery)
                message.connection = connection
                # The same Message-ID on every attempt: if a worker dies after the server
                # accepted a message and before it was marked sent, the copy sent again can
                # be recognised as the same message.
                message.extra_headers.setdefault("Message-ID", _message_id(delivery))
                message.send()
            except (PermanentFailure, SMTPRecipientsRefused, SMTPSenderRefused) as exc:
                _finish(delivery, DeliveryStatus.FAILED, error=str(exc))
                _after_permanent_failure(delivery)
            else:
                _finish(delivery, DeliveryStatus.SENT)
                sent += 1
            position += 1
    except Exception as exc:
        for waiting in deliveries[position:]:
            _release(waiting, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        try:
            connection.close()
        except Exception:
            pass
    return sent


def _finish(delivery: Delivery, status: str, *, error: str = "") -> None:
    """Record the answer for one message as soon as it is known, so that a worker killed
    after this point never sends it again. The commit does not wait for the disk (the
    write-ahead log is flushed within a fraction of a second): only a crash of the
    database server itself in that moment could lose the mark and send a message twice."""
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=status, sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
            lease_expires_at=None, last_error=error[:2000])


def _after_permanent_failure(delivery: Delivery) -> None:
    handler = _ON_PERMANENT_FAILURE.get(delivery.kind)
    if handler is not None:
        handler(delivery)


def delivery_bounced(*, delivery: Delivery, error: str = "") -> Delivery:
    """A bounce reported after the email was sent (a non-delivery report): the delivery is
    marked bounced and the owner of the kind decides what follows."""
    updated = Delivery.objects.filter(pk=delivery.pk).exclude(
        status=DeliveryStatus.BOUNCED).update(status=DeliveryStatus.BOUNCED,
                                              last_error=error[:2000])
    delivery.refresh_from_db()
    if updated:
        _after_permanent_failure(delivery)
    return delivery


def _release(delivery: Delivery, *, error: str) -> None:
    """Back to the queue for a retry, or failed for good after MAX_ATTEMPTS."""
    status = (DeliveryStatus.FAILED if delivery.attempts >= MAX_ATTEMPTS
              else DeliveryStatus.QUEUED)
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, lease_expires_at=None, last_error=error[:2000])


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Find deliveries that were claimed and never finished, or never reached a worker,
    and hand them to a worker again. Returns how many."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=now).update(
        status=DeliveryStatus.QUEUED, lease_expires_at=None, dispatched_at=None)
    Delivery.objects.filter(status=DeliveryStatus.QUEUED, attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED)
    ids = list(Delivery.objects.filter(status=DeliveryStatus.QUEUED).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .order_by("pk").values_list("pk", flat=True)[:10000])
    deliveries_dispatch(ids=ids)
    return len(ids)


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Try a failed delivery again (the secretary's button)."""
    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.QUEUED, attempts=0, dispatched_at=None, last_error="")
    if updated:
        transaction.on_commit(lambda: deliveries_dispatch(ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def mailing_progress(*, mailing: Mailing) -> dict:
    counts = dict(mailing.deliveries.values_list("status").annotate(n=Count("pk")))
    done = sum(counts.get(s, 0) for s in (DeliveryStatus.SENT, DeliveryStatus.FAILED,
                                           DeliveryStatus.BOUNCED))
    return {"total": mailing.total, "done": done,
            "sent": counts.get(DeliveryStatus.SENT, 0),
            "failed": counts.get(DeliveryStatus.FAILED, 0) + counts.get(
                DeliveryStatus.BOUNCED, 0),
            "waiting": counts.get(DeliveryStatus.QUEUED, 0) + counts.get(
                DeliveryStatus.SENDING, 0),
            "finished": mailing.total > 0 and done >= mailing.total}
