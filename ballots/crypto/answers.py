"""A question's answer as a vector of small integers, encrypted entry by entry with proofs.

Encoding, per kind of question:
- resolution: two entries (for, against), each 0 or 1, at most one set; withheld is both 0.
- fptp: one 0/1 entry per option, at most one set.
- block: one 0/1 entry per option, at most `seats` set.
- stv: `options` preference positions, each the 1-based number of a candidate, 0 meaning no
  further preference. Each position is proved to lie in 0..options; that the candidates are
  distinct and the zeros trailing is checked after the rows are mixed and decrypted (`decode`),
  since a proof of it would cost far more than the whole paper.

Each entry carries a range proof; resolutions, fptp and block questions also carry one on the
sum of the entries (the homomorphic sum of their ciphertexts), so no paper can cast two votes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import elgamal, group
from .elgamal import Ciphertext
from .group import Point
from .hashing import digest
from .proofs import ProofError, RangeProof, range_prove, range_verify

KINDS = ("resolution", "fptp", "block", "stv")
RESOLUTION_ANSWERS = ("for", "against", "withheld")
MAX_ENTRIES = 1000  # far more options than any paper has; bounds what a hostile upload costs


class AnswerError(ValueError):
    """An answer that does not fit its question, or a question that is not well formed."""


class MalformedAnswer(AnswerError, ProofError):
    """An encrypted answer received from outside that is not shaped like one: both an answer
    that does not fit and a proof that cannot verify, so either can be caught."""


@dataclass(frozen=True)
class QuestionSpec:
    qid: str
    kind: str
    options: int
    seats: int = 1

    def __post_init__(self):
        if not isinstance(self.qid, str) or not self.qid:
            raise AnswerError("a question needs a non-empty id")
        if self.kind not in KINDS:
            raise AnswerError(f"question {self.qid}: the kind must be one of "
                              f"{', '.join(KINDS)}, not {self.kind!r}")
        for name in ("options", "seats"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AnswerError(f"question {self.qid}: {name} must be a positive integer")
        if self.options > MAX_ENTRIES:
            raise AnswerError(f"question {self.qid}: at most {MAX_ENTRIES} options")

    @property
    def entry_limit(self) -> int:
        """The largest value one entry may hold."""
        return self.options if self.kind == "stv" else 1

    @property
    def sum_limit(self) -> int | None:
        """The largest value the entries' sum may hold (None: the sum is not proved). A block
        vote with more seats than candidates can choose them all."""
        if self.kind == "stv":
            return None
        return min(self.seats, self.options) if self.kind == "block" else 1


def width(spec: QuestionSpec) -> int:
    """The number of encrypted entries of an answer to the question."""
    return 2 if spec.kind == "resolution" else spec.options


def _choices(spec: QuestionSpec, answer, most: int) -> list[int]:
    """0-based option indexes: distinct, existing, at most `most` of them."""
    if not isinstance(answer, list | tuple):
        raise AnswerError(f"question {spec.qid}: the answer must be a list of options")
    for choice in answer:
        if isinstance(choice, bool) or not isinstance(choice, int):
            raise AnswerError(f"question {spec.qid}: options are numbered, not {choice!r}")
        if not 0 <= choice < spec.options:
            raise AnswerError(f"question {spec.qid}: there is no option {choice} "
                              f"(options are 0 to {spec.options - 1})")
    if len(set(answer)) != len(answer):
        raise AnswerError(f"question {spec.qid}: an option is chosen more than once")
    if len(answer) > most:
        raise AnswerError(f"question {spec.qid}: at most {most} choice(s), not {len(answer)}")
    return list(answer)


def encode(spec: QuestionSpec, answer) -> list[int]:
    """The answer as entries; AnswerError if it does not fit the question."""
    if spec.kind == "resolution":
        if answer not in RESOLUTION_ANSWERS:
            raise AnswerError(f"question {spec.qid}: a resolution's answer is for, against "
                              f"or withheld, not {answer!r}")
        return {"for": [1, 0], "against": [0, 1], "withheld": [0, 0]}[answer]
    if spec.kind == "stv":
        ranking = _choices(spec, answer, spec.options)
        return [c + 1 for c in ranking] + [0] * (spec.options - len(ranking))
    chosen = set(_choices(spec, answer, spec.sum_limit))
    return [1 if option in chosen else 0 for option in range(spec.options)]


def decode(spec: QuestionSpec, values) -> str | list[int]:
    """The answer that the entries encode; AnswerError if they encode none (for a decrypted STV
    row: a repeated candidate, or a preference after a gap)."""
    values = list(values)
    if len(values) != width(spec):
        raise AnswerError(f"question {spec.qid}: {len(values)} entries, not {width(spec)}")
    top = spec.entry_limit
    for position, value in enumerate(values, 1):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise AnswerError(f"question {spec.qid}: entry {position} is {value!r}, not an "
                              f"integer in [0, {top}]")
    if spec.kind == "stv":
        length = sum(1 for value in values if value)
        if any(values[length:]):
            raise AnswerError(f"question {spec.qid}: a preference follows a blank position")
        ranking = [value - 1 for value in values[:length]]
        if len(set(ranking)) != len(ranking):
            raise AnswerError(f"question {spec.qid}: a candidate is ranked more than once")
        return ranking
    if sum(values) > spec.sum_limit:
        raise AnswerError(f"question {spec.qid}: {sum(values)} choices, at most "
                          f"{spec.sum_limit} allowed")
    if spec.kind == "resolution":
        return {(1, 0): "for", (0, 1): "against", (0, 0): "withheld"}[tuple(values)]
    return [option for option, value in enumerate(values) if value]


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
    def from_json(cls, value, spec: QuestionSpec | None = None) -> EncryptedAnswer:
        """An encrypted answer received from outside (MalformedAnswer if it is not one). With
        `spec`, its shape must also be the question's: as many entries, proofs of the right
        lengths, a sum proof where one is due. verify_answer checks the proofs themselves."""
        where = f"question {spec.qid}: " if spec is not None else ""
        keys = ("ciphertexts", "entry_proofs", "sum_proof")
        if not isinstance(value, dict) or set(value) != set(keys):
            raise MalformedAnswer(f"{where}an encrypted answer holds exactly ciphertexts, "
                                  "entry_proofs and sum_proof, nothing else")
        raw_ciphertexts, raw_proofs, raw_sum = (value[key] for key in keys)
        if not isinstance(raw_ciphertexts, list) or not 0 < len(raw_ciphertexts) <= MAX_ENTRIES:
            raise MalformedAnswer(f"{where}the ciphertexts must be a list of 1 to "
                                  f"{MAX_ENTRIES}")
        if spec is not None and len(raw_ciphertexts) != width(spec):
            raise MalformedAnswer(f"{where}an answer has {width(spec)} ciphertexts, not "
                                  f"{len(raw_ciphertexts)}")
        if not isinstance(raw_proofs, list) or len(raw_proofs) != len(raw_ciphertexts):
            raise MalformedAnswer(f"{where}an encrypted answer needs one entry proof per "
                                  "ciphertext")
        entry_top = spec.entry_limit if spec is not None else None
        ciphertexts, proofs = [], []
        for position, (raw_ciphertext, raw_proof) in enumerate(
                zip(raw_ciphertexts, raw_proofs, strict=True), 1):
            try:
                ciphertexts.append(Ciphertext.from_json(raw_ciphertext))
            except group.GroupError as error:
                raise MalformedAnswer(f"{where}entry {position}'s ciphertext is malformed: "
                                      f"{error}") from None
            if entry_top is None and isinstance(raw_proof, list) and \
                    len(raw_proof) > MAX_ENTRIES + 1:
                raise MalformedAnswer(f"entry {position}'s range proof is too long")
            try:
                proofs.append(RangeProof.from_json(raw_proof, entry_top))
            except ProofError as error:
                raise MalformedAnswer(f"{where}entry {position}'s range proof: {error}") \
                    from None
        sum_proof = None
        due = spec.sum_limit if spec is not None else None
        if spec is not None and (raw_sum is None) != (due is None):
            raise MalformedAnswer(where + ("a sum proof is missing" if raw_sum is None
                                           else "an STV answer has no sum proof"))
        if raw_sum is not None:
            if due is None and isinstance(raw_sum, list) and len(raw_sum) > MAX_ENTRIES + 1:
                raise MalformedAnswer("the sum proof is too long")
            try:
                sum_proof = RangeProof.from_json(raw_sum, due)
            except ProofError as error:
                raise MalformedAnswer(f"{where}the sum proof: {error}") from None
        return cls(ciphertexts, proofs, sum_proof)

    def encoded(self) -> list:
        """The ciphertexts as the tracker hashes them."""
        return [[c.alpha, c.beta] for c in self.ciphertexts]


def entry_context(context, spec: QuestionSpec, position: int):
    """What the range proof of entry `position` (from 1) hashes besides its statement: the
    caller's context, the question and the position, so no proof serves another entry."""
    return [context, spec.qid, "entry", position]


