"""The quick check of the audit chain reads only the rows written since the checkpoint the
last passing check reached; the full check reads every row, finds a change before the
checkpoint, and from then on every quick check reports it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from governance.models import AuditCheckpoint, AuditEvent
from governance.services import audit_chain_check, audit_record

from .test_audit_log import _tamper

pytestmark = pytest.mark.django_db


def _events(user, n: int, prefix="test"):
    for i in range(n):
        audit_record(actor=user, action=f"{prefix}.{i}", target=user, changes={"i": i})


def test_the_quick_check_reads_only_the_rows_since_the_checkpoint(users):
    _events(users["secretary"], 5)
    total = AuditEvent.objects.count()
    first = audit_chain_check()
    assert first.ok and first.checked == total and first.from_seq == 0
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.seq == AuditEvent.objects.order_by("-seq").first().seq
    _events(users["secretary"], 3, prefix="later")
    again = audit_chain_check()
    assert again.ok and again.checked == 3 and again.from_seq == checkpoint.seq
    assert audit_chain_check().checked == 0  # nothing new
    # The full check still reads everything.
    assert audit_chain_check(full=True).checked == total + 3


def test_a_change_after_the_checkpoint_is_found_by_the_quick_check(users):
    _events(users["secretary"], 3)
    audit_chain_check()
    _events(users["secretary"], 3, prefix="later")
    target = AuditEvent.objects.get(action="later.1")
    _tamper("UPDATE governance_auditevent SET changes = %s WHERE id = %s",
            ['{"i": 99}', target.pk])
    report = audit_chain_check()
    assert not report.ok and report.first_bad_seq == target.seq


def test_a_change_to_the_checkpoints_own_row_or_rows_removed_from_the_end_are_found(users):
    _events(users["secretary"], 3)
    audit_chain_check()
    anchor = AuditEvent.objects.get(seq=AuditCheckpoint.objects.get().seq)
    _tamper("UPDATE governance_auditevent SET changes = %s WHERE id = %s",
            ['{"i": 42}', anchor.pk])
    report = audit_chain_check()
    assert not report.ok and "where the last check ended" in report.problem


def test_a_row_removed_from_the_end_after_the_checkpoint_is_found(users):
    _events(users["secretary"], 3)
    audit_chain_check()
    _events(users["secretary"], 2, prefix="later")
    last = AuditEvent.objects.order_by("-seq").first()
    _tamper("DELETE FROM governance_auditevent WHERE id = %s", [last.pk])
    assert not audit_chain_check().ok


def test_a_change_before_the_checkpoint_is_found_by_the_full_check_and_then_reported(
        client, users):
    """What the checkpoint does not promise: a row before it is not read by the quick
    check. The full check reads it; once it has found the break, every quick check reports
    it until a full check passes again."""
    _events(users["secretary"], 4)
    audit_chain_check()
    target = AuditEvent.objects.get(action="test.1")
    _tamper("UPDATE governance_auditevent SET changes = %s WHERE id = %s",
            ['{"i": 1000}', target.pk])
    _events(users["secretary"], 2, prefix="later")
    assert audit_chain_check().ok  # not read: the limit of the quick check
    full = audit_chain_check(full=True)
    assert not full.ok and full.first_bad_seq == target.seq
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")
    quick = audit_chain_check()
    assert not quick.ok and "the last full check found that" in quick.problem
    assert f"event #{target.seq} was changed" in quick.problem
    client.force_login(users["scrutineer"])
    page = client.get(reverse("governance:scrutiny")).content.decode()
    assert "Broken" in page and f"event #{target.seq} was changed" in page

    # Put right (here by undoing the change), a full check clears it.
    with connection.cursor():
        _tamper("UPDATE governance_auditevent SET changes = %s WHERE id = %s",
                ['{"i": 1}', target.pk])
    assert audit_chain_check(full=True).ok and audit_chain_check().ok


def test_the_pages_say_what_was_checked(client, users):
    client.force_login(users["scrutineer"])  # signing in is audited too
    _events(users["secretary"], 3)
    call_command("audit_verify")
    _events(users["secretary"], 2, prefix="later")
    page = client.get(reverse("governance:scrutiny")).content.decode()
    assert "2 entries written since the last check" in page
    assert "Entries before that point were read by the last full check (" in page
    client.force_login(users["admin"])
    system = client.get(reverse("governance:system"), {"verify": 1}).content.decode()
    assert "The whole chain was checked" in system
