"""Writes for the governance app: the audit log, the organisation, the register of
officers, heartbeats."""

import datetime as dt
from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES, Role

from . import outbox
from .audit import GENESIS_HASH, current_context, normalise_changes
from .exceptions import DomainError
from .models import (
    CIC_FORMS,
    SOCIETY_FORMS,
    AssetLock,
    AuditCheckpoint,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Heartbeat,
    LegalForm,
    OfficerAppointment,
    Organisation,
)
from .outbox import delivery_queue
from .selectors import ChainReport
from .transactions import atomic, buffer_events, chain_append, in_unit, now_utc


def audit_record(*, actor, action: str, target: models.Model | None = None,
                 changes: dict | None = None, object_repr: str | None = None) -> AuditEvent:
    """Record one event. Inside a unit of work (`governance.transactions.atomic`) it is
    written when the unit commits; elsewhere it is written at once, in its own
    transaction."""
    return audit_record_many(actor=actor, action=action,
                             items=[(target, changes or {}, object_repr)])[0]


def audit_record_many(*, actor, action: str,
                      items: list[tuple[models.Model | None, dict, str | None]]
                      ) -> list[AuditEvent]:
    """One event per (target, changes, object_repr): for bulk operations such as an
    import of thousands of members."""
    context = current_context()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = (getattr(actor, "email", "") or "system")[:254] if actor_id else "system"
    now = now_utc()
    events = [
        AuditEvent(
            occurred_at=now, actor_id=actor_id, actor_label=actor_label, action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            object_repr=(object_repr if object_repr is not None else
                         str(target) if target is not None else "")[:200],
            changes=normalise_changes(changes or {}),
            ip_address=context.ip_address, user_agent=context.user_agent)
        for target, changes, object_repr in items]
    if in_unit():
        buffer_events(events)
    else:
        with transaction.atomic():
            chain_append(events)
    return events


ORGANISATION_FIELDS = ("name", "legal_form", "nation", "registration_number",
                       "registered_office", "asset_lock", "incorporated_on", "minimum_age",
                       "membership_ends_below_minimum", "spun_out_of", "spun_out_on")


def _check_organisation(*, before: Organisation | None, after: Organisation) -> None:
    """The legal form and the asset lock must fit together, and a lock that the law makes
    permanent stays."""
    if after.legal_form not in LegalForm.values:
        raise DomainError("Choose the legal form.", field="legal_form")
    if before is not None and before.asset_lock == AssetLock.STATUTORY \
            and after.asset_lock != AssetLock.STATUTORY:
        raise DomainError(
            "The statutory restriction on the use of assets cannot be removed once a "
            "community benefit society has adopted it (Community Benefit Societies "
            "(Restriction on Use of Assets) Regulations 2006).", field="asset_lock")
    if before is not None and before.is_cic and after.legal_form not in CIC_FORMS \
            and after.legal_form not in SOCIETY_FORMS:
        raise DomainError(
            "A community interest company can stop being one only by dissolution or by "
            "converting to a charity or a registered society (Companies (Audit, "
            "Investigations and Community Enterprise) Act 2004 ss.53-55).", field="legal_form")
    if after.legal_form in CIC_FORMS and after.asset_lock != AssetLock.CIC:
        raise DomainError("A community interest company has the CIC asset lock by law "
                          "(CIC Regulations 2005 Sch.1).", field="asset_lock")
    if after.asset_lock == AssetLock.CIC and after.legal_form not in CIC_FORMS:
        raise DomainError("Only a community interest company has the CIC asset lock.",
                          field="asset_lock")
    if after.asset_lock == AssetLock.STATUTORY \
            and after.legal_form != LegalForm.COMMUNITY_BENEFIT_SOCIETY:
        raise DomainError("Only a community benefit society can adopt the statutory "
                          "restriction on the use of assets.", field="asset_lock")
    if not after.name.strip():
        raise DomainError("Enter the organisation's registered name.", field="name")


def organisation_set_up(*, actor, name: str, legal_form: str, nation: str,
                        registration_number: str = "", registered_office: str = "",
                        asset_lock: str = AssetLock.NONE, incorporated_on: dt.date | None = None,
                        minimum_age: int | None = None) -> Organisation:
    """Create the organisation this installation serves (once)."""
    with atomic():
        if Organisation.objects.exists():
            raise DomainError("The organisation is already set up; change its details on "
                              "the organisation page.")
        if legal_form in CIC_FORMS and asset_lock == AssetLock.NONE:
            asset_lock = AssetLock.CIC
        organisation = Organisation(
            name=name.strip(), legal_form=legal_form, nation=nation,
            registration_number=registration_number.strip(),
            registered_office=registered_office.strip(), asset_lock=asset_lock,
            incorporated_on=incorporated_on, minimum_age=minimum_age)
        _check_organisation(before=None, after=organisation)
        organisation.full_clean()
        organisation.save()
        audit_record(actor=actor, action="organisation.set_up", target=organisation,
                     changes={name: getattr(organisation, name) for name in ORGANISATION_FIELDS})
        return organisation