def sum_context(context, spec: QuestionSpec):
    return [context, spec.qid, "sum"]


def encrypt_answer(key: Point, spec: QuestionSpec, answer, context) -> EncryptedAnswer:
    """The answer encrypted under the election key, every entry and the sum proved in range."""
    values = encode(spec, answer)
    top = spec.entry_limit
    ciphertexts, proofs, nonces = [], [], []
    for position, value in enumerate(values, 1):
        ciphertext, nonce = elgamal.encrypt(key, value)
        ciphertexts.append(ciphertext)
        nonces.append(nonce)
        proofs.append(range_prove(key, ciphertext, value, nonce, top,
                                  entry_context(context, spec, position)))
    sum_proof = None
    if spec.sum_limit is not None:
        sum_proof = range_prove(key, elgamal.ciphertext_sum(ciphertexts), sum(values),
                                sum(nonces) % group.Q, spec.sum_limit,
                                sum_context(context, spec))
    return EncryptedAnswer(ciphertexts, proofs, sum_proof)


def verify_answer(key: Point, spec: QuestionSpec, encrypted: EncryptedAnswer, context) -> None:
    """ProofError naming the entry or the sum whose proof fails, or the shape that is wrong."""
    expected = width(spec)
    if len(encrypted.ciphertexts) != expected or len(encrypted.entry_proofs) != expected:
        raise ProofError(f"question {spec.qid}: {len(encrypted.ciphertexts)} ciphertexts and "
                         f"{len(encrypted.entry_proofs)} proofs, not {expected} of each")
    top = spec.entry_limit
    for position, (ciphertext, proof) in enumerate(
            zip(encrypted.ciphertexts, encrypted.entry_proofs, strict=True), 1):
        if not range_verify(key, ciphertext, proof, top, entry_context(context, spec, position)):
            raise ProofError(f"question {spec.qid}: the proof of entry {position} of {expected} "
                             f"(a value in [0, {top}]) does not verify")
    due = spec.sum_limit
    if due is None:
        if encrypted.sum_proof is not None:
            raise ProofError(f"question {spec.qid}: an STV answer has no sum proof")
        return
    if encrypted.sum_proof is None:
        raise ProofError(f"question {spec.qid}: the proof of the sum is missing")
    if not range_verify(key, elgamal.ciphertext_sum(encrypted.ciphertexts), encrypted.sum_proof,
                        due, sum_context(context, spec)):
        raise ProofError(f"question {spec.qid}: the proof of the sum (that the choices add "
                         f"up to at most {due}) does not verify")


def tracker(context, answers: dict[str, EncryptedAnswer]) -> str:
    """The paper's tracker: SHA-256 over every ciphertext, question by question in id order."""
    return digest("tracker", context,
                  [[qid, answers[qid].encoded()] for qid in sorted(answers)]).hex()


def tracker_display(value: str) -> str:
    """The tracker as a voter reads it: 16 groups of 4 hexadecimal digits."""
    value = tracker_normal(value)
    return " ".join(value[i:i + 4] for i in range(0, 64, 4))


def tracker_normal(text: str) -> str:
    """A tracker as typed or pasted: spaces and dashes dropped, lower case, 64 hex digits."""
    if not isinstance(text, str):
        raise AnswerError("a tracker is text")
    value = re.sub(r"[\s\-]", "", text).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise AnswerError("a tracker is 64 hexadecimal digits (0-9, a-f)")
    return value
