"""The outbox: every email of the platform is a Delivery row, queued in the transaction
that decided to send it and sent by a Celery worker after commit.

At most once for each row, and never lost:
- queueing is idempotent: a delivery's `key` is unique, so asking twice makes one row;
- a worker claims rows with a compare-and-set that also sets a lease
  (status queued -> sending, lease_expires_at, its claim token); a second copy of the task
  finds nothing to claim;
- while it sends, the worker renews the lease of the rows it still holds, and before each
  message checks that the row is still its own with time left on the lease, so a batch
  that outlives its lease is never sent twice;
- each email is marked sent as soon as the SMTP server has accepted it. The one message a
  worker killed while waiting for the server's answer may be sent again: it carries the
  same Message-ID, derived from its key, so mail clients show one copy;
- a temporary failure (the server refuses the connection, times out, answers 4xx) puts
  the message back in the queue to be tried again after a growing wait, until its retry
  window closes; only then has it failed, and the app that owns the kind is told (a notice
  of a meeting goes by post). A refused address (5xx) fails at once;
- `deliveries_sweep` (Celery beat, every minute) sends again what was claimed and never
  finished (the worker died: the lease ran out), what never reached a worker (the broker
  was down when the task was queued), and fails what its window closed on.

Each kind of email has a composer, registered by the app that owns the kind
(`@composer("welcome")`), which turns a delivery into the message to send."""

import datetime as dt
import hashlib
import logging
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from smtplib import SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Delivery, DeliveryStatus, Mailing
from .transactions import task_send

logger = logging.getLogger(__name__)

# A queued delivery handed to a worker and not sent within this time is handed over again.
REDISPATCH_AFTER = dt.timedelta(minutes=5)
BATCH_SIZE = 50

Composer = Callable[[Delivery], EmailMessage]
# What to do when an email of a kind has failed for good: `permanent` when the address was
# refused or bounced, otherwise its retry window closed. The app that owns the kind
# registers it (a notice of a meeting then goes by post).
FailureHandler = Callable[[Delivery, bool], None]
_COMPOSERS: dict[str, Composer] = {}
_ON_FAILURE: dict[str, FailureHandler] = {}


class PermanentFailure(Exception):
    """The email can never be sent (no such recipient, nothing to send)."""


def composer(kind: str, *, on_failure: FailureHandler | None = None
             ) -> Callable[[Composer], Composer]:
    def register(function: Composer) -> Composer:
        _COMPOSERS[kind] = function
        if on_failure is not None:
            _ON_FAILURE[kind] = on_failure
        return function
    return register


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def retry_window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_RETRY_WINDOW_SECONDS)


def _retry_until(mailing: Mailing | None) -> dt.datetime:
    if mailing is not None and mailing.retry_until is not None:
        return mailing.retry_until
    return timezone.now() + retry_window()


def delivery_queue(*, kind: str, key: str, to_email: str, payload: dict | None = None,
                   mailing: Mailing | None = None) -> Delivery:
    """Queue one email inside the caller's transaction; it is handed to a worker after
    commit. Queueing the same key again returns the existing delivery."""
    if kind not in _COMPOSERS:
        raise ValueError(f"no composer for emails of kind {kind!r}")
    delivery, created = Delivery.objects.get_or_create(key=key, defaults={
        "kind": kind, "to_email": to_email, "payload": payload or {}, "mailing": mailing,
        "retry_until": _retry_until(mailing)})
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
    until = _retry_until(mailing)
    rows = [Delivery(key=key, kind=kind, to_email=to, payload=payload, mailing=mailing,
                     retry_until=until)
            for key, to, payload in items]
    existing = set(Delivery.objects.filter(key__in=[r.key for r in rows])
                   .values_list("key", flat=True))
    new = Delivery.objects.bulk_create([row for row in rows if row.key not in existing],
                                       batch_size=2000)
    mailing_id = mailing.pk
    transaction.on_commit(lambda: mailing_dispatch(mailing_id=mailing_id))
    return new


def deliveries_dispatch(*, ids: list[int], at: dt.datetime | None = None) -> None:
    """Hand deliveries to workers, in batches (one SMTP connection per batch), now or at
    `at`. Marks when they are due at a worker, so the sweep can tell a lost task from a
    slow one; a batch the broker did not take is left for the sweep."""
    from .tasks import deliveries_send_task

    countdown = max(0.0, (at - timezone.now()).total_seconds()) if at else None
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start:start + BATCH_SIZE]
        Delivery.objects.filter(pk__in=chunk).update(dispatched_at=at or timezone.now())
        if not task_send(deliveries_send_task, chunk, countdown=countdown):
            Delivery.objects.filter(pk__in=chunk, status=DeliveryStatus.QUEUED).update(
                dispatched_at=None)


