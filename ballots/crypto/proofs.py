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
