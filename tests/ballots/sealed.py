"""Ballot keys and trustees for tests: a key whose shares the test holds, so that tests can
open ballots and take the trustees' part in the count the way a trustee's own machine would
(`ballots.crypto.trustee_count.respond`, the function `manage.py trustee count` runs).

The key is dealt here from one secret (Shamir's scheme) instead of being made by the
trustees' ceremony, which has tests of its own; what the platform holds is the same:
public shares and the joint key."""
import secrets

from ballots.crypto import group
from ballots.crypto.trustee_count import respond
from ballots.models import CeremonyStage, KeyCeremony, Trustee
from ballots.services import counting

SHARES: dict[int, dict[int, int]] = {}  # ballot id -> trustee index -> key share


def ballot_key_make(ballot, *, threshold: int = 2, size: int = 3) -> dict[int, int]:
    secret = group.random_scalar()
    coefficients = [secret] + [group.random_scalar() for _ in range(threshold - 1)]
    shares = {i: sum(c * i**j for j, c in enumerate(coefficients)) % group.Q
              for i in range(1, size + 1)}
    ceremony = KeyCeremony.objects.create(
        ballot=ballot, threshold=threshold, size=size, stage=CeremonyStage.COMPLETE,
        context=f"ballot-{ballot.pk}-{secrets.token_hex(8)}",
        public_key=group.base_mul(secret).hex())
    for index, share in shares.items():
        Trustee.objects.create(ceremony=ceremony, index=index, name=f"Trustee {index}",
                               public_share=group.base_mul(share).hex())
    SHARES[ballot.pk] = shares
    return shares


def trustees_take_part(ballot, indices=None) -> int:
    """Count the closed ballot, each of the trustees (the first k by default) answering
    what the count needs of them, in turn, until it is counted. Returns the number of
    questions counted by the last step."""
    ceremony = KeyCeremony.objects.get(ballot=ballot)
    indices = indices or list(range(1, ceremony.threshold + 1))
    shares = SHARES[ballot.pk]
    counted = counting.ballot_count(ballot_id=ballot.pk)
    for _round in range(8):
        ballot.refresh_from_db()
        if ballot.counted_at is not None:
            break
        progressed = False
        for trustee in Trustee.objects.filter(ceremony=ceremony, index__in=indices):
            ballot.refresh_from_db()
            if not counting.trustee_needs(ballot, trustee):
                continue
            response = respond(counting.count_package(ballot, trustee), trustee.index,
                               shares[trustee.index])
            counting.trustee_count_upload(actor=None, trustee=trustee, response=response)
            counted = counting.ballot_count(ballot_id=ballot.pk)
            progressed = True
        if not progressed:
            break
    return counted


def keyed(ballot):
    """The draft ballot, given a key (so that it can open)."""
    ballot_key_make(ballot)
    return ballot