def mailing_dispatch(*, mailing_id: int) -> None:
    ids = list(Delivery.objects.filter(mailing_id=mailing_id, status=DeliveryStatus.QUEUED,
                                       dispatched_at__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    deliveries_dispatch(ids=ids)


def _due(now: dt.datetime) -> Q:
    """Queued, its wait after a temporary failure over, its window still open."""
    return (Q(status=DeliveryStatus.QUEUED)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            & (Q(retry_until__isnull=True) | Q(retry_until__gt=now)))


def _claim(ids: list[int], token: str, now: dt.datetime) -> list[Delivery]:
    claimed = Delivery.objects.filter(_due(now), pk__in=ids).update(
        status=DeliveryStatus.SENDING, lease_expires_at=now + lease(), claim=token,
        attempts=F("attempts") + 1)
    if not claimed:
        return []
    return list(Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
                .order_by("pk"))


def message_id(key: str) -> str:
    """The Message-ID of every attempt of a delivery: from its key and the sender's domain,
    the same on every worker and every machine."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


# How a failed send is treated: the address can never take it; try this message again
# later (the connection is still good); or try it and the rest of the batch again later
# (the connection is gone: refused, timed out, closed, or the server said 421).
PERMANENT, RETRY_MESSAGE, RETRY_BATCH = "permanent", "retry message", "retry batch"


def _failure_kind(exc: Exception) -> str:
    if isinstance(exc, PermanentFailure):
        return PERMANENT
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        if 421 in codes:
            return RETRY_BATCH
        return RETRY_MESSAGE if codes and all(400 <= c < 500 for c in codes) else PERMANENT
    if isinstance(exc, SMTPSenderRefused | SMTPDataError):
        if exc.smtp_code == 421:
            return RETRY_BATCH
        return RETRY_MESSAGE if 400 <= exc.smtp_code < 500 else PERMANENT
    return RETRY_BATCH


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@contextmanager
def _commits_without_waiting_for_the_disk() -> Iterator[None]:
    """Each message's mark (and lease check) is its own commit, and does not wait for the
    write-ahead log to reach the disk (it does within a fraction of a second): only a crash
    of the database server itself in that moment could lose a mark and send a message
    twice. Set for this connection while it sends, and put back after."""
    postgres = db_connection.vendor == "postgresql"
    if postgres:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if postgres:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


class _Batch:
    """The rows one worker claimed, and the lease it holds on them."""

    def __init__(self, token: str, deliveries: list[Delivery], now: dt.datetime):
        self.token, self.deliveries = token, deliveries
        self.lease_until = now + lease()

    def renew_if_due(self) -> None:
        """Halfway through the lease, extend it for every row still held."""
        now = timezone.now()
        if self.lease_until - now > lease() / 2:
            return
        Delivery.objects.filter(claim=self.token, status=DeliveryStatus.SENDING,
                                lease_expires_at__gt=now).update(
            lease_expires_at=now + lease())
        self.lease_until = now + lease()

    def owns(self, delivery: Delivery | None) -> bool:
        """Still ours, with enough of the lease left to send one message: otherwise the
        sweep may have handed it to another worker (or soon will)."""
        if delivery is None:
            return False
        return Delivery.objects.filter(
            pk=delivery.pk, claim=self.token, status=DeliveryStatus.SENDING,
            lease_expires_at__gt=timezone.now() + lease() / 4).exists()

    def sent_then_owns(self, delivery: Delivery, following: Delivery | None
                       ) -> tuple[bool, bool]:
        """Mark one message sent and check that the next is still ours, in one statement
        (one round trip to the database for each message, the same commit)."""
        if db_connection.vendor != "postgresql" or following is None:
            return self.finish(delivery, DeliveryStatus.SENT), self.owns(following)
        now = timezone.now()
        with db_connection.cursor() as cursor:
            cursor.execute(
                "WITH finished AS (UPDATE governance_delivery SET status = %s, sent_at = %s, "
                "lease_expires_at = NULL, last_error = '', gave_up = false "
                "WHERE id = %s AND claim = %s AND status = %s RETURNING id) "
                "SELECT (SELECT count(*) FROM finished), EXISTS (SELECT 1 FROM "
                "governance_delivery WHERE id = %s AND claim = %s AND status = %s "
                "AND lease_expires_at > %s)",
                [DeliveryStatus.SENT, now, delivery.pk, self.token, DeliveryStatus.SENDING,
                 following.pk, self.token, DeliveryStatus.SENDING, now + lease() / 4])
            finished, owned = cursor.fetchone()
        return bool(finished), owned

    def finish(self, delivery: Delivery, status: str, *, error: str = "",
               gave_up: bool = False) -> bool:
        """Record the answer for one message as soon as it is known, so that a worker
        killed after this point never sends it again."""
        return bool(Delivery.objects.filter(
            pk=delivery.pk, claim=self.token, status=DeliveryStatus.SENDING).update(
            status=status, sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
            lease_expires_at=None, last_error=error[:2000], gave_up=gave_up))

    def fail(self, delivery: Delivery, *, error: str, permanent: bool) -> None:
        with _durably():
            if self.finish(delivery, DeliveryStatus.FAILED, error=error,
                           gave_up=not permanent):
                delivery.refresh_from_db()
                _after_failure(delivery, permanent=permanent)

    def retry_later(self, waiting: list[Delivery], *, error: str) -> None:
        """Back to the queue after a temporary failure, to be tried again after a wait
        that grows with each attempt; failed (not permanently) if its window has closed."""
        if not waiting:
            return
        now = timezone.now()
        attempts = max(d.attempts for d in waiting)
        wait = min(settings.OUTBOX_RETRY_FIRST_WAIT_SECONDS * 2 ** (attempts - 1),
                   settings.OUTBOX_RETRY_LONGEST_WAIT_SECONDS)
        at = now + dt.timedelta(seconds=wait * random.uniform(0.75, 1.25))
        again = []
        for delivery in waiting:
            if delivery.retry_until is not None and delivery.retry_until <= now:
                self.fail(delivery, error=error, permanent=False)
                continue
            until = min(at, delivery.retry_until) if delivery.retry_until else at
            if Delivery.objects.filter(pk=delivery.pk, claim=self.token,
                                       status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.QUEUED, lease_expires_at=None, claim="",
                    next_attempt_at=until, last_error=error[:2000]):
                again.append(delivery.pk)
        if again:
            # Handed over for the next try, or for the end of the window if that comes first
            # (the task then records the failure).
            ends = [d.retry_until for d in waiting if d.pk in again and d.retry_until]
            deliveries_dispatch(ids=again, at=min([at, *ends]))


def deliveries_send(*, ids: list[int]) -> int:
    """Claim and send these deliveries over one SMTP connection. Returns how many were
    sent. Safe to run twice: what is already claimed, sent or not yet due is skipped. A
    temporary failure puts the message (or, if the connection is gone, the rest of the
    batch) back in the queue with a time to try again, and hands it to a worker for then."""
    now = timezone.now()
    _give_up(Delivery.objects.filter(pk__in=ids), now=now)
    token = uuid.uuid4().hex
    deliveries = _claim(ids, token, now)
    if not deliveries:
        return 0
    batch = _Batch(token, deliveries, now)
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        logger.warning("the SMTP server cannot be reached; %d emails will be tried again: %s",
                       len(deliveries), _describe(exc))
        batch.retry_later(deliveries, error=_describe(exc))
        return 0
    sent = 0
    try:
        with _commits_without_waiting_for_the_disk():
            owned = batch.owns(deliveries[0])
            for position, delivery in enumerate(deliveries):
                following = deliveries[position + 1] if position + 1 < len(deliveries) \
                    else None
                batch.renew_if_due()
                if not owned:  # the lease ran out: the sweep gave it to another worker
                    owned = batch.owns(following)
                    continue
                try:
                    message = _COMPOSERS[delivery.kind](delivery)
                    message.connection = connection
                    message.extra_headers["Message-ID"] = message_id(delivery.key)
                except PermanentFailure as exc:
                    batch.fail(delivery, error=str(exc), permanent=True)
                    owned = batch.owns(following)
                    continue
                except Exception as exc:  # a fault in the platform: log it, try again later
                    logger.exception("could not compose delivery %s", delivery.pk)
                    batch.retry_later([delivery], error=_describe(exc))
                    owned = batch.owns(following)
                    continue
                try:
                    message.send()
                except Exception as exc:
                    kind = _failure_kind(exc)
                    if kind == PERMANENT:
                        batch.fail(delivery, error=str(exc), permanent=True)
                        owned = batch.owns(following)
                    elif kind == RETRY_MESSAGE:
                        batch.retry_later([delivery], error=_describe(exc))
                        owned = batch.owns(following)
                    else:
                        logger.warning("the SMTP connection failed; %d emails will be tried "
                                       "again: %s", len(deliveries) - position, _describe(exc))
                        batch.retry_later(deliveries[position:], error=_describe(exc))
                        break
                else:
                    finished, owned = batch.sent_then_owns(delivery, following)
                    sent += finished
    finally:
        try:
            connection.close()
        except Exception:
            pass
    return sent


def _after_failure(delivery: Delivery, *, permanent: bool) -> None:
    handler = _ON_FAILURE.get(delivery.kind)
    if handler is not None:
        handler(delivery, permanent)


def delivery_bounced(*, delivery: Delivery, error: str = "") -> Delivery:
    """A bounce reported after the email was sent (a non-delivery report): the delivery is
    marked bounced and the owner of the kind decides what follows."""
    updated = Delivery.objects.filter(pk=delivery.pk).exclude(
        status=DeliveryStatus.BOUNCED).update(status=DeliveryStatus.BOUNCED,
                                              last_error=error[:2000])
    delivery.refresh_from_db()
    if updated:
        _after_failure(delivery, permanent=True)
    return delivery


@contextmanager
def _durably() -> Iterator[None]:
    """One transaction whose commit waits for the disk: a failure and what follows from it
    (the letter that replaces a notice's email) are kept together or not at all."""
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO ON")
        yield


def _give_up(deliveries, *, now: dt.datetime) -> None:
    """Queued deliveries whose retry window has closed have failed: the owner of the kind
    is told (a notice goes by post)."""
    for delivery in deliveries.filter(status=DeliveryStatus.QUEUED,
                                      retry_until__lte=now).iterator():
        with _durably():
            if Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
                    status=DeliveryStatus.FAILED, gave_up=True, next_attempt_at=None,
                    last_error=("Not sent before the end of its retry window. "
                                + delivery.last_error)[:2000]):
                delivery.refresh_from_db()
                _after_failure(delivery, permanent=False)


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Find deliveries that were claimed and never finished, or never reached a worker, or
    are due again after a temporary failure, and hand them to a worker; fail those whose
    retry window has closed. Returns how many were handed over."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=now).update(
        status=DeliveryStatus.QUEUED, lease_expires_at=None, claim="", dispatched_at=None)
    _give_up(Delivery.objects.all(), now=now)
    ids = list(Delivery.objects.filter(_due(now)).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .order_by("pk").values_list("pk", flat=True)[:10000])
    deliveries_dispatch(ids=ids)
    return len(ids)


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Try a failed delivery again (the secretary's button), with a new retry window."""
    updated = Delivery.objects.filter(pk=delivery.pk, status__in=[
        DeliveryStatus.FAILED]).update(
        status=DeliveryStatus.QUEUED, attempts=0, dispatched_at=None, last_error="",
        next_attempt_at=None, gave_up=False, retry_until=timezone.now() + retry_window())
    if updated:
        transaction.on_commit(lambda: deliveries_dispatch(ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def mailing_progress(*, mailing: Mailing) -> dict:
    counts = dict(mailing.deliveries.values_list("status").annotate(n=Count("pk")))
    done = sum(counts.get(s, 0) for s in (DeliveryStatus.SENT, DeliveryStatus.FAILED,
                                           DeliveryStatus.BOUNCED))
    retrying = mailing.deliveries.filter(status=DeliveryStatus.QUEUED, attempts__gt=0)
    progress = {"total": mailing.total, "done": done,
            "sent": counts.get(DeliveryStatus.SENT, 0),
            "failed": counts.get(DeliveryStatus.FAILED, 0) + counts.get(
                DeliveryStatus.BOUNCED, 0),
            "waiting": counts.get(DeliveryStatus.QUEUED, 0) + counts.get(
                DeliveryStatus.SENDING, 0),
            # Waiting to be tried again after a temporary failure (the mail server down).
            "retrying": retrying.count(),
            "finished": mailing.total > 0 and done >= mailing.total}
    if progress["retrying"]:
        until = mailing.retry_until or max(retrying.values_list("retry_until", flat=True))
        progress["text"] = (
            f"Sending: {done} of {mailing.total} done. {progress['retrying']} waiting for the "
            "mail server, which did not take them: tried again until "
            f"{timezone.localtime(until):%-d %B %Y, %H:%M}, then they have failed.")
    return progress
