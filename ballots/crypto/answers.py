"""A voter's answer to one question, as ciphertexts with the proofs that it is well formed.

Encodings (each entry is one exponential ElGamal ciphertext):
- resolution: two entries, for and against, each 0 or 1, their sum 0 or 1 (withheld is
  both 0);
- first past the post: one entry per candidate, each 0 or 1, their sum 0 or 1;
- block vote: one entry per candidate, each 0 or 1, their sum at most the seats;
- STV: one entry per preference place, holding a candidate's number (1-based), 0 for no
  further preference. Each entry is proved in 0..n; that the ranking has no repeats and no
  gaps is checked when the rankings are decrypted after the mix (`decode`), where a bad
  one is named, since a proof of it on every paper would cost n² ciphertexts.

The tracker is the hash of a paper's ciphertexts: it identifies the encrypted paper in the
published ballot box, and says nothing about its contents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import elgamal, group
from .elgamal import Ciphertext
from .hashing import digest
from .proofs import ProofError, RangeProof, range_prove, range_verify

KINDS = ("resolution", "fptp", "block", "stv")
RESOLUTION = {"for": [1, 0], "against": [0, 1], "withheld": [0, 0]}


class AnswerError(ValueError):
    """An answer that does not fit its question."""


@dataclass(frozen=True)
class QuestionSpec:
    qid: str
    kind: str
    options: int
    seats: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise AnswerError(f"unknown kind of question: {self.kind}")
        if self.options < 1 or self.seats < 1:
            raise AnswerError("a question needs at least one option and one seat")

    @property
    def entry_limit(self) -> int:
        return self.options if self.kind == "stv" else 1

    @property
    def sum_limit(self) -> int | None:
        if self.kind == "stv":
            return None
        return min(self.seats, self.options) if self.kind == "block" else 1


def width(spec: QuestionSpec) -> int:
    return 2 if spec.kind == "resolution" else spec.options


def encode(spec: QuestionSpec, answer) -> list[int]:
    if spec.kind == "resolution":
        if answer not in RESOLUTION:
            raise AnswerError("a resolution is answered for, against or withheld")
        return list(RESOLUTION[answer])
    chosen = list(answer)
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < spec.options
           for i in chosen):
        raise AnswerError("that is not one of the candidates")
    if len(set(chosen)) != len(chosen):
        raise AnswerError("a candidate can be chosen only once")
    if spec.kind == "stv":
        return [i + 1 for i in chosen] + [0] * (spec.options - len(chosen))
    if len(chosen) > spec.sum_limit:
        raise AnswerError(f"choose no more than {spec.sum_limit}")
    return [1 if i in chosen else 0 for i in range(spec.options)]


def decode(spec: QuestionSpec, values: list[int]):
    """The answer a decrypted row stands for (STV after the mix, and checks in tests)."""
    if len(values) != width(spec):
        raise AnswerError(f"a row of question {spec.qid} has {width(spec)} entries")
    if spec.kind == "resolution":
        for name, encoded in RESOLUTION.items():
            if list(values) == encoded:
                return name
        raise AnswerError("not a resolution's answer")
    if spec.kind == "stv":
        ranked = list(values)
        while ranked and ranked[-1] == 0:
            ranked.pop()
        if any(v < 1 or v > spec.options for v in ranked) or len(set(ranked)) != len(ranked):
            raise AnswerError("a ranking must name each candidate at most once, with no gaps")
        return [v - 1 for v in ranked]
    if any(v not in (0, 1) for v in values) or sum(values) > spec.sum_limit:
        raise AnswerError("not a valid choice of candidates")
    return [i for i, v in enumerate(values) if v]


@dataclass(frozen=True)
class EncryptedAnswer:
    ciphertexts: list[Ciphertext]
    entry_proofs: list[RangeProof]
    sum_proof: RangeProof | None

    def to_json(self) -> dict:
        return {"ciphertexts": [c.to_json() for c in self.ciphertexts],
                "entry_proofs": [p.to_json() for p in self.entry_proofs],
                "sum_proof": None if self.sum_proof is None else self.sum_proof.to_json()}

    @classmethod
    def from_json(cls, value, spec: QuestionSpec) -> EncryptedAnswer:
        where = f"question {spec.qid}"
        if not isinstance(value, dict) or set(value) != {"ciphertexts", "entry_proofs",
                                                         "sum_proof"}:
            raise ProofError(f"{where}: an answer holds ciphertexts, entry_proofs and "
                             "sum_proof, nothing else")
        size = width(spec)
        cts, entry_proofs = value["ciphertexts"], value["entry_proofs"]
        if not isinstance(cts, list) or len(cts) != size or \
                not isinstance(entry_proofs, list) or len(entry_proofs) != size:
            raise ProofError(f"{where}: an answer has {size} ciphertexts and as many proofs")
        try:
            ciphertexts = [Ciphertext.from_json(c) for c in cts]
        except group.GroupError as error:
            raise ProofError(f"{where}: a ciphertext is malformed: {error}") from None
        proofs = [RangeProof.from_json(p, limit=spec.entry_limit) for p in entry_proofs]
        if spec.sum_limit is None:
            if value["sum_proof"] is not None:
                raise ProofError(f"{where}: a ranking has no sum proof")
            sum_proof = None
        else:
            sum_proof = RangeProof.from_json(value["sum_proof"], limit=spec.sum_limit)
        return cls(ciphertexts, proofs, sum_proof)

    def encoded(self) -> list:
        return [[c.alpha, c.beta] for c in self.ciphertexts]


def encrypt_answer(key: group.Point, spec: QuestionSpec, answer, context) -> EncryptedAnswer:
    values = encode(spec, answer)
    ciphertexts, nonces = [], []
    for value in values:
        ciphertext, nonce = elgamal.encrypt(key, value)
        ciphertexts.append(ciphertext)
        nonces.append(nonce)
    proofs = [RangeProof(range_prove(key, c, v, r, spec.entry_limit, (context, "entry", i)))
              for i, (c, v, r) in enumerate(zip(ciphertexts, values, nonces, strict=True))]
    sum_proof = None
    if spec.sum_limit is not None:
        total = elgamal.ciphertext_sum(ciphertexts)
        sum_proof = range_prove(key, total, sum(values), sum(nonces) % group.Q,
                                spec.sum_limit, (context, "sum"))
    return EncryptedAnswer(ciphertexts, proofs, sum_proof)


def verify_answer(key: group.Point, spec: QuestionSpec, encrypted: EncryptedAnswer,
                  context) -> None:
    where = f"question {spec.qid}"
    if len(encrypted.ciphertexts) != width(spec):
        raise ProofError(f"{where}: the answer has the wrong number of entries")
    for i, (ciphertext, proof) in enumerate(zip(encrypted.ciphertexts, encrypted.entry_proofs,
                                                strict=True)):
        if not range_verify(key, ciphertext, proof, spec.entry_limit, (context, "entry", i)):
            raise ProofError(f"{where}: the proof of entry {i + 1} does not verify")
    if spec.sum_limit is not None:
        total = elgamal.ciphertext_sum(encrypted.ciphertexts)
        if encrypted.sum_proof is None or not range_verify(
                key, total, encrypted.sum_proof, spec.sum_limit, (context, "sum")):
            raise ProofError(f"{where}: the proof that the choices add up does not verify")


def tracker(context, answers: dict[str, EncryptedAnswer]) -> str:
    return digest("tracker", context,
                  [[qid, answers[qid].encoded()] for qid in sorted(answers)]).hex()


def tracker_display(value: str) -> str:
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def tracker_normal(text: str) -> str:
    normal = re.sub(r"[\s\-]", "", text or "").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", normal):
        raise AnswerError("a ballot tracker is 64 characters, 0-9 and a-f")
    return normal