def organisation_update(*, actor, organisation: Organisation, note: str = "",
                        **fields) -> Organisation:
    unknown = set(fields) - set(ORGANISATION_FIELDS) - {"withdrawals_suspended"}
    if unknown:
        raise ValueError(f"not organisation settings: {sorted(unknown)}")
    with atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = Organisation.objects.get(pk=organisation.pk)
        changed = {name: value for name, value in fields.items()
                   if getattr(organisation, name) != value}
        for name, value in changed.items():
            setattr(organisation, name, value)
        _check_organisation(before=before, after=organisation)
        organisation.full_clean()
        if not changed:
            return organisation
        organisation.save(update_fields=list(changed))
        audit_record(actor=actor, action="organisation.updated", target=organisation,
                     changes={"before": {name: getattr(before, name) for name in changed},
                              "after": changed, "note": note})
        return organisation


def invitation_queue(*, user, reason: str, mailing=None, resend: int = 0) -> None:
    """Queue the email that lets a person set their password (once per account; a
    deliberate re-send gets its own key)."""
    key = f"invitation:user:{user.pk}" + (f":{resend}" if resend else "")
    delivery_queue(kind="invitation", key=key, to_email=user.email, mailing=mailing,
                   payload={"user_id": user.pk, "reason": reason})


def delivery_resend(*, actor, delivery) -> bool:
    """Send a failed email again (the secretary's button); returns whether it will be. An
    email that has not failed (sent since, or already waiting after an earlier press) is
    left as it is, and nothing is written to the audit log for it."""
    with atomic():
        failed = Delivery.objects.select_for_update().filter(
            pk=delivery.pk, status=DeliveryStatus.FAILED).exists()
        delivery = outbox.delivery_resend(delivery=delivery)
        if failed:
            audit_record(actor=actor, action="delivery.resent", target=delivery,
                         changes={"kind": delivery.kind, "to": delivery.to_email})
        return failed


def officer_appoint(*, actor, email: str, full_name: str, role: str, started_on: dt.date,
                    address: str = "") -> OfficerAppointment:
    """Enter an officer in the register of officers. A person new to the platform gets an
    account and an invitation email (sent by Celery after commit) to set a password."""
    if role not in {r.value for r in APPOINTED_ROLES}:
        raise DomainError("Choose one of the offices listed.", field="role")
    if started_on > timezone.localdate():
        raise DomainError("Enter the date the appointment took effect: it cannot be in the "
                          "future.", field="started_on")
    email = email.strip().lower()
    User = get_user_model()
    with atomic():
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
            invitation_queue(user=user, reason=f"You have been appointed "
                                               f"{Role(role).label.lower()}.")
        return appointment


def officer_retire(*, actor, appointment: OfficerAppointment, ended_on: dt.date
                   ) -> OfficerAppointment:
    with atomic():
        appointment = OfficerAppointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.ended_on is not None:
            raise DomainError("This appointment has already ended.")
        if ended_on < appointment.started_on:
            raise DomainError("An appointment cannot end before it started.", field="ended_on")
        if ended_on > timezone.localdate():
            raise DomainError("Enter the date the appointment ended: it cannot be in the "
                              "future.", field="ended_on")
        appointment.ended_on = ended_on
        appointment.save(update_fields=["ended_on"])
        audit_record(actor=actor, action="officer.retired", target=appointment,
                     changes={"ended_on": ended_on})
        return appointment


def heartbeat_touch(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name,
                                                      defaults={"seen_at": timezone.now()})
    return heartbeat


def asset_lock_propose(*, actor, kind: str, facts: dict):
    """The board proposes an action; the gate decides and records why."""
    from .asset_lock import asset_lock_decide

    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        raise DomainError("Set up the organisation first.")
    facts = {key: value for key, value in facts.items() if value not in (None, "", [])}
    with atomic():
        return asset_lock_decide(kind, organisation=organisation, proposed_by=actor,
                                 facts=facts)


def audit_chain_check(*, full: bool = False) -> ChainReport:
    """Check the audit chain and move the checkpoint on.

    The quick check (the default) starts at the checkpoint, the point the last passing
    check reached, and reads only the rows written since: it costs the new rows, not the
    whole log. It finds any change to those rows, to the checkpoint's own row, any row
    removed or added after it, and rows removed from the end. It does not read the rows
    before the checkpoint: a change to one of those is found by the full check alone
    (`full=True`: `manage.py audit_verify`, the system page, the nightly task). A full
    check that fails is recorded, and every quick check reports it until a full check
    passes again. The checkpoint is a row in the same database: it guards against a
    change slipped in among the rows since the last check, not against someone who can
    rewrite the checkpoint too, which the full check does not rely on."""
    from .selectors import audit_chain_verify

    checkpoint, _ = AuditCheckpoint.objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
    if not full and checkpoint.problem:
        return ChainReport(False, 0, f"the last full check found that {checkpoint.problem}",
                           checkpoint.problem_seq, full=False,
                           full_checked_at=checkpoint.full_verified_at)
    start = None if full or not checkpoint.seq else (checkpoint.seq, checkpoint.hash)
    report = audit_chain_verify(start=start)
    now = timezone.now()
    if report.ok:
        fields = {"seq": report.head_seq, "hash": report.head_hash, "verified_at": now}
        if full:
            fields.update(full_verified_at=now, problem="", problem_seq=None)
        # Only ever forward: a slower check that started earlier does not move it back.
        AuditCheckpoint.objects.filter(pk=1, seq__lte=report.head_seq).update(**fields)
    elif full:
        AuditCheckpoint.objects.filter(pk=1).update(problem=report.problem[:300],
                                                    problem_seq=report.first_bad_seq)
    return replace(report, checkpoint_at=None if full else checkpoint.verified_at,
                   full_checked_at=now if full and report.ok else checkpoint.full_verified_at)
