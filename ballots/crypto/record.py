"""The sealed record of a ballot: what the trustees check before they decrypt, and what anyone
checks after the count. Pure functions over JSON-shaped data: no database.

- the manifest: the ballot key and its context, the trustees' public shares, each secret
  question's encoding and its cells (a class, or everyone, as the rules need);
- the box: one line per paper, with its tracker, the elector's class and weight, and the
  encrypted answers (no names);
- the totals: for each question, cell and entry, the sum of the papers' ciphertexts
  (`count`) and, where the cell's weights differ, the sum multiplied by each weight
  (`weight`). The trustees recompute them from the box, so they never decrypt anything
  but a total;
- STV: the rankings as rows (with an encrypted weight column where weights differ), each
  mix with its shuffle proof, and the decryption of the last mix's rows;
- the decryptions: each trustee's partial decryptions with their proofs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import answers, decryption, group, mixnet
from .elgamal import Ciphertext
from .proofs import ProofError
from .totals import weighted_sum

ALL = "all"
MIXES_NEEDED = 2  # mixers in sequence before STV rankings are decrypted


class RecordError(ValueError):
    """A check of the sealed record that fails, named."""


def answer_context(context: str, qid: str, class_slug: str, weight: int) -> tuple:
    return (context, "answer", qid, class_slug, weight)


def paper_context(context: str) -> tuple:
    return (context, "paper")


def totals_context(context: str) -> tuple:
    return (context, "totals")


def rows_context(context: str, qid: str) -> tuple:
    return (context, "rows", qid)


def mix_context(context: str, qid: str, position: int) -> tuple:
    return (context, "mix", qid, position)


@dataclass
class Question:
    qid: str
    spec: answers.QuestionSpec
    cells: list[dict]  # {"name": class slug or "all", "classes": [slugs] or None}
    weighted: bool

    def cell_of(self, class_slug: str) -> str | None:
        for cell in self.cells:
            if cell["classes"] is None or class_slug in cell["classes"]:
                return cell["name"]
        return None


@dataclass
class Manifest:
    context: str
    key: group.Point
    threshold: int
    public_shares: dict[int, group.Point]
    questions: list[Question]
    raw: dict = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        try:
            questions = []
            for q in data["questions"]:
                spec = answers.QuestionSpec(str(q["qid"]), q["kind"], int(q["options"]),
                                            int(q.get("seats", 1)))
                questions.append(Question(spec.qid, spec, list(q["cells"]),
                                          bool(q["weighted"])))
            return cls(str(data["context"]), group.point_decode(data["key"]),
                       int(data["threshold"]),
                       {int(t["index"]): group.point_decode(t["public_share"])
                        for t in data["trustees"]}, questions, data)
        except (KeyError, TypeError, ValueError) as error:
            raise RecordError(f"the manifest is malformed: {error}") from None

    def question(self, qid: str) -> Question:
        for question in self.questions:
            if question.qid == qid:
                return question
        raise RecordError(f"question {qid} is not in the manifest")


@dataclass
class BoxPaper:
    tracker: str
    klass: str
    weight: int
    answers: dict[str, answers.EncryptedAnswer]


def box_read(manifest: Manifest, lines: list[dict], *, verify: bool = True) -> list[BoxPaper]:
    """Every paper of the box, its proofs checked and its tracker recomputed. Refuses a
    paper whose proofs fail, a tracker that is not its ciphertexts' hash, and a ciphertext
    that appears twice (a copied paper)."""
    papers, seen_trackers, seen = [], set(), set()
    specs = {q.qid: q.spec for q in manifest.questions}
    for number, line in enumerate(lines, start=1):
        where = f"paper {number} of the box"
        try:
            klass, weight = str(line["class"]), line["weight"]
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
                raise RecordError(f"{where}: its weight must be a whole number above 0")
            encrypted = {qid: answers.EncryptedAnswer.from_json(value, specs[qid])
                         for qid, value in line["answers"].items()}
            tracker = str(line["tracker"])
        except KeyError as error:
            raise RecordError(f"{where}: {error} is missing or unknown") from None
        except ProofError as error:
            raise RecordError(f"{where}: {error}") from None
        if verify:
            for qid, answer in encrypted.items():
                try:
                    answers.verify_answer(manifest.key, specs[qid], answer,
                                          answer_context(manifest.context, qid, klass, weight))
                except ProofError as error:
                    raise RecordError(f"{where} (tracker {tracker[:16]}…): {error}") from None
            if answers.tracker(paper_context(manifest.context), encrypted) != tracker:
                raise RecordError(f"{where}: its tracker is not the hash of its ciphertexts")
        if tracker in seen_trackers:
            raise RecordError(f"{where}: the tracker {tracker[:16]}… is in the box twice")
        seen_trackers.add(tracker)
        for answer in encrypted.values():
            for ciphertext in answer.ciphertexts:
                if ciphertext.alpha in seen:
                    raise RecordError(f"{where}: a ciphertext is copied from another paper")
                seen.add(ciphertext.alpha)
        papers.append(BoxPaper(tracker, klass, weight, encrypted))
    return papers


@dataclass(frozen=True)
class Total:
    qid: str
    cell: str
    measure: str  # "count" or "weight"
    entry: int
    ciphertext: Ciphertext
    bound: int

    def label(self) -> list:
        return [self.qid, self.cell, self.measure, self.entry]


def totals(manifest: Manifest, papers: list[BoxPaper]) -> list[Total]:
    """The totals to decrypt, in a fixed order, recomputed from the box."""
    result = []
    for question in manifest.questions:
        if question.spec.kind == "stv":
            continue
        for cell in question.cells:
            members = [p for p in papers if question.qid in p.answers
                       and question.cell_of(p.klass) == cell["name"]]
            for entry in range(answers.width(question.spec)):
                column = [p.answers[question.qid].ciphertexts[entry] for p in members]
                result.append(Total(question.qid, cell["name"], "count", entry,
                                    weighted_sum(column, [1] * len(column)), len(column)))
                if question.weighted:
                    weights = [p.weight for p in members]
                    result.append(Total(question.qid, cell["name"], "weight", entry,
                                        weighted_sum(column, weights), sum(weights)))
    return result


def mix_input(manifest: Manifest, papers: list[BoxPaper], qid: str) -> list[list[Ciphertext]]:
    """An STV question's rows, in box order: the preference places, and the weight as a
    trivial encryption (known to all: it is on the roll) where weights differ."""
    question = manifest.question(qid)
    rows = []
    for paper in papers:
        if qid in paper.answers:
            row = list(paper.answers[qid].ciphertexts)
            if question.weighted:
                row.append(Ciphertext(group.IDENTITY, group.base_mul(paper.weight)))
            rows.append(row)
    return rows


def rows_json(rows) -> list:
    return [[c.to_json() for c in row] for row in rows]


def rows_read(data, *, count: int, width: int, where: str) -> list[list[Ciphertext]]:
    if not isinstance(data, list) or len(data) != count or \
            any(not isinstance(row, list) or len(row) != width for row in data):
        raise RecordError(f"{where}: it must hold {count} rows of {width} ciphertexts")
    try:
        return [[Ciphertext.from_json(c) for c in row] for row in data]
    except group.GroupError as error:
        raise RecordError(f"{where}: a ciphertext is malformed: {error}") from None


def mix_check_one(manifest: Manifest, qid: str, rows, mix: dict, position: int) -> list:
    """One mix, the `position`-th of the question, checked against the rows it was given;
    its output rows."""
    count, width = len(rows), len(rows[0]) if rows else 0
    where = f"question {qid}, mix {position}"
    if not isinstance(mix, dict):
        raise RecordError(f"{where}: a mix holds its rows and proof")
    out = rows_read(mix.get("rows"), count=count, width=width, where=where)
    try:
        proof = mixnet.ShuffleProof.from_json(mix.get("proof"), rows=count, width=width)
        mixnet.shuffle_verify(manifest.key, rows, out, proof,
                              mix_context(manifest.context, qid, position))
    except ProofError as error:
        raise RecordError(f"{where} (by trustee {mix.get('mixer')}): {error}") from None
    return out


def mixes_check(manifest: Manifest, qid: str, rows, mixes: list[dict]) -> list:
    """Each mix of the question's rows in turn, its proof checked; the last rows."""
    for position, mix in enumerate(mixes, start=1):
        rows = mix_check_one(manifest, qid, rows, mix, position)
    return rows


