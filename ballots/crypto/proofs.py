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


# Range proofs: a disjunctive Chaum–Pedersen proof that (α, β) = (g^ξ, g^m · K^ξ) with m one of
# 0..limit, in ElectionGuard 2.0's compact shape: one (challenge, response) per possible value,
# the challenges summing to a single hash of the key, the ciphertext, every commitment and the
# context. The verifier recomputes each commitment from its pair:
#     a_j = g^v_j · α^c_j,   b_j = K^v_j · (β / g^j)^c_j.

class RangeProof(list):
    """One compact proof per value 0..limit, in order: a list of Proof."""

    @property
    def proofs(self) -> list[Proof]:
        return list(self)

    @property
    def limit(self) -> int:
        return len(self) - 1

    def to_json(self) -> list[list[str]]:
        return [proof.to_json() for proof in self]

    @classmethod
    def from_json(cls, value, limit: int | None = None) -> RangeProof:
        """A range proof received from outside; with `limit`, it must have limit + 1 parts."""
        if not isinstance(value, list | tuple) or not value:
            raise ProofError("a range proof must be a non-empty list of proofs")
        if limit is not None and len(value) != limit + 1:
            raise ProofError(f"a range proof up to {limit} must have {limit + 1} parts, "
                             f"not {len(value)}")
        proofs = []
        for position, part in enumerate(value):
            try:
                proofs.append(Proof.from_json(part))
            except ProofError as error:
                raise ProofError(f"part {position} of a range proof: {error}") from None
        return cls(proofs)


def _range_challenge(key: Point, ciphertext, limit: int, commitments, context) -> int:
    return challenge("range", context, key, ciphertext.alpha, ciphertext.beta, limit,
                     commitments)


def range_prove(key: Point, ciphertext, message: int, nonce: int, limit: int,
                context) -> RangeProof:
    """Prove that `ciphertext` = encrypt(key, message, nonce) holds an integer in [0, limit].

    The prover knows the nonce ξ, so each simulated branch j is built directly from it rather
    than from the verifier's equations: with random u_j and c_j, a_j = g^u_j and
    b_j = K^u_j · g^((m - j)·c_j), answered by v_j = u_j - c_j·ξ. That is one multiplication
    by K per branch and no multiplication by α or β, and it is distributed exactly as the
    usual simulation is."""
    if not 0 <= message <= limit:
        raise ProofError(f"cannot prove that {message} lies in [0, {limit}]")
    q = group.Q
    nonces, fakes, commitments = [], [], []
    for j in range(limit + 1):
        u = group.random_scalar()
        nonces.append(u)
        if j == message:
            fakes.append(0)
            commitments += [group.base_mul(u), key * u]
        else:
            c = group.random_scalar()
            fakes.append(c)
            commitments += [group.base_mul(u), key * u + group.base_mul((message - j) * c)]
    total = _range_challenge(key, ciphertext, limit, commitments, context)
    fakes[message] = (total - sum(fakes)) % q
    return RangeProof([Proof(c, (u - c * nonce) % q) for c, u in zip(fakes, nonces, strict=True)])


def range_verify(key: Point, ciphertext, proof: RangeProof, limit: int, context) -> bool:
    """Whether `proof` shows that `ciphertext` under `key` holds an integer in [0, limit]."""
    if key.is_identity or len(proof) != limit + 1:
        return False
    commitments = []
    for j, part in enumerate(proof):
        c, v = part.challenge, part.response
        commitments.append(group.base_mul(v) + ciphertext.alpha * c)
        # (β / g^j)^c = β^c · g^(-j·c): one base multiplication instead of a subtraction
        commitments.append(key * v + ciphertext.beta * c + group.base_mul(-j * c))
    total = _range_challenge(key, ciphertext, limit, commitments, context)
    return sum(part.challenge for part in proof) % group.Q == total
