"""The unit of work: one database transaction whose audit rows are written at its end.

Services open their transaction with `atomic()` instead of `transaction.atomic()`.
`audit_record` inside a unit only buffers the event; the outermost unit appends the
buffered events to the hash chain as its last statement before commit. So the audit chain
head, which every audited write must lock, is always the last lock a transaction takes and
is held only for the moment of the commit: it cannot take part in a deadlock, and it is
not held while a service does its work (see "Lock order" in docs/architecture.md).

A nested unit is a savepoint: if it fails and the caller carries on, the events it
buffered are dropped with the rows it wrote."""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .audit import GENESIS_HASH, event_hash
from .models import AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)


@dataclass
class _Buffer:
    events: list[AuditEvent] = field(default_factory=list)


def _buffer(connection) -> _Buffer | None:
    return getattr(connection, "audit_unit_buffer", None)


@contextmanager
def atomic() -> Iterator[None]:
    connection = transaction.get_connection()
    buffer = _buffer(connection)
    outermost = buffer is None
    if outermost:
        buffer = connection.audit_unit_buffer = _Buffer()
    mark = len(buffer.events)
    try:
        with transaction.atomic():
            yield
            if outermost and not connection.needs_rollback:
                chain_append(buffer.events)
    except BaseException:
        del buffer.events[mark:]
        raise
    finally:
        if outermost:
            connection.audit_unit_buffer = None


def in_unit() -> bool:
    return _buffer(transaction.get_connection()) is not None


def buffer_events(events: list[AuditEvent]) -> None:
    _buffer(transaction.get_connection()).events.extend(events)


def chain_append(events: list[AuditEvent]) -> None:
    """Lock the chain head, number and hash the events, write them. Runs inside the
    caller's transaction; the lock is released when it commits."""
    if not events:
        return
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        prev_hash, seq = head.hash, head.seq
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = event_hash(
                prev_hash=prev_hash, seq=seq, occurred_at=event.occurred_at,
                actor_id=event.actor_id, actor_label=event.actor_label, action=event.action,
                object_type=event.object_type, object_id=event.object_id,
                object_repr=event.object_repr, changes=event.changes,
                ip_address=event.ip_address, user_agent=event.user_agent)
            prev_hash = event.hash
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)


def now_utc() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC)


def task_send(task, *args, countdown: float | None = None) -> bool:
    """Hand a task to the broker now; False if the broker cannot be reached. The Celery
    app's broker time-outs are short (config/celery.py), so a broker that is down costs a
    request a second or two, not twenty. Work sent this way must be found again by a beat
    sweep when this fails."""
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # the broker is unreachable: the sweep will queue it again
        logger.warning("could not queue %s%r; the sweep will queue it again",
                       getattr(task, "name", task), args, exc_info=True)
        return False
    return True


def queue_after_commit(task, *args) -> None:
    """Hand a task to the broker once the transaction has committed (at once outside a
    transaction). Every task the platform queues goes through here or `task_send`. If the
    broker is down the commit stands and the task is not sent: each kind of queued work
    has a beat sweep that finds it again (deliveries, notices, imports, invitations,
    counts), so nothing is lost and the request that queued it does not fail."""
    transaction.on_commit(lambda: task_send(task, *args))
