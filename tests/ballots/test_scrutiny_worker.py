"""The signed bundle through the real broker and a real Celery worker: asked for on the
scrutiny page, made by the worker with its progress, then downloaded and recounted; a
bundle whose task never reached the broker, or whose worker died, is found by the beat
sweep and made once."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ballots.models import BundleStatus, ScrutinyBundle
from ballots.services import scrutiny
from governance.models import AuditEvent
from tests.meetings.test_notice_delivery import broker_down, wait_for

from .test_results import counted_ballot

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def ready(bundle_id) -> bool:
    return ScrutinyBundle.objects.filter(pk=bundle_id, status=BundleStatus.READY).exists()


def test_the_worker_makes_the_bundle_and_the_page_shows_progress_then_the_download(
        client, users, agm, community, celery_worker_process, tmp_path):
    ballot, _members = counted_ballot(users, agm, community)
    client.force_login(users["scrutineer"])
    assert client.post(reverse("ballots:scrutiny_bundle", args=[ballot.pk])
                       ).status_code == 302
    bundle = ScrutinyBundle.objects.get()
    wait_for(lambda: ready(bundle.pk), what="the bundle")
    progress = client.get(reverse("ballots:scrutiny_bundle_progress",
                                  args=[ballot.pk, bundle.pk])).json()
    assert progress == {"done": 5, "total": 5, "finished": True,
                        "text": "The bundle is ready."}
    page = client.get(reverse("ballots:scrutiny", args=[ballot.pk])).content.decode()
    assert "Download the signed bundle" in page and "Make a new bundle" in page
    response = client.get(reverse("ballots:scrutiny_bundle_download",
                                  args=[ballot.pk, bundle.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.content)
    out = io.StringIO()
    call_command("recount", str(path), "--json", stdout=out)
    check = json.loads(out.getvalue())
    assert check["agrees"] and check["signature_valid"]
    bundle.refresh_from_db()
    actions = list(AuditEvent.objects.filter(action__startswith="ballot.scrutiny_bundle")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["ballot.scrutiny_bundle_requested", "ballot.scrutiny_bundle_made",
                       "ballot.scrutiny_bundle_issued"]
    issued = AuditEvent.objects.get(action="ballot.scrutiny_bundle_issued")
    assert issued.changes["sha256"] == bundle.sha256 and issued.actor_id == \
        users["scrutineer"].pk


def test_a_bundle_whose_task_was_lost_or_whose_worker_died_is_found_by_the_sweep(
        users, agm, community, celery_worker_process):
    ballot, _members = counted_ballot(users, agm, community)
    with broker_down():
        lost = scrutiny.scrutiny_bundle_request(actor=users["scrutineer"], ballot=ballot)
    assert not ready(lost.pk)
    later = timezone.now() + scrutiny.SWEEP_GRACE + dt.timedelta(seconds=1)
    assert scrutiny.scrutiny_bundles_due(now=later) == 1
    wait_for(lambda: ready(lost.pk), what="the lost bundle")

    # A worker claimed the next one and died: its lease ran out, and the sweep queues it.
    died = scrutiny.scrutiny_bundle_request(actor=users["scrutineer"], ballot=ballot)
    wait_for(lambda: ready(died.pk), what="the second bundle")
    ScrutinyBundle.objects.filter(pk=died.pk).update(
        status=BundleStatus.BUILDING, content=None, sha256="", progress_done=2,
        claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert scrutiny.scrutiny_bundles_due(now=later) == 1
    wait_for(lambda: ready(died.pk), what="the bundle of the worker that died")
    assert scrutiny.scrutiny_bundles_due(now=later) == 0
    assert AuditEvent.objects.filter(action="ballot.scrutiny_bundle_made").count() == 3
