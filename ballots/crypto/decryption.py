"""Threshold decryption: each trustee raises every ciphertext's α to their key share and
proves it (Chaum–Pedersen against their public share); any k of them combine with Lagrange
coefficients into g^m, and m is found by a bounded search."""
from __future__ import annotations

from dataclasses import dataclass

from . import group
from .dlog import discrete_log
from .elgamal import Ciphertext
from .group import Point
from .proofs import Proof, ProofError, equality_prove, equality_verify


@dataclass(frozen=True)
class PartialDecryption:
    index: int
    points: list[Point]
    proofs: list[Proof]

    def to_json(self) -> dict:
        return {"index": self.index, "points": [p.hex() for p in self.points],
                "proofs": [p.to_json() for p in self.proofs]}

    @classmethod
    def from_json(cls, value, *, count: int) -> PartialDecryption:
        if not isinstance(value, dict) or set(value) != {"index", "points", "proofs"}:
            raise ProofError("a partial decryption holds index, points and proofs")
        index, points, proofs = value["index"], value["points"], value["proofs"]
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= 99:
            raise ProofError("a partial decryption's index is a trustee's number")
        if not isinstance(points, list) or not isinstance(proofs, list) or \
                len(points) != count or len(proofs) != count:
            raise ProofError(f"a partial decryption must hold {count} points and proofs")
        try:
            return cls(index, [group.point_decode(p) for p in points],
                       [Proof.from_json(p) for p in proofs])
        except group.GroupError as error:
            raise ProofError(f"a partial decryption is malformed: {error}") from None


def partial_decrypt(index: int, secret_share: int, ciphertexts: list[Ciphertext],
                    context) -> PartialDecryption:
    points, proofs = [], []
    for number, ciphertext in enumerate(ciphertexts):
        points.append(ciphertext.alpha * secret_share)
        proofs.append(equality_prove(secret_share, ciphertext.alpha,
                                     (context, "decrypt", index, number)))
    return PartialDecryption(index, points, proofs)


def partial_check(public_share: Point, ciphertexts: list[Ciphertext],
                  partial: PartialDecryption, context) -> None:
    if len(partial.points) != len(ciphertexts):
        raise ProofError(f"trustee {partial.index}'s decryption covers "
                         f"{len(partial.points)} totals, not {len(ciphertexts)}")
    for number, (ciphertext, point, proof) in enumerate(
            zip(ciphertexts, partial.points, partial.proofs, strict=True)):
        if not equality_verify(public_share, ciphertext.alpha, point, proof,
                               (context, "decrypt", partial.index, number)):
            raise ProofError(f"trustee {partial.index}'s decryption of item {number + 1} "
                             "does not verify")


def lagrange(index: int, indices) -> int:
    """The coefficient of trustee `index` at 0, for the set `indices`."""
    numerator, denominator = 1, 1
    for other in indices:
        if other != index:
            numerator = numerator * other % group.Q
            denominator = denominator * (other - index) % group.Q
    return numerator * pow(denominator, -1, group.Q) % group.Q


def combine(ciphertexts: list[Ciphertext], partials: dict[int, PartialDecryption]
            ) -> list[Point]:
    indices = sorted(partials)
    coefficients = {i: lagrange(i, indices) for i in indices}
    return [ciphertext.beta - group.multi_mul((partials[i].points[n], coefficients[i])
                                              for i in indices)
            for n, ciphertext in enumerate(ciphertexts)]


def decrypt_values(ciphertexts: list[Ciphertext], partials: dict[int, PartialDecryption],
                   bound) -> list[int]:
    """The totals; `bound` is one bound for all, or a list with one per ciphertext."""
    bounds = bound if isinstance(bound, list) else [bound] * len(ciphertexts)
    return [discrete_log(point, limit)
            for point, limit in zip(combine(ciphertexts, partials), bounds, strict=True)]
