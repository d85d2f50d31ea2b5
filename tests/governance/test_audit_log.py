import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from governance.audit import GENESIS_HASH
from governance.models import AuditChainHead, AuditEvent
from governance.selectors import audit_chain_verify
from governance.services import audit_record

pytestmark = pytest.mark.django_db


def _three_events(user):
    for action in ("test.one", "test.two", "test.three"):
        audit_record(actor=user, action=action, target=user, changes={"n": action})


def test_events_are_chained_and_verify(users):
    before = AuditEvent.objects.count()
    _three_events(users["secretary"])
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) == before + 3
    assert events[0].prev_hash == GENESIS_HASH
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.prev_hash == earlier.hash
        assert later.seq == earlier.seq + 1
    last = events[-1]
    assert last.actor_id == users["secretary"].pk
    assert last.object_type == "accounts.user"
    assert last.occurred_at.utcoffset().total_seconds() == 0
    assert audit_chain_verify().ok
    call_command("audit_verify")


def test_model_refuses_update_and_delete(users):
    _three_events(users["secretary"])
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_database_refuses_update_and_delete(users):
    _three_events(users["secretary"])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(action="test.two").update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(action="test.two").delete()


def _tamper(sql: str, params=()):
    """Go around the trigger the way a database superuser could."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_auditevent DISABLE TRIGGER "
                       "governance_auditevent_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE governance_auditevent ENABLE TRIGGER "
                       "governance_auditevent_append_only")


def test_edited_row_is_detected(users):
    _three_events(users["secretary"])
    target = AuditEvent.objects.get(action="test.two")
    _tamper("UPDATE governance_auditevent SET changes = %s WHERE id = %s",
            ['{"n": "something else"}', target.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert report.first_bad_seq == target.seq
    assert "changed" in report.problem
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


def test_deleted_row_is_detected(users):
    _three_events(users["secretary"])
    target = AuditEvent.objects.get(action="test.two")
    _tamper("DELETE FROM governance_auditevent WHERE id = %s", [target.pk])
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_seq == target.seq


def test_row_removed_from_the_end_is_detected(users):
    _three_events(users["secretary"])
    last = AuditEvent.objects.order_by("-seq").first()
    _tamper("DELETE FROM governance_auditevent WHERE id = %s", [last.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert AuditChainHead.objects.get().seq == last.seq


def test_rehashed_forgery_is_detected(users):
    """Editing a row and recomputing its own hash still breaks the next link."""
    from governance.audit import hash_of

    _three_events(users["secretary"])
    target = AuditEvent.objects.get(action="test.two")
    target.changes = {"n": "forged"}
    forged_hash = hash_of(target)
    _tamper("UPDATE governance_auditevent SET changes = %s, hash = %s WHERE id = %s",
            ['{"n": "forged"}', forged_hash, target.pk])
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_seq == target.seq + 1


def test_request_address_is_recorded(client, users):
    client.force_login(users["secretary"])
    client.post("/office/officers/appoint/", {"full_name": "Ada Lovelace",
                                              "email": "ada@example.org", "role": "board",
                                              "started_on": "2025-06-01"},
                REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="TestAgent/1.0")
    event = AuditEvent.objects.get(action="officer.appointed")
    assert event.ip_address == "192.0.2.10"
    assert event.user_agent == "TestAgent/1.0"
    assert event.actor_id == users["secretary"].pk
