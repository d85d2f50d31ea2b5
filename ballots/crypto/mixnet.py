"""A verifiable re-encryption mix for STV rankings: the Terelius–Wikström proof of a shuffle,
as written out in Haenni, Locher, Koenig and Dubuis, "Pseudo-code algorithms for verifiable
re-encryption mix-nets" (Financial Cryptography 2017 workshops, Voting): the algorithms
GenShuffle, GenPermutationCommitment, GenCommitmentChain, GenProof and CheckProof.

Translation from the paper's multiplicative group mod p to our additive group (ed25519's
prime-order subgroup): a product of elements is a sum of points, x^e is x * e, x / y is x - y.
The paper's ciphertext (a, b) = (m · pk^r, g^r) is our Ciphertext(alpha=g^r, beta=g^m + K*r):
its a is our beta and its b is our alpha.

Rows: a ranking is a row of w ciphertexts, one per preference place. Every column is permuted by
the same permutation and every ciphertext re-encrypted with a nonce of its own, so the proof's
re-encryption part, the paper's t_4 = (t_{4,1}, t_{4,2}) and s_4, has one member per column (as
Verificatum does for product ciphertexts); everything else in the proof is as in the paper.
Proving the columns one by one is what keeps a ranking's preferences in their places: a proof
over the row's sum would let a mixer reorder a ranking.

The generators h, h_1..h_N are hashed to the group from the caller's context, so nobody knows a
discrete logarithm of one in terms of g or the others. The challenges (the vector u and the
challenge c) are hashes of the whole statement: the key, the input and output rows, the
commitments and the context.

The permutation and the nonces exist only in the mixer's memory while it mixes: nothing
returns or stores them.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from nacl import bindings as sodium

from . import group
from .elgamal import Ciphertext, reencrypt
from .group import Point, Q
from .hashing import challenge, digest
from .proofs import ProofError

Rows = list[list[Ciphertext]]


# --- Checks of the statement -------------------------------------------------------------------

def _shape(rows, name: str) -> tuple[int, int]:
    """The number of rows and their common width; refuses anything else."""
    if not isinstance(rows, list | tuple) or not rows:
        raise ProofError(f"the {name} rows are empty: there is nothing to mix")
    width = None
    for number, row in enumerate(rows, 1):
        if not isinstance(row, list | tuple) or not row:
            raise ProofError(f"{name} row {number} is not a non-empty list of ciphertexts")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ProofError(f"{name} row {number} has {len(row)} ciphertexts where row 1 has "
                             f"{width}: every row must have the same width")
        if not all(isinstance(item, Ciphertext) for item in row):
            raise ProofError(f"{name} row {number} holds something that is not a ciphertext")
    return len(rows), width


def _check_key(key) -> None:
    if not isinstance(key, Point):
        raise ProofError("the election key must be a group element")
    if key.is_identity:
        raise ProofError("the election key is the identity: nothing would be encrypted")


# --- GetGenerators -----------------------------------------------------------------------------

def generators(count: int, context) -> tuple[Point, ...]:
    """h, h_1..h_count for this context: h is the paper's independent generator, h_1..h_N the
    output of its GetGenerators(N). Each is a hash of the context and its index mapped to the
    prime-order subgroup by libsodium's from_uniform (Elligator 2, cofactor cleared), so its
    discrete logarithm is known to nobody."""
    try:
        seed = digest("mixnet generators", context)
    except (TypeError, ValueError) as error:
        raise ProofError(f"the mix's context cannot be hashed: {error}") from None
    return _generators(seed, count)


@functools.lru_cache(maxsize=8)  # the mixer, then the verifier, of one mix: computed once
def _generators(seed: bytes, count: int) -> tuple[Point, ...]:
    points = []
    for index in range(count + 1):
        uniform = digest("mixnet generator", seed, index)
        point = group.point_decode(sodium.crypto_core_ed25519_from_uniform(uniform))
        if point.is_identity or point == group.G:  # never happens; a generator must not be
            raise ProofError(f"generator {index} is not independent")
        points.append(point)
    return tuple(points)


# --- The proof ---------------------------------------------------------------------------------

_POINT_FIELDS = ("t1", "t2", "t3")
_SCALAR_FIELDS = ("s1", "s2", "s3")
_ROW_FIELDS = ("t_hat", "s_hat", "s_prime", "commitments", "chain")  # one member per row
_FIELDS = ("t1", "t2", "t3", "t4", "t_hat", "s1", "s2", "s3", "s4", "s_hat", "s_prime",
           "commitments", "chain")


@dataclass(frozen=True)
class ShuffleProof:
    """The paper's π = (t, s, c, ĉ): t = (t_1, t_2, t_3, t_4, t̂), s = (s_1, s_2, s_3, s_4, ŝ, s'),
    c the permutation commitment and ĉ the commitment chain; t_4 and s_4 per column."""
    t1: Point
    t2: Point
    t3: Point
    t4: tuple[tuple[Point, Point], ...]  # per column: (t_{4,1}, t_{4,2}), the beta and alpha sides
    t_hat: tuple[Point, ...]             # t̂_1..t̂_N
    s1: int
    s2: int
    s3: int
    s4: tuple[int, ...]                  # per column
    s_hat: tuple[int, ...]               # ŝ_1..ŝ_N
    s_prime: tuple[int, ...]             # s'_1..s'_N
    commitments: tuple[Point, ...]       # c_1..c_N
    chain: tuple[Point, ...]             # ĉ_1..ĉ_N

    @property
    def rows(self) -> int:
        return len(self.commitments)

    @property
    def width(self) -> int:
        return len(self.s4)

    def check_shape(self, rows: int, width: int) -> None:
        """Refuse a proof that is not made of group elements and scalars, one member per row
        and per column where the paper has a vector."""
        def points(name, values):
            if not all(isinstance(value, Point) for value in values):
                raise ProofError(f"the shuffle proof's {name} is not made of group elements")

        def scalars(name, values):
            if not all(value.__class__ is int and 0 <= value < Q for value in values):
                raise ProofError(f"the shuffle proof's {name} is not made of scalars below "
                                 f"the group order")

        for name, length, what in [*((name, rows, "rows") for name in _ROW_FIELDS),
                                   ("t4", width, "columns"), ("s4", width, "columns")]:
            value = getattr(self, name)
            if not isinstance(value, list | tuple) or len(value) != length:
                got = len(value) if isinstance(value, list | tuple) else "no list"
                raise ProofError(f"the shuffle proof's {name} must have one member for each of "
                                 f"the {length} {what}, not {got}")
        if not all(isinstance(pair, tuple) and len(pair) == 2 for pair in self.t4):
            raise ProofError("the shuffle proof's t4 must be a pair for each column")
        points("t1, t2 or t3", [self.t1, self.t2, self.t3])
        points("t4", [point for pair in self.t4 for point in pair])
        for name in ("t_hat", "commitments", "chain"):
            points(name, getattr(self, name))
        scalars("s1, s2 or s3", [self.s1, self.s2, self.s3])
        for name in ("s4", "s_hat", "s_prime"):
            scalars(name, getattr(self, name))

    def to_json(self) -> dict:
        data: dict = {name: getattr(self, name).hex() for name in _POINT_FIELDS}
        data.update({name: group.scalar_hex(getattr(self, name)) for name in _SCALAR_FIELDS})
        data["t4"] = [[beta_side.hex(), alpha_side.hex()] for beta_side, alpha_side in self.t4]
        data["s4"] = [group.scalar_hex(s) for s in self.s4]
        for name in ("t_hat", "commitments", "chain"):
            data[name] = [point.hex() for point in getattr(self, name)]
        for name in ("s_hat", "s_prime"):
            data[name] = [group.scalar_hex(s) for s in getattr(self, name)]
        return {name: data[name] for name in _FIELDS}

    @classmethod
    def from_json(cls, data, *, rows: int | None = None, width: int | None = None
                  ) -> ShuffleProof:
        """Read a proof, refusing any other shape; `rows` and `width`, when given, are the
        shape of the mix it must be for."""
        if not isinstance(data, dict):
            raise ProofError("a shuffle proof must be an object with the fields "
                             + ", ".join(_FIELDS))
        missing = [name for name in _FIELDS if name not in data]
        extra = sorted(str(name) for name in data if name not in _FIELDS)
        if missing or extra:
            raise ProofError("a shuffle proof must have exactly the fields " + ", ".join(_FIELDS)
                             + (f"; missing: {', '.join(missing)}" if missing else "")
                             + (f"; unknown: {', '.join(extra)}" if extra else ""))
        if rows is None:  # the proof's own shape, checked for consistency below
            rows = len(data["commitments"]) if isinstance(data["commitments"], list) else 0
        if width is None:
            width = len(data["s4"]) if isinstance(data["s4"], list) else 0
        if rows < 1 or width < 1:
            raise ProofError("a shuffle proof needs a non-empty list of commitments (one per "
                             "row) and of s4 (one per column)")

        def point(value, where):
            if not isinstance(value, str):
                raise ProofError(f"the shuffle proof's {where} must be 64 hexadecimal digits")
            try:
                return group.point_decode(value)
            except group.GroupError as error:
                raise ProofError(f"the shuffle proof's {where} is malformed: {error}") from None

        def scalar(value, where):
            if not isinstance(value, str):
                raise ProofError(f"the shuffle proof's {where} must be 64 hexadecimal digits")
            try:
                return group.scalar_decode(value)
            except group.GroupError as error:
                raise ProofError(f"the shuffle proof's {where} is malformed: {error}") from None

        def listed(name, length, what):
            value = data[name]
            if not isinstance(value, list) or len(value) != length:
                got = len(value) if isinstance(value, list) else "no list"
                raise ProofError(f"the shuffle proof's {name} must have one member for each of "
                                 f"the {length} {what}, not {got}")
            return value

        t4 = []
        for number, pair in enumerate(listed("t4", width, "columns"), 1):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ProofError(f"the shuffle proof's t4 in column {number} must be a pair")
            t4.append((point(pair[0], f"t4 in column {number}"),
                       point(pair[1], f"t4 in column {number}")))
        values = {name: point(data[name], name) for name in _POINT_FIELDS}
        values.update({name: scalar(data[name], name) for name in _SCALAR_FIELDS})
        values["t4"] = tuple(t4)
        values["s4"] = tuple(scalar(s, f"s4 in column {j}")
                             for j, s in enumerate(listed("s4", width, "columns"), 1))
        for name in ("t_hat", "commitments", "chain"):
            values[name] = tuple(point(p, f"{name} at row {i}")
                                 for i, p in enumerate(listed(name, rows, "rows"), 1))
        for name in ("s_hat", "s_prime"):
            values[name] = tuple(scalar(s, f"{name} at row {i}")
                                 for i, s in enumerate(listed(name, rows, "rows"), 1))
        return cls(**values)


# --- Fiat–Shamir -------------------------------------------------------------------------------

def _statement(key: Point, rows_in, rows_out, commitments, context) -> bytes:
    """The digest of everything the challenges depend on: the paper's (e, e', c), with the key
    and the context."""
    return digest("mixnet statement", context, key,
                  [[[c.alpha, c.beta] for c in row] for row in rows_in],
                  [[[c.alpha, c.beta] for c in row] for row in rows_out], list(commitments))


def _weights(statement: bytes, count: int) -> list[int]:
    """u_i = Hash((e, e', c), i) for i = 1..N."""
    return [challenge("mixnet u", statement, i) for i in range(1, count + 1)]


def _challenge(statement: bytes, key: Point, chain, t1, t2, t3, t4, t_hat) -> int:
    """c = Hash(y, t), y = (e, e', c, ĉ, pk): the statement digest covers e, e', c and pk."""
    return challenge("mixnet c", statement, key, list(chain), t1, t2, t3,
                     [[beta_side, alpha_side] for beta_side, alpha_side in t4], list(t_hat))


# --- The mixer ---------------------------------------------------------------------------------

def shuffle(key: Point, rows: Rows, context) -> tuple[Rows, ShuffleProof]:
    """Permute the rows and re-encrypt every ciphertext (GenShuffle), and prove it (GenProof).
    Returns the output rows and the proof; the permutation and the nonces are dropped."""
    _check_key(key)
    count, width = _shape(rows, "input")
    bases = generators(count, context)

    # GenShuffle: ψ ← GenPermutation(N); e'_i = ReEnc(e_ψ(i), r'_i), here per column.
    psi = list(range(count))
    secrets.SystemRandom().shuffle(psi)  # Fisher–Yates (Knuth's algorithm P), as in the paper
    r_prime = [[group.random_scalar() for _ in range(width)] for _ in range(count)]
    rows_out = [[reencrypt(key, ciphertext, nonce)
                 for ciphertext, nonce in zip(rows[psi[i]], r_prime[i], strict=True)]
                for i in range(count)]

    proof = _gen_proof(key, rows, rows_out, r_prime, psi, bases, context)
    return rows_out, proof


def _gen_proof(key: Point, e: Rows, e_prime: Rows, r_prime: list[list[int]], psi: list[int],
               bases: tuple[Point, ...], context) -> ShuffleProof:
    """GenProof(e, e', r', ψ, pk), with bases = (h, h_1..h_N)."""
    count, width = len(e), len(e[0])
    h, *hs = bases
    g = group.base_mul
    fresh = group.random_scalar

    # GenPermutationCommitment(ψ, h): c_{ψ(i)} = g^{r_ψ(i)} · h_i.
    r = [0] * count
    commitments: list[Point] = [group.IDENTITY] * count
    for i in range(count):
        j = psi[i]
        r[j] = fresh()
        commitments[j] = g(r[j]) + hs[i]

    # u_i = Hash((e, e', c), i), and u'_i = u_ψ(i).
    statement = _statement(key, e, e_prime, commitments, context)
    u = _weights(statement, count)
    u_prime = [u[psi[i]] for i in range(count)]

    # GenCommitmentChain(h, u'): ĉ_0 = h, ĉ_i = g^{r̂_i} · ĉ_{i-1}^{u'_i}.
    r_hat = [fresh() for _ in range(count)]
    chain: list[Point] = []
    previous = h
    for i in range(count):
        previous = g(r_hat[i]) + previous * u_prime[i]
        chain.append(previous)

    # v_N = 1, v_i = u'_{i+1} · v_{i+1}; r̄ = Σ r_i, r̂ = Σ r̂_i v_i, r̃ = Σ r_i u_i and, per
    # column j, r'_j = Σ r'_{i,j} u'_i.
    v = [1] * count
    for i in range(count - 2, -1, -1):
        v[i] = u_prime[i + 1] * v[i + 1] % Q
    r_bar = sum(r) % Q
    r_hat_sum = sum(a * b for a, b in zip(r_hat, v, strict=True)) % Q
    r_tilde = sum(a * b for a, b in zip(r, u, strict=True)) % Q
    r_prime_sum = [sum(r_prime[i][j] * u_prime[i] for i in range(count)) % Q
                   for j in range(width)]

    # The commitments of the sigma protocol: ω_1, ω_2, ω_3, ω_4 (per column), ω̂_i, ω'_i.
    w1, w2, w3 = fresh(), fresh(), fresh()
    w4 = [fresh() for _ in range(width)]
    w_hat = [fresh() for _ in range(count)]
    w_prime = [fresh() for _ in range(count)]
    t1 = g(w1)
    t2 = g(w2)
    t3 = g(w3) + group.multi_mul(zip(hs, w_prime, strict=True))  # g^ω3 · Π h_i^{ω'_i}
    t4 = []
    for j in range(width):
        # t_{4,1} = pk^{-ω4} · Π a'_i^{ω'_i}; t_{4,2} = g^{-ω4} · Π b'_i^{ω'_i}.
        beta_side = group.multi_mul((e_prime[i][j].beta, w_prime[i]) for i in range(count))
        alpha_side = group.multi_mul((e_prime[i][j].alpha, w_prime[i]) for i in range(count))
        t4.append((beta_side - key * w4[j], alpha_side - g(w4[j])))
    chain_before = [h, *chain[:-1]]  # ĉ_{i-1}
    t_hat = [g(w_hat[i]) + chain_before[i] * w_prime[i] for i in range(count)]

    # c = Hash(y, t), and the responses s = ω - c · (the secret).
    c = _challenge(statement, key, chain, t1, t2, t3, t4, t_hat)
    return ShuffleProof(
        t1=t1, t2=t2, t3=t3, t4=tuple(t4), t_hat=tuple(t_hat),
        s1=(w1 - c * r_bar) % Q,
        s2=(w2 - c * r_hat_sum) % Q,
        s3=(w3 - c * r_tilde) % Q,
        s4=tuple((w4[j] - c * r_prime_sum[j]) % Q for j in range(width)),
        s_hat=tuple((w_hat[i] - c * r_hat[i]) % Q for i in range(count)),
        s_prime=tuple((w_prime[i] - c * u_prime[i]) % Q for i in range(count)),
        commitments=tuple(commitments), chain=tuple(chain))


# --- The verifier ------------------------------------------------------------------------------

def shuffle_verify(key: Point, rows_in: Rows, rows_out: Rows, proof: ShuffleProof,
                   context) -> None:
    """CheckProof(π, e, e', pk): that rows_out is rows_in permuted and every ciphertext
    re-encrypted under `key`. Returns nothing; raises ProofError naming the check that fails."""
    _check_key(key)
    count, width = _shape(rows_in, "input")
    out_count, out_width = _shape(rows_out, "output")
    if (out_count, out_width) != (count, width):
        raise ProofError(f"the mix was given {count} rows of width {width} but output "
                         f"{out_count} rows of width {out_width}")
    if not isinstance(proof, ShuffleProof):
        raise ProofError("that is not a shuffle proof")
    proof.check_shape(count, width)
    e, e_prime = rows_in, rows_out
    h, *hs = generators(count, context)
    g = group.base_mul

    # u_i = Hash((e, e', c), i); c = Hash(y, t).
    statement = _statement(key, e, e_prime, proof.commitments, context)
    u = _weights(statement, count)
    c = _challenge(statement, key, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4,
                   proof.t_hat)

    # c̄ = Π c_i / Π h_i; u = Π u_i; ĉ = ĉ_N / h^u; c̃ = Π c_i^{u_i}.
    u_product = 1
    for value in u:
        u_product = u_product * value % Q
    c_bar = group.point_sum(proof.commitments) - group.point_sum(hs)
    c_hat = proof.chain[-1] - h * u_product
    c_tilde = group.multi_mul(zip(proof.commitments, u, strict=True))

    # t'_1 = c̄^c · g^{s1}: the commitments are to a permutation matrix's column sums ...
    if proof.t1 != c_bar * c + g(proof.s1):
        raise ProofError("the shuffle proof fails its t1 check (the permutation commitment)")
    # t'_2 = ĉ^c · g^{s2}: ... the chain ends at h raised to the product of the u_i ...
    if proof.t2 != c_hat * c + g(proof.s2):
        raise ProofError("the shuffle proof fails its t2 check (the end of the commitment "
                         "chain)")
    # t'_3 = c̃^c · g^{s3} · Π h_i^{s'_i}: ... the same u'_i open c̃ ...
    if proof.t3 != c_tilde * c + g(proof.s3) + group.multi_mul(zip(hs, proof.s_prime,
                                                                   strict=True)):
        raise ProofError("the shuffle proof fails its t3 check (the weighted commitments)")
    # t'_{4,1} = ã^c · pk^{-s4} · Π a'_i^{s'_i}, t'_{4,2} = b̃^c · g^{-s4} · Π b'_i^{s'_i},
    # with ã = Π a_i^{u_i}, b̃ = Π b_i^{u_i}: ... and re-encrypt the weighted sum, per column.
    for j in range(width):
        a_tilde = group.multi_mul((e[i][j].beta, u[i]) for i in range(count))
        b_tilde = group.multi_mul((e[i][j].alpha, u[i]) for i in range(count))
        a_prime = group.multi_mul((e_prime[i][j].beta, proof.s_prime[i]) for i in range(count))
        b_prime = group.multi_mul((e_prime[i][j].alpha, proof.s_prime[i])
                                  for i in range(count))
        expected = (a_tilde * c - key * proof.s4[j] + a_prime,
                    b_tilde * c - g(proof.s4[j]) + b_prime)
        if proof.t4[j] != expected:
            raise ProofError(f"the shuffle proof fails its t4 check (the re-encryption) in "
                             f"column {j + 1}")
    # t̂'_i = ĉ_i^c · g^{ŝ_i} · ĉ_{i-1}^{s'_i}, with ĉ_0 = h: each link of the chain.
    previous = h
    for i in range(count):
        if proof.t_hat[i] != proof.chain[i] * c + g(proof.s_hat[i]) \
                + previous * proof.s_prime[i]:
            raise ProofError(f"the shuffle proof fails its t̂ check (the commitment chain) at "
                             f"row {i + 1}")
        previous = proof.chain[i]


def mix_chain_verify(key: Point, rows: Rows, mixes: list[tuple[Rows, ShuffleProof]],
                     contexts: list, *, at_least: int = 2) -> None:
    """Check a sequence of mixes, each taking the previous one's output: the first takes
    `rows`, and `mixes` lists each mixer's (output rows, proof) with `contexts` its context.
    Fewer than `at_least` mixers are refused: a ranking is secret only while one is honest."""
    if not isinstance(mixes, list | tuple) or not isinstance(contexts, list | tuple):
        raise ProofError("the mixes and their contexts must be lists")
    if len(mixes) != len(contexts):
        raise ProofError(f"there are {len(mixes)} mixes but {len(contexts)} contexts: each "
                         f"mix needs its own")
    if len(mixes) < at_least:
        raise ProofError(f"the rankings passed through {len(mixes)} mixers where at least "
                         f"{at_least} are needed")
    for number, (mix, context) in enumerate(zip(mixes, contexts, strict=True), 1):
        if not isinstance(mix, list | tuple) or len(mix) != 2:
            raise ProofError(f"mix {number} must be its output rows and its proof")
        rows_out, proof = mix
        try:
            shuffle_verify(key, rows, rows_out, proof, context)
        except ProofError as error:
            raise ProofError(f"mix {number}: {error}") from None
        rows = rows_out


__all__ = ["ShuffleProof", "generators", "mix_chain_verify", "shuffle", "shuffle_verify"]
