"""Hashing and request context for the audit log."""

import contextvars
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditContext:
    ip_address: str | None = None
    user_agent: str = ""


_NO_REQUEST = AuditContext()
_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def current_context() -> AuditContext:
    return _context.get() or _NO_REQUEST


def set_context(context: AuditContext) -> contextvars.Token:
    return _context.set(context)


def reset_context(token: contextvars.Token) -> None:
    _context.reset(token)


def normalise_changes(changes: dict) -> dict:
    """What is stored in the JSON column, exactly (decimals and dates become strings)."""
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))


def event_hash(*, prev_hash: str, seq: int, occurred_at, actor_id, actor_label: str,
               action: str, object_type: str, object_id: str, object_repr: str,
               changes: dict, ip_address, user_agent: str) -> str:
    payload = {
        "seq": seq,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "changes": changes,
        "ip_address": ip_address,
        "user_agent": user_agent,
    }
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def hash_of(event) -> str:
    return event_hash(
        prev_hash=event.prev_hash, seq=event.seq, occurred_at=event.occurred_at,
        actor_id=event.actor_id, actor_label=event.actor_label, action=event.action,
        object_type=event.object_type, object_id=event.object_id,
        object_repr=event.object_repr, changes=event.changes,
        ip_address=event.ip_address, user_agent=event.user_agent,
    )