def partials_read(manifest: Manifest, data: dict, ciphertexts, context, where: str
                  ) -> dict[int, decryption.PartialDecryption]:
    """The partial decryptions given, each checked against its trustee's public share."""
    partials = {}
    for key, value in (data or {}).items():
        try:
            partial = decryption.PartialDecryption.from_json(value, count=len(ciphertexts))
        except ProofError as error:
            raise RecordError(f"{where}: trustee {key}: {error}") from None
        share = manifest.public_shares.get(partial.index)
        if share is None or str(partial.index) != str(key):
            raise RecordError(f"{where}: trustee {key} is not one of the ballot's trustees")
        try:
            decryption.partial_check(share, ciphertexts, partial, context)
        except ProofError as error:
            raise RecordError(f"{where}: {error}") from None
        partials[partial.index] = partial
    return partials


def decrypt(manifest: Manifest, ciphertexts, partials, bounds, where: str) -> list[int]:
    if len(partials) < manifest.threshold:
        raise RecordError(f"{where}: {len(partials)} trustees took part; "
                          f"{manifest.threshold} are needed")
    chosen = dict(sorted(partials.items())[:manifest.threshold])
    try:
        return decryption.decrypt_values(list(ciphertexts), chosen, bounds)
    except ValueError as error:
        raise RecordError(f"{where}: {error}") from None


def rankings_decode(question: Question, values: list[list[int]]) -> list[tuple[list[int], int]]:
    """(ranking of 0-based candidates, weight) for each decrypted row."""
    papers = []
    width = answers.width(question.spec)
    for number, row in enumerate(values, start=1):
        try:
            ranking = answers.decode(question.spec, row[:width])
        except answers.AnswerError as error:
            raise RecordError(f"question {question.qid}, mixed row {number}: {error}") from None
        papers.append((ranking, row[width] if question.weighted else 1))
    return papers
