"""Writes for the governance app: the audit log, the register of officers, heartbeats."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES, Role

from .audit import GENESIS_HASH, current_context, event_hash, normalise_changes
from .exceptions import DomainError
from .models import AuditChainHead, AuditEvent, Heartbeat, OfficerAppointment, Organisation


def audit_record(*, actor, action: str, target: models.Model | None = None,
                 changes: dict | None = None, object_repr: str | None = None) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    The head row is locked so that concurrent appends are serialised and the chain never
    forks; the lock is held only until the caller's transaction ends."""
    return audit_record_many(actor=actor, action=action,
                             items=[(target, changes or {}, object_repr)])[0]


def audit_record_many(*, actor, action: str,
                      items: list[tuple[models.Model | None, dict, str | None]]
                      ) -> list[AuditEvent]:
    """Append one event per (target, changes, object_repr) in a single locked write: for
    bulk operations such as an import of thousands of members."""
    context = current_context()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = (getattr(actor, "email", "") or "system")[:254] if actor_id else "system"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
        )
        prev_hash, seq, now = head.hash, head.seq, timezone.now().astimezone(dt.UTC)
        events = []
        for target, changes, object_repr in items:
            seq += 1
            fields = {
                "seq": seq,
                "occurred_at": now,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "action": action,
                "object_type": target._meta.label_lower if target is not None else "",
                "object_id": str(target.pk) if target is not None else "",
                "object_repr": (object_repr if object_repr is not None else
                                str(target) if target is not None else "")[:200],
                "changes": normalise_changes(changes or {}),
                "ip_address": context.ip_address,
                "user_agent": context.user_agent,
            }
            digest = event_hash(prev_hash=prev_hash, **fields)
            events.append(AuditEvent(prev_hash=prev_hash, hash=digest, **fields))
            prev_hash = digest
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
        return events


def organisation_update(*, actor, organisation: Organisation, note: str = "",
                        **fields) -> Organisation:
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.statutory_asset_lock and fields.get("statutory_asset_lock") is False:
            raise DomainError(
                "The statutory asset lock cannot be removed once it has been adopted.",
                field="statutory_asset_lock",
            )
        before = {name: getattr(organisation, name) for name in fields}
        for name, value in fields.items():
            setattr(organisation, name, value)
        organisation.full_clean()
        organisation.save()
        audit_record(actor=actor, action="organisation.updated", target=organisation,
                     changes={"before": before, "after": fields, "note": note})
        return organisation


def officer_appoint(*, actor, email: str, full_name: str, role: str, started_on: dt.date,
                    address: str = "") -> OfficerAppointment:
    """Enter an officer in the register of officers. A person new to the platform gets an
    account and an invitation email (sent by Celery after commit) to set a password."""
    if role not in {r.value for r in APPOINTED_ROLES}:
        raise DomainError("Choose one of the offices listed.", field="role")
    email = email.strip().lower()
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        invited = user is None
        if invited:
            user = User.objects.create_user(email=email, full_name=full_name)
            audit_record(actor=actor, action="account.invited", target=user,
                         changes={"email": email, "reason": f"appointed {role}"})
        if OfficerAppointment.objects.filter(user=user, role=role, ended_on__isnull=True).exists():
            raise DomainError(f"{full_name} already holds the office of {Role(role).label}.",
                              field="role")
        appointment = OfficerAppointment.objects.create(
            user=user, role=role, full_name=full_name, address=address, started_on=started_on
        )
        audit_record(actor=actor, action="officer.appointed", target=appointment,
                     changes={"role": role, "started_on": started_on, "user_id": user.pk})
        if invited:
            from accounts.tasks import send_invitation_task

            user_id = user.pk
            transaction.on_commit(lambda: send_invitation_task.delay(user_id))
        return appointment


def officer_retire(*, actor, appointment: OfficerAppointment, ended_on: dt.date
                   ) -> OfficerAppointment:
    with transaction.atomic():
        appointment = OfficerAppointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.ended_on is not None:
            raise DomainError("This appointment has already ended.")
        if ended_on < appointment.started_on:
            raise DomainError("An appointment cannot end before it started.", field="ended_on")
        appointment.ended_on = ended_on
        appointment.save(update_fields=["ended_on"])
        audit_record(actor=actor, action="officer.retired", target=appointment,
                     changes={"ended_on": ended_on})
        return appointment


def heartbeat_touch(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name,
                                                      defaults={"seen_at": timezone.now()})
    return heartbeat
