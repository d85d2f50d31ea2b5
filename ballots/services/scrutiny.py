"""The scrutineer's signed bundle, made on a worker: asked for on the scrutiny page, queued
after commit, claimed by a worker with a lease (as the count is), built with its
progress recorded step by step, and stored once made; each download hands out the stored
bytes and is written to the audit log with their SHA-256. A task run twice finds the
bundle made or claimed and does nothing; a worker killed mid-way leaves nothing stored,
and once its lease runs out the beat sweep queues the bundle again, as it does for a
bundle whose task never reached the broker.

Until the results are published the bundle (which carries every outcome) is for the
scrutineer and the secretary only; the views decide who may ask and download."""

import datetime as dt
import hashlib

from django.db.models import Q
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_chain_check, audit_record
from governance.transactions import atomic, queue_after_commit

from ..models import Ballot, BallotStatus, BundleStatus, ScrutinyBundle
from ..reports import bundle_steps, scrutiny_bundle

BUNDLE_LEASE = dt.timedelta(minutes=10)
# A bundle asked for this recently is left to the task its request queued.
SWEEP_GRACE = dt.timedelta(minutes=2)


def scrutiny_bundle_request(*, actor, ballot: Ballot) -> ScrutinyBundle:
    """Ask for a bundle of a closed, counted ballot. One being made already is returned
    instead of a second; a new one may be asked for at any time (it reports the audit
    chain and the results as they are then)."""
    if ballot.status != BallotStatus.CLOSED or ballot.counted_at is None:
        raise DomainError("The bundle is made once the ballot has closed and been counted.")
    from ..tasks import scrutiny_bundle_task

    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        pending = ScrutinyBundle.objects.filter(ballot=ballot).exclude(
            status=BundleStatus.READY).first()
        if pending is not None:
            return pending
        bundle = ScrutinyBundle.objects.create(
            ballot=ballot, requested_at=timezone.now(),
            requested_by_id=getattr(actor, "pk", None), progress_total=bundle_steps(ballot))
        audit_record(actor=actor, action="ballot.scrutiny_bundle_requested", target=ballot,
                     changes={"bundle_id": bundle.pk})
        queue_after_commit(scrutiny_bundle_task, bundle.pk)
        return bundle


def _claim(bundle_id: int, now: dt.datetime) -> bool:
    return bool(ScrutinyBundle.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=bundle_id, status__in=[BundleStatus.QUEUED, BundleStatus.BUILDING],
    ).update(status=BundleStatus.BUILDING, claimed_until=now + BUNDLE_LEASE,
             progress_done=0))


def scrutiny_bundle_build(*, bundle_id: int) -> bool:
    """Make the bundle and store it. Returns False when it is made already or another
    worker holds it."""
    if not _claim(bundle_id, timezone.now()):
        return False
    bundle = ScrutinyBundle.objects.select_related("ballot__rulebook").get(pk=bundle_id)
    try:
        content = scrutiny_bundle(
            bundle.ballot, chain=audit_chain_check(),
            progress=lambda done: ScrutinyBundle.objects.filter(pk=bundle_id).update(
                progress_done=done))
    except BaseException:
        # Let a retry or the sweep make it again at once, rather than after the lease.
        ScrutinyBundle.objects.filter(pk=bundle_id).update(claimed_until=None)
        raise
    digest = hashlib.sha256(content).hexdigest()
    with atomic():
        bundle = ScrutinyBundle.objects.select_for_update().get(pk=bundle_id)
        if bundle.status == BundleStatus.READY:  # a second worker finished first
            return False
        bundle.status, bundle.content, bundle.sha256 = BundleStatus.READY, content, digest
        bundle.size, bundle.made_at, bundle.claimed_until = len(content), timezone.now(), None
        bundle.progress_done = bundle.progress_total
        bundle.save()
        audit_record(actor=None, action="ballot.scrutiny_bundle_made", target=bundle.ballot,
                     changes={"bundle_id": bundle.pk, "sha256": digest, "bytes": len(content)})
    return True


def scrutiny_bundles_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: bundles asked for and not made, with no live claim (the task was
    lost, the broker was down, the worker died), are queued again."""
    from ..tasks import scrutiny_bundle_task

    now = now or timezone.now()
    due = list(ScrutinyBundle.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status__in=[BundleStatus.QUEUED, BundleStatus.BUILDING],
        requested_at__lt=now - SWEEP_GRACE).values_list("pk", flat=True))
    for bundle_id in due:
        queue_after_commit(scrutiny_bundle_task, bundle_id)  # outside a transaction: at once
    return len(due)


def scrutiny_bundle_issue(*, actor, bundle: ScrutinyBundle) -> bytes:
    """Hand out a bundle that is made, and write the download to the audit log."""
    if bundle.status != BundleStatus.READY:
        raise DomainError("The bundle is still being made.")
    audit_record(actor=actor, action="ballot.scrutiny_bundle_issued", target=bundle.ballot,
                 changes={"bundle_id": bundle.pk, "sha256": bundle.sha256,
                          "bytes": bundle.size})
    return bytes(bundle.content)
