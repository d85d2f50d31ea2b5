"""Handing the scrutineer's bundle out: each download is made afresh, signed, and written
to the audit log with the SHA-256 of what was handed out."""

import hashlib

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic

from ..models import Ballot, BallotStatus
from ..reports import scrutiny_bundle


def scrutiny_bundle_issue(*, actor, ballot: Ballot) -> bytes:
    if ballot.status != BallotStatus.CLOSED or ballot.counted_at is None:
        raise DomainError("The bundle is made once the ballot has closed and been counted.")
    bundle = scrutiny_bundle(ballot)
    with atomic():
        audit_record(actor=actor, action="ballot.scrutiny_bundle_issued", target=ballot,
                     changes={"sha256": hashlib.sha256(bundle).hexdigest(),
                              "bytes": len(bundle)})
    return bundle
