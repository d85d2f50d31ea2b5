"""Zero-knowledge proofs in the compact (challenge, response) form of ElectionGuard 2.0.

Every proof hashes its whole statement with a domain tag and a caller's `context` (the election,
question and trustee it belongs to), so a proof cannot be replayed for another statement.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import group
from .group import Point
from .hashing import challenge


class ProofError(ValueError):
    """A proof that does not verify, or is not shaped like one."""


@dataclass(frozen=True)
class Proof:
    """A compact sigma proof: the challenge and the response."""
    challenge: int
    response: int

    def to_json(self) -> list[str]:
        return [group.scalar_hex(self.challenge), group.scalar_hex(self.response)]

    @classmethod
    def from_json(cls, value) -> Proof:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ProofError("a proof must be a pair of scalars")
        try:
            return cls(group.scalar_decode(value[0]), group.scalar_decode(value[1]))
        except group.GroupError as error:
            raise ProofError(f"a proof's scalar is malformed: {error}") from None


def schnorr_prove(secret: int, context) -> Proof:
    """Knowledge of x with X = g^x."""
    public = group.base_mul(secret)
    nonce = group.random_scalar()
    commitment = group.base_mul(nonce)
    c = challenge("schnorr", context, public, commitment)
    return Proof(c, (nonce - c * secret) % group.Q)


def schnorr_verify(public: Point, proof: Proof, context) -> bool:
    if public.is_identity:
        return False
    commitment = group.base_mul(proof.response) + public * proof.challenge
    return proof.challenge == challenge("schnorr", context, public, commitment)


def equality_prove(secret: int, base: Point, context) -> Proof:
    """Chaum–Pedersen: log_g(A) = log_B(M) for A = g^x and M = B^x."""
    public, result = group.base_mul(secret), base * secret
    nonce = group.random_scalar()
    a, b = group.base_mul(nonce), base * nonce
    c = challenge("chaum-pedersen", context, public, base, result, a, b)
    return Proof(c, (nonce - c * secret) % group.Q)


def equality_verify(public: Point, base: Point, result: Point, proof: Proof, context) -> bool:
    a = group.base_mul(proof.response) + public * proof.challenge
    b = base * proof.response + result * proof.challenge
    return proof.challenge == challenge("chaum-pedersen", context, public, base, result, a, b)


class RangeProof(list):
    """A disjunctive Chaum–Pedersen proof that a ciphertext encrypts one of 0..limit: one
    compact proof per value, all but the true one simulated (ElectionGuard 2.0, 3.3.5)."""

    def to_json(self) -> list:
        return [proof.to_json() for proof in self]

    @classmethod
    def from_json(cls, value, *, limit: int) -> RangeProof:
        if not isinstance(value, list) or len(value) != limit + 1:
            raise ProofError(f"a range proof for 0 to {limit} must hold {limit + 1} proofs")
        return cls(Proof.from_json(item) for item in value)


def _range_commitments(key: Point, alpha: Point, beta: Point, value: int, proof: Proof):
    """The commitments (a_j, b_j) a compact proof for value j stands for:
    a_j = g^v · α^c, b_j = K^v · (β / g^j)^c."""
    a = group.base_mul(proof.response) + alpha * proof.challenge
    b = key * proof.response + (beta - group.base_mul(value)) * proof.challenge
    return a, b


def range_prove(key: Point, ciphertext, message: int, nonce: int, limit: int,
                context) -> RangeProof:
    if not 0 <= message <= limit:
        raise ProofError(f"the value {message} is not between 0 and {limit}")
    alpha, beta = ciphertext.alpha, ciphertext.beta
    commitments, proofs = [], [None] * (limit + 1)
    for value in range(limit + 1):
        if value == message:
            u = group.random_scalar()
            commitments.append((group.base_mul(u), key * u))
        else:
            simulated = Proof(group.random_scalar(), group.random_scalar())
            proofs[value] = simulated
            commitments.append(_range_commitments(key, alpha, beta, value, simulated))
    c = challenge("range", context, key, alpha, beta, limit,
                  [list(pair) for pair in commitments])
    real = (c - sum(p.challenge for p in proofs if p is not None)) % group.Q
    proofs[message] = Proof(real, (u - real * nonce) % group.Q)
    return RangeProof(proofs)


def range_verify(key: Point, ciphertext, proof: RangeProof, limit: int, context) -> bool:
    if len(proof) != limit + 1:
        return False
    alpha, beta = ciphertext.alpha, ciphertext.beta
    commitments = [list(_range_commitments(key, alpha, beta, value, part))
                   for value, part in enumerate(proof)]
    c = challenge("range", context, key, alpha, beta, limit, commitments)
    return c == sum(part.challenge for part in proof) % group.Q
