"""A verifiable re-encryption mix for STV rankings: the Terelius–Wikström proof of a shuffle,
as written out in Haenni, Locher, Koenig and Dubuis, "Pseudo-code algorithms for verifiable
re-encryption mix-nets" (Financial Cryptography 2017 workshops), algorithms GenShuffle,
GenPermutationCommitment, GenCommitmentChain, GenProof and CheckProof.

The paper's multiplicative group is our additive one: a product of elements is a sum of
points, a power is a scalar multiple. A ciphertext (a, b) of the paper, a = m·pk^r and
b = g^r, is our (beta, alpha). A row is a ranking: w ciphertexts (one per preference place)
permuted together, each re-encrypted with its own nonce, so the proof's re-encryption part
(t4, s4) has one member per column, as Verificatum does for product ciphertexts.

The permutation and the nonces live only in the mixer's memory: nothing returns them.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from nacl import bindings as sodium

from . import group
from .elgamal import Ciphertext
from .group import G, Point, Q
from .hashing import challenge, digest
from .proofs import ProofError

Rows = list[list[Ciphertext]]


def _shape(rows: Rows, name: str) -> tuple[int, int]:
    if not rows:
        raise ProofError(f"the {name} rows are empty: there is nothing to mix")
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        raise ProofError(f"the {name} rows must all have the same, non-zero width")
    return len(rows), width


def generators(count: int, context) -> list[Point]:
    """GetGenerators: points nobody knows a discrete logarithm of, hashed to the group
    (libsodium's from_uniform maps 32 uniform bytes to the prime-order subgroup)."""
    seed = digest("mix-generators", context)
    points = []
    for index in range(count + 1):
        uniform = hashlib.sha256(seed + index.to_bytes(8, "big")).digest()
        points.append(group.point_decode(sodium.crypto_core_ed25519_from_uniform(uniform)))
    return points  # points[0] is h, points[1..N] are h_1..h_N


@dataclass(frozen=True)
class ShuffleProof:
    commitments: list[Point]        # c: the commitment to the permutation
    chain: list[Point]              # ĉ_1..ĉ_N: the commitment chain
    t1: Point
    t2: Point
    t3: Point
    t4: list[tuple[Point, Point]]   # per column: (beta side, alpha side)
    t_hat: list[Point]
    s1: int
    s2: int
    s3: int
    s4: list[int]                   # per column
    s_hat: list[int]
    s_prime: list[int]
    challenge: int

    def to_json(self) -> dict:
        hexes = [p.hex() for p in self.commitments]
        return {
            "commitments": hexes, "chain": [p.hex() for p in self.chain],
            "t1": self.t1.hex(), "t2": self.t2.hex(), "t3": self.t3.hex(),
            "t4": [[a.hex(), b.hex()] for a, b in self.t4],
            "t_hat": [p.hex() for p in self.t_hat],
            "s1": group.scalar_hex(self.s1), "s2": group.scalar_hex(self.s2),
            "s3": group.scalar_hex(self.s3), "s4": [group.scalar_hex(s) for s in self.s4],
            "s_hat": [group.scalar_hex(s) for s in self.s_hat],
            "s_prime": [group.scalar_hex(s) for s in self.s_prime],
            "challenge": group.scalar_hex(self.challenge),
        }

    @classmethod
    def from_json(cls, data, *, rows: int, width: int) -> ShuffleProof:
        """Read a proof for `rows` rows of `width`, refusing any other shape."""
        expected = {"commitments", "chain", "t1", "t2", "t3", "t4", "t_hat", "s1", "s2",
                    "s3", "s4", "s_hat", "s_prime", "challenge"}
        if not isinstance(data, dict) or set(data) != expected:
            raise ProofError("a shuffle proof must have exactly the fields "
                             + ", ".join(sorted(expected)))
        try:
            def points(name, length):
                value = data[name]
                if not isinstance(value, list) or len(value) != length:
                    raise ProofError(f"the shuffle proof's {name} must list {length} elements")
                return [group.point_decode(item) for item in value]

            def scalars(name, length):
                value = data[name]
                if not isinstance(value, list) or len(value) != length:
                    raise ProofError(f"the shuffle proof's {name} must list {length} scalars")
                return [group.scalar_decode(item) for item in value]

            t4 = data["t4"]
            if not isinstance(t4, list) or len(t4) != width or \
                    any(not isinstance(pair, list) or len(pair) != 2 for pair in t4):
                raise ProofError(f"the shuffle proof's t4 must list {width} pairs")
            return cls(
                commitments=points("commitments", rows), chain=points("chain", rows),
                t1=group.point_decode(data["t1"]), t2=group.point_decode(data["t2"]),
                t3=group.point_decode(data["t3"]),
                t4=[(group.point_decode(a), group.point_decode(b)) for a, b in t4],
                t_hat=points("t_hat", rows), s1=group.scalar_decode(data["s1"]),
                s2=group.scalar_decode(data["s2"]), s3=group.scalar_decode(data["s3"]),
                s4=scalars("s4", width), s_hat=scalars("s_hat", rows),
                s_prime=scalars("s_prime", rows),
                challenge=group.scalar_decode(data["challenge"]))
        except group.GroupError as error:
            raise ProofError(f"the shuffle proof is malformed: {error}") from None


def _statement_digest(key: Point, rows_in: Rows, rows_out: Rows, commitments, context) -> bytes:
    return digest("mix-statement", context, key,
                  [[[c.alpha, c.beta] for c in row] for row in rows_in],
                  [[[c.alpha, c.beta] for c in row] for row in rows_out], list(commitments))


def _weights(statement: bytes, count: int) -> list[int]:
    """u_1..u_N = Hash((e, e', c), i)."""
    return [challenge("mix-u", statement, i) for i in range(1, count + 1)]


def _challenge(statement: bytes, key, chain, t1, t2, t3, t4, t_hat) -> int:
    return challenge("mix-c", statement, key, list(chain), t1, t2, t3,
                     [[a, b] for a, b in t4], list(t_hat))


def shuffle(key: Point, rows: Rows, context) -> tuple[Rows, ShuffleProof]:
    """GenShuffle and GenProof: the rows permuted and re-encrypted, with the proof."""
    count, width = _shape(rows, "input")
    # GenShuffle: e'_i = ReEnc(e_psi(i), r'_i), per column.
    psi = list(range(count))
    secrets.SystemRandom().shuffle(psi)
    nonces = [[group.random_scalar() for _ in range(width)] for _ in range(count)]
    rows_out = [[Ciphertext(c.alpha + group.base_mul(r), c.beta + key * r)
                 for c, r in zip(rows[psi[i]], nonces[i], strict=True)]
                for i in range(count)]

    h, *hs = generators(count, context)
    # GenPermutationCommitment: c_{psi(i)} = g^{r_psi(i)} · h_i.
    commit_nonce = [0] * count
    commitments: list[Point | None] = [None] * count
    for i in range(count):
        j = psi[i]
        commit_nonce[j] = group.random_scalar()
        commitments[j] = group.base_mul(commit_nonce[j]) + hs[i]

    statement = _statement_digest(key, rows, rows_out, commitments, context)
    u = _weights(statement, count)
    u_prime = [u[psi[i]] for i in range(count)]

    # GenCommitmentChain: ĉ_0 = h, ĉ_i = g^{r̂_i} · ĉ_{i-1}^{u'_i}.
    chain_nonce = [group.random_scalar() for _ in range(count)]
    chain, previous = [], h
    for i in range(count):
        previous = group.base_mul(chain_nonce[i]) + previous * u_prime[i]
        chain.append(previous)

    w1, w2, w3 = (group.random_scalar() for _ in range(3))
    w4 = [group.random_scalar() for _ in range(width)]
    w_hat = [group.random_scalar() for _ in range(count)]
    w_prime = [group.random_scalar() for _ in range(count)]
    t1, t2 = group.base_mul(w1), group.base_mul(w2)
    t3 = group.base_mul(w3) + group.multi_mul(zip(hs, w_prime, strict=True))
    t4 = []
    for column in range(width):
        beta_side = group.multi_mul((rows_out[i][column].beta, w_prime[i]) for i in range(count))
        alpha_side = group.multi_mul((rows_out[i][column].alpha, w_prime[i])
                                     for i in range(count))
        t4.append((beta_side - key * w4[column], alpha_side - group.base_mul(w4[column])))
    chain_before = [h, *chain[:-1]]
    t_hat = [group.base_mul(w_hat[i]) + chain_before[i] * w_prime[i] for i in range(count)]
    c = _challenge(statement, key, chain, t1, t2, t3, t4, t_hat)

    # The responses.
    v = [0] * count  # v_i = Π_{j>i} u'_j, v_N = 1
    running = 1
    for i in range(count - 1, -1, -1):
        v[i] = running
        running = running * u_prime[i] % Q
    s1 = (w1 - c * sum(commit_nonce)) % Q
    s2 = (w2 - c * sum(r * vi for r, vi in zip(chain_nonce, v, strict=True))) % Q
    s3 = (w3 - c * sum(r * ui for r, ui in zip(commit_nonce, u, strict=True))) % Q
    s4 = [(w4[col] - c * sum(nonces[i][col] * u_prime[i] for i in range(count))) % Q
          for col in range(width)]
    s_hat = [(w_hat[i] - c * chain_nonce[i]) % Q for i in range(count)]
    s_prime = [(w_prime[i] - c * u_prime[i]) % Q for i in range(count)]
    proof = ShuffleProof(commitments, chain, t1, t2, t3, t4, t_hat, s1, s2, s3, s4, s_hat,
                         s_prime, c)
    return rows_out, proof


def shuffle_verify(key: Point, rows_in: Rows, rows_out: Rows, proof: ShuffleProof,
                   context) -> None:
    """CheckProof: that rows_out is rows_in permuted and re-encrypted under `key`."""
    count, width = _shape(rows_in, "input")
    if _shape(rows_out, "output") != (count, width):
        raise ProofError(f"the mix must output {count} rows of width {width}, as it was given")
    if len(proof.commitments) != count or len(proof.chain) != count or \
            len(proof.t_hat) != count or len(proof.s_hat) != count or \
            len(proof.s_prime) != count or len(proof.t4) != width or len(proof.s4) != width:
        raise ProofError("the shuffle proof does not fit the number of rows or their width")
    h, *hs = generators(count, context)
    statement = _statement_digest(key, rows_in, rows_out, proof.commitments, context)
    u = _weights(statement, count)
    c = proof.challenge
    if c != _challenge(statement, key, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4,
                       proof.t_hat):
        raise ProofError("the shuffle proof's challenge is not the hash of its statement")

    u_product = 1
    for value in u:
        u_product = u_product * value % Q
    c_bar = group.point_sum(proof.commitments) - group.point_sum(hs)
    c_hat = proof.chain[-1] - h * u_product
    c_tilde = group.multi_mul(zip(proof.commitments, u, strict=True))
    checks = [
        ("t1", proof.t1, c_bar * c + group.base_mul(proof.s1)),
        ("t2", proof.t2, c_hat * c + group.base_mul(proof.s2)),
        ("t3", proof.t3, c_tilde * c + group.base_mul(proof.s3)
         + group.multi_mul(zip(hs, proof.s_prime, strict=True))),
    ]
    for name, given, recomputed in checks:
        if given != recomputed:
            raise ProofError(f"the shuffle proof fails its {name} check")
    for column in range(width):
        beta_in = group.multi_mul((rows_in[i][column].beta, u[i]) for i in range(count))
        alpha_in = group.multi_mul((rows_in[i][column].alpha, u[i]) for i in range(count))
        beta_out = group.multi_mul((rows_out[i][column].beta, proof.s_prime[i])
                                   for i in range(count))
        alpha_out = group.multi_mul((rows_out[i][column].alpha, proof.s_prime[i])
                                    for i in range(count))
        t4_beta = beta_in * c - key * proof.s4[column] + beta_out
        t4_alpha = alpha_in * c - group.base_mul(proof.s4[column]) + alpha_out
        if proof.t4[column] != (t4_beta, t4_alpha):
            raise ProofError(f"the shuffle proof fails its re-encryption check in column "
                             f"{column + 1}")
    chain_before = [h, *proof.chain[:-1]]
    for i in range(count):
        recomputed = proof.chain[i] * c + group.base_mul(proof.s_hat[i]) \
            + chain_before[i] * proof.s_prime[i]
        if proof.t_hat[i] != recomputed:
            raise ProofError(f"the shuffle proof fails its commitment chain check at row {i + 1}")


def mix_chain_verify(key: Point, rows: Rows, mixes: list[tuple[Rows, ShuffleProof]],
                     contexts: list) -> Rows:
    """Check a sequence of mixes, each taking the previous output; returns the last rows."""
    if len(mixes) != len(contexts):
        raise ProofError("each mix needs its own context")
    for number, ((rows_out, proof), context) in enumerate(zip(mixes, contexts, strict=True), 1):
        try:
            shuffle_verify(key, rows, rows_out, proof, context)
        except ProofError as error:
            raise ProofError(f"mix {number}: {error}") from None
        rows = rows_out
    return rows


__all__ = ["G", "ShuffleProof", "generators", "mix_chain_verify", "shuffle",
           "shuffle_verify"]
