"""Ballot keys and trustees for tests: a key whose shares the test holds, so that tests can
open ballots and take the trustees' part in the count the way a trustee's own machine would
(`ballots.crypto.trustee_count.respond`, the function `manage.py trustee count` runs).

The key is dealt here from one secret (Shamir's scheme) instead of being made by the
trustees' ceremony, which has tests of its own; what the platform holds is the same:
public shares and the joint key."""
import secrets
from dataclasses import dataclass

from ballots.crypto import answers, decryption, dlog, elgamal, group
from ballots.crypto.trustee_count import respond
from ballots.models import (
    CeremonyStage,
    KeyCeremony,
    Participation,
    RecordedVote,
    Trustee,
    TrusteeCount,
)
from ballots.services import counting
from ballots.services.sealing import question_spec

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


def _secret(ballot_id: int) -> int:
    shares = SHARES[ballot_id]
    return sum(decryption.lagrange(i, shares) * s for i, s in shares.items()) % group.Q


@dataclass
class Opened:
    """A stored answer, decrypted by a test that holds every share of the key."""

    question: object
    question_id: int
    class_slug: str
    weight: int
    choice: str
    ranking: list
    elector: object  # recorded votes only: a secret answer is read without its name
    channel: str


def _opened_all() -> list[Opened]:
    found = []
    for participation in (Participation.objects.filter(sealed__isnull=False)
                          .select_related("question", "elector")):
        question, elector = participation.question, participation.elector
        options = sorted(question.options.all(), key=lambda option: option.position)
        spec = question_spec(question, len(options))
        secret = _secret(question.ballot_id)
        encrypted = answers.EncryptedAnswer.from_json(participation.sealed, spec)
        values = [dlog.discrete_log(elgamal.decrypt_to_point(secret, c), spec.options)
                  for c in encrypted.ciphertexts]
        answer = answers.decode(spec, values)
        choice, ranking = (answer, []) if spec.kind == "resolution" else \
            ("", [options[i].pk for i in answer])
        found.append(Opened(question, question.pk, elector.class_slug, elector.weight, choice,
                            ranking, None, participation.channel))
    for vote in RecordedVote.objects.select_related("question", "elector"):
        found.append(Opened(vote.question, vote.question_id, vote.elector.class_slug,
                            vote.elector.weight, vote.choice, vote.ranking, vote.elector,
                            ""))
    return found


class _Opened:
    """A few queryset-like reads over `Opened` answers, for tests."""

    def __init__(self, rows=None, **conditions):
        self.rows = rows
        self.conditions = conditions

    def _rows(self):
        rows = _opened_all() if self.rows is None else self.rows
        for key, value in self.conditions.items():
            if key == "question":
                rows = [r for r in rows if r.question_id == getattr(value, "pk", value)]
            elif key == "question__ballot":
                rows = [r for r in rows if r.question.ballot_id == getattr(value, "pk", value)]
            elif key == "elector__isnull":
                rows = [r for r in rows if (r.elector is None) == value]
            else:
                rows = [r for r in rows if getattr(r, key) == value]
        return rows

    def filter(self, **conditions):
        return _Opened(self._rows(), **conditions)

    def all(self):
        return self._rows()

    def count(self):
        return len(self._rows())

    def exists(self):
        return bool(self._rows())

    def get(self, **conditions):
        rows = self.filter(**conditions)._rows()
        assert len(rows) == 1, f"{len(rows)} answers, not one"
        return rows[0]

    def values_list(self, name, flat=True):
        return [getattr(r, name) for r in self._rows()]

    def __iter__(self):
        return iter(self._rows())


class Decrypted:
    """`Decrypted.objects.filter(question=...)`: the stored answers, decrypted."""

    objects = _Opened()


def trustees_take_part_on_the_worker(ballot, wait_for, indices=None) -> None:
    """As `trustees_take_part`, with the count on a running worker: each upload queues it,
    and each trustee's next part waits for the worker to have checked the last ones."""
    ceremony = KeyCeremony.objects.get(ballot=ballot)
    indices = indices or list(range(1, ceremony.threshold + 1))
    wait_for(lambda: type(ballot).objects.get(pk=ballot.pk).count_stage == "trustees",
             what="the totals")
    for _round in range(8):
        ballot.refresh_from_db()
        if ballot.counted_at is not None:
            return
        for trustee in Trustee.objects.filter(ceremony=ceremony, index__in=indices):
            ballot.refresh_from_db()
            if counting.trustee_needs(ballot, trustee):
                response = respond(counting.count_package(ballot, trustee), trustee.index,
                                   SHARES[ballot.pk][trustee.index])
                counting.trustee_count_upload(actor=None, trustee=trustee, response=response)
                wait_for(lambda: not TrusteeCount.objects.filter(
                    ballot=ballot, accepted__isnull=True).exists(), what="the checks")
    wait_for(lambda: type(ballot).objects.get(pk=ballot.pk).counted_at is not None,
             what="the count")
