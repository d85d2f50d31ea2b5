"""Reads for the governance app."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from accounts.roles import Role

from .audit import GENESIS_HASH, hash_of
from .models import (
    AssetLockDecision,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Mailing,
    OfficerAppointment,
    Organisation,
)


def organisation_get() -> Organisation | None:
    return Organisation.objects.order_by("pk").first()


def officer_roles_for_user(*, user, on: dt.date) -> set[Role]:
    rows = OfficerAppointment.objects.filter(user=user, started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on)
    ).values_list("role", flat=True)
    return {Role(role) for role in rows}


def officer_appointment(*, pk: int) -> OfficerAppointment | None:
    return OfficerAppointment.objects.filter(pk=pk).first()


def officers_former(*, on: dt.date):
    return OfficerAppointment.objects.filter(ended_on__lt=on)


def audit_events(*, action_prefix: str = ""):
    events = AuditEvent.objects.all()
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events


def mailing(*, pk: int) -> Mailing | None:
    return Mailing.objects.filter(pk=pk).first()


def mailing_failures(*, mailing: Mailing):
    return mailing.deliveries.filter(status__in=[DeliveryStatus.FAILED,
                                                 DeliveryStatus.BOUNCED])[:200]


def delivery(*, pk: int) -> Delivery | None:
    return Delivery.objects.filter(pk=pk).first()


def officers_on(*, on: dt.date):
    return OfficerAppointment.objects.filter(started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on)
    ).select_related("user")


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    first_bad_seq: int | None = None
    from_seq: int = 0  # the check started after this event (0: from the start)
    head_seq: int = 0  # ... and reached this one, with this hash
    head_hash: str = GENESIS_HASH
    full: bool = True
    checkpoint_at: dt.datetime | None = None  # when the starting point was verified
    full_checked_at: dt.datetime | None = None  # when the whole chain last passed


def audit_chain_verify(*, batch_size: int = 5000, start: tuple[int, str] | None = None
                       ) -> ChainReport:
    """Recompute every hash in order, from the start of the chain or from `start` (a
    sequence number and the hash it was verified with). Detects edited rows, rows removed
    from the middle (a gap or a broken link) and rows removed from the end (the head
    disagrees). From `start`, the row at `start` must still carry that hash and recompute
    to it; rows before it are not read."""
    expected_prev, from_seq = (start[1], start[0]) if start else (GENESIS_HASH, 0)
    if from_seq:
        anchor = AuditEvent.objects.filter(seq=from_seq).first()
        if anchor is None or anchor.hash != expected_prev or hash_of(anchor) != anchor.hash:
            return ChainReport(False, 0, f"event #{from_seq}, where the last check ended, "
                               "was changed or removed", from_seq, from_seq=from_seq,
                               full=False)
    expected_seq = from_seq + 1
    checked = 0
    last_seq = from_seq
    while True:
        batch = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not batch:
            break
        for event in batch:
            failed = None
            if event.seq != expected_seq:
                failed = f"event #{expected_seq} is missing"
            elif event.prev_hash != expected_prev:
                failed = f"event #{event.seq} does not link to the event before it"
            elif hash_of(event) != event.hash:
                failed = f"event #{event.seq} was changed after it was written"
            if failed:
                return ChainReport(False, checked, failed, expected_seq, from_seq=from_seq,
                                   full=start is None)
            expected_prev = event.hash
            expected_seq += 1
            last_seq = event.seq
            checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != last_seq or head_hash != expected_prev:
        return ChainReport(False, checked,
                           f"the chain ends at #{last_seq} but {head_seq} events were written",
                           last_seq + 1, from_seq=from_seq, full=start is None)
    return ChainReport(True, checked, from_seq=from_seq, head_seq=last_seq,
                       head_hash=expected_prev, full=start is None)


def audit_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.filter(pk=1).first()


def asset_lock_decisions():
    return AssetLockDecision.objects.all()


def asset_lock_decision(*, pk: int) -> AssetLockDecision | None:
    return AssetLockDecision.objects.filter(pk=pk).first()
