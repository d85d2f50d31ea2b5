"""Exponential ElGamal: a message m is encrypted under the key K as (g^r, g^m · K^r).

Ciphertexts multiply to encrypt the sum of their messages, and raising one to a public weight
multiplies its message by that weight, so totals can be formed without decrypting any vote.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import group
from .group import IDENTITY, G, Point


@dataclass(frozen=True)
class Ciphertext:
    alpha: Point  # g^r
    beta: Point   # g^m · K^r

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def scale(self, factor: int) -> Ciphertext:
        return Ciphertext(self.alpha * factor, self.beta * factor)

    def to_json(self) -> list[str]:
        return [self.alpha.hex(), self.beta.hex()]

    @classmethod
    def from_json(cls, value) -> Ciphertext:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise group.GroupError("a ciphertext must be a pair of group elements")
        return cls(group.point_decode(value[0]), group.point_decode(value[1]))

    def encoded(self) -> bytes:
        return self.alpha.encoded + self.beta.encoded


ZERO = Ciphertext(IDENTITY, IDENTITY)  # the encryption of 0 with no randomness: a sum's start


def encrypt(key: Point, message: int, nonce: int | None = None) -> tuple[Ciphertext, int]:
    """The ciphertext of `message` under `key`, and the nonce used (needed for proofs)."""
    if nonce is None:
        nonce = group.random_scalar()
    return Ciphertext(group.base_mul(nonce), group.base_mul(message) + key * nonce), nonce


def reencrypt(key: Point, ciphertext: Ciphertext, nonce: int) -> Ciphertext:
    return Ciphertext(ciphertext.alpha + group.base_mul(nonce), ciphertext.beta + key * nonce)


def ciphertext_sum(ciphertexts) -> Ciphertext:
    alphas, betas = [], []
    for ciphertext in ciphertexts:
        alphas.append(ciphertext.alpha)
        betas.append(ciphertext.beta)
    return Ciphertext(group.point_sum(alphas), group.point_sum(betas))


def decrypt_to_point(secret: int, ciphertext: Ciphertext) -> Point:
    """g^m, with the whole secret key: for tests and for a single-trustee check only."""
    return ciphertext.beta - ciphertext.alpha * secret


__all__ = ["G", "Ciphertext", "ZERO", "encrypt", "reencrypt", "ciphertext_sum",
           "decrypt_to_point"]
