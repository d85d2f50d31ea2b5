"""The scrutiny page and the signed bundle: until publication the outcomes and the bundle
are for the scrutineer and the secretary only; the page checks only the audit entries
written since the last check and makes no bundle; a bundle is made once, by whichever
worker claims it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ballots.models import BundleStatus, ScrutinyBundle
from ballots.services import counting, scrutiny
from governance.models import AuditEvent
from governance.services import audit_record

from .test_results import counted_ballot

pytestmark = pytest.mark.django_db


def _made_bundle(ballot, actor):
    bundle = scrutiny.scrutiny_bundle_request(actor=actor, ballot=ballot)
    assert scrutiny.scrutiny_bundle_build(bundle_id=bundle.pk)
    return bundle


def test_until_publication_the_board_sees_no_outcome_and_gets_no_bundle(client, users, agm,
                                                                      community):
    """Board members are often candidates: before the results are published the scrutiny
    page shows them the reconciliation without the outcomes or the count's figures, and
    the bundle (which carries every outcome) is for the scrutineer and the secretary."""
    ballot, _members = counted_ballot(users, agm, community)
    bundle = _made_bundle(ballot, users["scrutineer"])
    page_url = reverse("ballots:scrutiny", args=[ballot.pk])
    download = reverse("ballots:scrutiny_bundle_download", args=[ballot.pk, bundle.pk])
    progress = reverse("ballots:scrutiny_bundle_progress", args=[ballot.pk, bundle.pk])
    ask = reverse("ballots:scrutiny_bundle", args=[ballot.pk])
    for role in ("board", "chair"):
        client.force_login(users[role])
        page = client.get(page_url).content.decode()
        assert "Reconciled" in page and "Participations against the papers counted" in page
        assert "Outcome" not in page and "Elected" not in page and "Carried" not in page
        assert "non-transferable" not in page and "Download the signed bundle" not in page
        assert "for the scrutineer and the secretary until" in page
        assert client.get(download).status_code == 403
        assert client.get(progress).status_code == 403
        assert client.post(ask).status_code == 403
    assert AuditEvent.objects.filter(action="ballot.scrutiny_bundle_issued").count() == 0
    for role in ("scrutineer", "secretary"):
        client.force_login(users[role])
        page = client.get(page_url).content.decode()
        assert "Outcome" in page and "Download the signed bundle" in page
        assert client.get(download).status_code == 200

    counting.results_publish(actor=users["secretary"], ballot=ballot)
    client.force_login(users["board"])
    page = client.get(page_url).content.decode()
    assert "Outcome" in page and "Download the signed bundle" in page
    assert client.get(download).status_code == 200


def test_the_page_checks_only_the_entries_since_the_checkpoint_and_makes_no_bundle(
        client, users, agm, community):
    ballot, _members = counted_ballot(users, agm, community)
    client.force_login(users["scrutineer"])  # signing in is audited too
    call_command("audit_verify")
    for i in range(4):
        audit_record(actor=None, action="test.later", changes={"i": i})
    page = client.get(reverse("ballots:scrutiny", args=[ballot.pk])).content.decode()
    assert "4 entries written since the last check" in page
    assert not ScrutinyBundle.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="ballot.scrutiny_bundle").exists()
    # Asking for the bundle queues it for a worker; the page shows its progress.
    response = client.post(reverse("ballots:scrutiny_bundle", args=[ballot.pk]), follow=True)
    page = response.content.decode()
    assert "The bundle is being made" in page and "Waiting for a worker" in page
    assert 'data-progress-url="' in page and "Refresh to see progress" in page
    bundle = ScrutinyBundle.objects.get()
    assert bundle.status == BundleStatus.QUEUED and bundle.progress_total == 2 + 3
    # Asking again while it is being made does not make a second.
    client.post(reverse("ballots:scrutiny_bundle", args=[ballot.pk]))
    assert ScrutinyBundle.objects.count() == 1


def test_a_bundle_is_made_once_and_a_live_claim_is_left_alone(users, agm, community):
    ballot, _members = counted_ballot(users, agm, community)
    bundle = scrutiny.scrutiny_bundle_request(actor=users["scrutineer"], ballot=ballot)
    # Another worker holds it: this one does nothing.
    ScrutinyBundle.objects.filter(pk=bundle.pk).update(
        status=BundleStatus.BUILDING, claimed_until=timezone.now() + dt.timedelta(minutes=5))
    assert scrutiny.scrutiny_bundle_build(bundle_id=bundle.pk) is False
    assert scrutiny.scrutiny_bundles_due(now=timezone.now() + scrutiny.SWEEP_GRACE) == 0
    # Its lease ran out (the worker died): the next one makes it, once.
    ScrutinyBundle.objects.filter(pk=bundle.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert scrutiny.scrutiny_bundle_build(bundle_id=bundle.pk) is True
    assert scrutiny.scrutiny_bundle_build(bundle_id=bundle.pk) is False
    bundle.refresh_from_db()
    assert bundle.status == BundleStatus.READY and bundle.progress_done == bundle.progress_total
    made = AuditEvent.objects.filter(action="ballot.scrutiny_bundle_made")
    assert made.count() == 1 and made.get().changes["sha256"] == bundle.sha256
