"""Threshold decryption: each trustee's share of the work, with a proof, and their combination.

A trustee holding the share s_i of the election secret publishes, for every ciphertext (α, β),
M_i = α^s_i with a Chaum–Pedersen proof that log_g(g^s_i) = log_α(M_i), g^s_i being the public
share from the key ceremony. Any k of the n trustees suffice: with Lagrange coefficients λ_i at 0,
Π M_i^λ_i = α^s, so β / α^s = g^m, and m is a small discrete logarithm.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import group
from .dlog import discrete_log
from .elgamal import Ciphertext
from .group import Point
from .hashing import challenge
from .proofs import Proof, ProofError, equality_verify


@dataclass(frozen=True)
class PartialDecryption:
    """One trustee's α^s_i for each ciphertext of a list, in order, with a proof for each."""
    index: int
    points: list[Point]
    proofs: list[Proof]

    def to_json(self) -> dict:
        return {"index": self.index,
                "points": [point.hex() for point in self.points],
                "proofs": [proof.to_json() for proof in self.proofs]}

    @classmethod
    def from_json(cls, value, *, count: int | None = None) -> PartialDecryption:
        """A partial decryption received from outside; with `count`, it must cover that many
        ciphertexts."""
        if not isinstance(value, dict) or set(value) != {"index", "points", "proofs"}:
            raise ProofError("a partial decryption must have exactly: index, points, proofs")
        index = value["index"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 1:
            raise ProofError("a partial decryption's trustee index must be a positive integer")
        points, proofs = value["points"], value["proofs"]
        if not isinstance(points, list) or not isinstance(proofs, list):
            raise ProofError(f"trustee {index}'s points and proofs must be lists")
        if len(points) != len(proofs):
            raise ProofError(f"trustee {index} gives {len(points)} points but "
                             f"{len(proofs)} proofs")
        if count is not None and len(points) != count:
            raise ProofError(f"trustee {index}'s partial decryption covers {len(points)} "
                             f"items, not {count}")
        decoded = []
        for number, point in enumerate(points, 1):
            try:
                decoded.append(group.point_decode(point))
            except group.GroupError as error:
                raise ProofError(f"trustee {index}'s point {number}: {error}") from None
        parsed = []
        for number, proof in enumerate(proofs, 1):
            try:
                parsed.append(Proof.from_json(proof))
            except ProofError as error:
                raise ProofError(f"trustee {index}'s proof {number}: {error}") from None
        return cls(index, decoded, parsed)


def _item_context(context, index: int, number: int):
    return [context, "partial decryption", index, number]


def partial_decrypt(index: int, secret_share: int, ciphertexts, context) -> PartialDecryption:
    """Trustee `index`'s partial decryption of every ciphertext, each with its proof.

    The proof is equality_prove's, written out so that α^s_i is computed once and g^s_i once
    for the whole list; equality_verify checks it."""
    public = group.base_mul(secret_share)
    points, proofs = [], []
    for number, ciphertext in enumerate(ciphertexts, 1):
        alpha = ciphertext.alpha
        result = alpha * secret_share
        nonce = group.random_scalar()
        a, b = group.base_mul(nonce), alpha * nonce
        c = challenge("chaum-pedersen", _item_context(context, index, number), public, alpha,
                      result, a, b)
        points.append(result)
        proofs.append(Proof(c, (nonce - c * secret_share) % group.Q))
    return PartialDecryption(index, points, proofs)


def partial_check(public_share: Point, ciphertexts, partial: PartialDecryption,
                  context) -> None:
    """ProofError naming the first item whose partial decryption does not verify."""
    ciphertexts = list(ciphertexts)
    index = partial.index
    if len(partial.points) != len(ciphertexts) or len(partial.proofs) != len(ciphertexts):
        raise ProofError(f"trustee {index}'s partial decryption covers {len(partial.points)} "
                         f"items, not {len(ciphertexts)}")
    for number, (ciphertext, point, proof) in enumerate(
            zip(ciphertexts, partial.points, partial.proofs, strict=True), 1):
        if not equality_verify(public_share, ciphertext.alpha, point, proof,
                               _item_context(context, index, number)):
            raise ProofError(f"trustee {index}'s partial decryption of item {number} "
                             f"of {len(ciphertexts)} does not verify")


def lagrange(index: int, indices) -> int:
    """The Lagrange coefficient of trustee `index` at 0, for the set `indices`, mod Q."""
    indices = list(indices)
    if len(set(indices)) != len(indices) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 0 < i < group.Q
            for i in indices):
        raise ValueError("trustee indices must be distinct positive integers")
    if index not in indices:
        raise ValueError(f"trustee {index} is not among {sorted(indices)}")
    numerator, denominator = 1, 1
    for other in indices:
        if other != index:
            numerator = numerator * other % group.Q
            denominator = denominator * (other - index) % group.Q
    return numerator * pow(denominator, -1, group.Q) % group.Q


def combine(ciphertexts, partials: dict[int, PartialDecryption]) -> list[Point]:
    """g^m for each ciphertext, from the partial decryptions of the trustees given (which must
    be a quorum; check each with partial_check first)."""
    ciphertexts = list(ciphertexts)
    if not partials:
        raise ValueError("no partial decryptions to combine")
    for index, partial in partials.items():
        if partial.index != index:
            raise ValueError(f"the partial decryption filed under trustee {index} is trustee "
                             f"{partial.index}'s")
        if len(partial.points) != len(ciphertexts):
            raise ValueError(f"trustee {index}'s partial decryption covers "
                             f"{len(partial.points)} items, not {len(ciphertexts)}")
    coefficients = {index: lagrange(index, partials) for index in partials}
    results = []
    for number, ciphertext in enumerate(ciphertexts):
        mask = group.point_sum(partial.points[number] * coefficients[index]
                               for index, partial in partials.items())
        results.append(ciphertext.beta - mask)
    return results


def decrypt_values(ciphertexts: list[Ciphertext], partials: dict[int, PartialDecryption],
                   bound: int | list[int]) -> list[int]:
    """The integers in [0, bound] that the ciphertexts encrypt (DiscreteLogError if one is not:
    a wrong quorum or an unchecked partial decryption shows up here). `bound` is one for all
    or a list with one per ciphertext."""
    ciphertexts = list(ciphertexts)
    bounds = bound if isinstance(bound, list) else [bound] * len(ciphertexts)
    if len(bounds) != len(ciphertexts):
        raise ValueError(f"{len(ciphertexts)} ciphertexts but {len(bounds)} bounds")
    return [discrete_log(point, top)
            for point, top in zip(combine(ciphertexts, partials), bounds, strict=True)]
