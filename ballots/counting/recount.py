"""An independent recount of a ballot's export (the scrutineer's bundle), with no access
to the platform's database: the manifest's hashes and signature are checked, each
question is counted again from its anonymised contents (a tally file for a resolution, a
BLT file for an election) by the same counting modules, and the recount is compared with
the result the platform stored.

The bundle (a zip file, or a folder it was unpacked into) holds:

- ``ballot.json``: the ballot and, for each question, its kind, file, seats, the STV rule
  and the seed of any lot;
- ``q<N>.tally.json`` or ``q<N>.blt``: the contents, anonymised and shuffled;
- ``results.json``: the results the platform stored, by question position;
- ``report.json`` and ``roll.csv``: the scrutineer's report and the roll;
- ``manifest.json``: the SHA-256 of every other file; ``manifest.sig``: an Ed25519
  signature of ``manifest.json``; ``public_key.pem``: the key that checks it.
"""

import base64
import binascii
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from . import from_totals
from .blt import BltError, parse_blt
from .plurality import count_plurality
from .sealed_check import SealedCheckError, check_sealed, is_sealed, tally_matches
from .stv import RULES, StvError, count_stv
from .tally import TallyError, tally_from_json
from .tally_input import describe, load_json

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
# What must agree between the stored result and the recount, by kind of question.
COMPARED = {
    "resolution": ("outcome", "for", "against", "withheld", "percentage_for", "classes",
                   "casting_vote"),
    "stv": ("valid_votes", "quota", "stages", "elected"),
    "fptp": ("votes", "valid_votes", "elected"),
    "block": ("votes", "valid_votes", "elected"),
}


MAX_BUNDLE_BYTES = 256 * 2**20  # unpacked; a ballot of a million papers makes a few MB


class RecountError(ValueError):
    """A bundle that cannot be read or counted, naming the file."""


# The schemas of the bundle's own files (a question's contents are a tally file, read by
# `tally_input`, or a BLT file, read by `blt`). Fields the recount does not use are allowed.
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class BundleQuestion(_Open):
    position: StrictInt
    title: Annotated[str, StringConstraints(strict=True, max_length=1000)]
    kind: Literal["resolution", "stv", "fptp", "block"]
    file: Name
    seats: StrictInt = Field(1, ge=1, le=1000)
    rule: Literal[tuple(RULES)] | None = None
    seed: StrictInt | None = None


class BundleBallot(_Open):
    questions: list[BundleQuestion]


class StoredResult(_Open):
    outcome: Name
    data: dict


class Manifest(_Open):
    files: dict[Name, Annotated[str, StringConstraints(strict=True,
                                                       pattern="^[0-9a-f]{64}$")]]


def _document(files: dict[str, bytes], name: str, schema=None):
    """A JSON file of the bundle, read and (with `schema`) validated; RecountError names
    the file and the field."""
    if name not in files:
        raise RecountError(f"{name} is missing from the bundle")
    try:
        data = load_json(files[name], name=name)
    except ValueError as exc:
        raise RecountError(str(exc)) from None
    if schema is None:
        return data
    try:
        return TypeAdapter(schema).validate_python(data)
    except ValidationError as exc:
        raise RecountError(f"{name}: {describe(exc)}") from None


@dataclass
class QuestionCheck:
    position: int
    title: str
    kind: str
    agrees: bool
    differences: list[str] = field(default_factory=list)
    recount: dict = field(default_factory=dict)


@dataclass
class BundleCheck:
    files_intact: bool
    signature_valid: bool | None  # None: the bundle carries no signature
    key_fingerprint: str
    problems: list[str]
    questions: list[QuestionCheck]
    sealed_checks: list[str] = field(default_factory=list)
    sealed_failure: str | None = None  # the first check of the sealed ballot box that fails

    @property
    def agrees(self) -> bool:
        return self.files_intact and self.signature_valid is not False and \
            self.sealed_failure is None and all(q.agrees for q in self.questions)

    def to_json(self) -> dict:
        return {"agrees": self.agrees, "files_intact": self.files_intact,
                "signature_valid": self.signature_valid,
                "key_fingerprint": self.key_fingerprint, "problems": self.problems,
                "sealed_checks": self.sealed_checks, "sealed_failure": self.sealed_failure,
                "questions": [{"position": q.position, "title": q.title, "kind": q.kind,
                               "agrees": q.agrees, "differences": q.differences,
                               "recount": q.recount} for q in self.questions]}


def read_bundle(path: str | Path) -> dict[str, bytes]:
    """Every file of a bundle, from a zip file or a folder."""
    path = Path(path)
    if path.is_dir():
        found = [p for p in sorted(path.iterdir()) if p.is_file()]
        if sum(p.stat().st_size for p in found) > MAX_BUNDLE_BYTES:
            raise RecountError(f"{path}: the files are larger than a bundle can be")
        return {p.name: p.read_bytes() for p in found}
    try:
        with zipfile.ZipFile(path) as bundle:
            entries = [info for info in bundle.infolist() if not info.is_dir()]
            if sum(info.file_size for info in entries) > MAX_BUNDLE_BYTES:
                raise RecountError(f"{path}: unpacked, it is larger than a bundle can be")
            return {info.filename: bundle.read(info) for info in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        if isinstance(exc, RecountError):
            raise
        raise RecountError(f"{path}: not a zip file or a folder ({exc})") from exc


def key_fingerprint(public_pem: bytes) -> str:
    """SHA-256 of the public key, grouped for reading aloud over the phone."""
    digest = hashlib.sha256(public_pem.strip()).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def check_manifest(files: dict[str, bytes]) -> tuple[bool, bool | None, str, list[str]]:
    problems = []
    if MANIFEST not in files:
        return False, None, "", ["manifest.json is missing"]
    try:
        listed = _document(files, MANIFEST, Manifest).files
    except RecountError as exc:
        return False, None, "", [str(exc)]
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append(f"{name} is listed in the manifest but missing")
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append(f"{name} has been changed since the bundle was signed")
    extra = set(files) - set(listed) - {MANIFEST, SIGNATURE, PUBLIC_KEY}
    problems += [f"{name} is not in the manifest" for name in sorted(extra)]
    intact = not problems
    signature_valid = None
    fingerprint = ""
    if SIGNATURE in files and PUBLIC_KEY in files:
        from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        fingerprint = key_fingerprint(files[PUBLIC_KEY])
        try:
            key = load_pem_public_key(files[PUBLIC_KEY])
            key.verify(base64.b64decode(files[SIGNATURE], validate=True), files[MANIFEST])
            signature_valid = True
        except (InvalidSignature, ValueError, TypeError, binascii.Error,
                UnsupportedAlgorithm, AttributeError):
            # AttributeError: a key of a kind that signs differently (not Ed25519)
            signature_valid = False
            problems.append("the signature does not match the manifest")
    return intact, signature_valid, fingerprint, problems


def _text(files: dict[str, bytes], name: str) -> str:
    if name not in files:
        raise RecountError(f"{name} is missing from the bundle")
    try:
        return files[name].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecountError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None


def recount_question(question: BundleQuestion | dict, files: dict[str, bytes]) -> dict:
    """Count one question of the bundle from its file; returns the count's report."""
    if isinstance(question, dict):
        question = BundleQuestion.model_validate(question)
    name, kind = question.file, question.kind
    if kind == "resolution":
        try:
            return tally_from_json(_document(files, name)).to_json()
        except TallyError as exc:
            raise RecountError(f"{name}: {exc}") from exc
    if question.seed is None:
        raise RecountError(f"ballot.json: question {question.position} ({name}) has no seed "
                           "for its lots")
    try:
        election = parse_blt(_text(files, name))
        if kind == "stv":
            if question.rule is None:
                raise RecountError(f"ballot.json: question {question.position} ({name}) "
                                   "names no STV rule")
            return count_stv(election.ballots, election.candidates, question.seats,
                             question.rule, withdrawn=election.withdrawn,
                             seed=question.seed).to_json()
        if question.seats > len(election.candidates):
            raise RecountError(f"{question.seats} seats but only "
                               f"{len(election.candidates)} candidates")
        return count_plurality(election.ballots, election.candidates, question.seats,
                               seed=question.seed)
    except (BltError, StvError) as exc:
        raise RecountError(f"{name}: {exc}") from exc


def _differences(kind: str, stored: dict, recount: dict) -> list[str]:
    found = []
    for key in COMPARED[kind]:
        if key == "outcome":
            continue
        if stored.get(key) != recount.get(key):
            found.append(f"{key}: stored {json.dumps(stored.get(key))[:200]}, recounted "
                         f"{json.dumps(recount.get(key))[:200]}")
    return found


def recount_bundle(path: str | Path) -> BundleCheck:
    files = read_bundle(path)
    intact, signature, fingerprint, problems = check_manifest(files)
    ballot = _document(files, "ballot.json", BundleBallot)
    stored = _document(files, "results.json", dict[Name, StoredResult])
    record, sealed_checks, sealed_failure = None, [], None
    if is_sealed(files):
        try:
            record, sealed_checks = check_sealed(files)
        except SealedCheckError as exc:
            sealed_failure = str(exc)
    checks = []
    for question in ballot.questions:
        recount = recount_question(question, files)
        qid = str(question.position)
        sealed_question = record is not None and qid in record.get("cells", {}) | \
            record.get("rankings", {})
        if sealed_question and question.kind in ("fptp", "block"):
            recount["valid_votes"] = from_totals.valid_weight(record, qid)
        kept = stored.get(str(question.position))
        if kept is None:
            differences = ["the bundle holds no stored result for this question"]
        else:
            differences = _differences(question.kind, kept.data, recount)
            if sealed_question and not _from_the_box(record, qid, question, files):
                differences.insert(0, f"{question.file} is not what the verified totals "
                                      "of the sealed ballot box give")
            outcome = recount.get("outcome", "elected")
            if kept.outcome != outcome:
                differences.insert(0, f"outcome: stored {kept.outcome}, recounted "
                                      f"{outcome}")
        checks.append(QuestionCheck(position=question.position, title=question.title,
                                    kind=question.kind, agrees=not differences,
                                    differences=differences, recount=recount))
    return BundleCheck(files_intact=intact, signature_valid=signature,
                       key_fingerprint=fingerprint, problems=problems, questions=checks,
                       sealed_checks=sealed_checks, sealed_failure=sealed_failure)


def _from_the_box(record: dict, qid: str, question, files: dict[str, bytes]) -> bool:
    """Whether the question's tally or BLT file is what the sealed record's verified totals
    (or decrypted rankings) give: the file counted is then the box's."""
    if question.kind == "resolution":
        return tally_matches(record, qid, _document(files, question.file).get("votes", []))
    election = parse_blt(_text(files, question.file))
    added: dict[tuple[int, ...], int] = {}
    for ranking, weight in election.ballots:
        added[tuple(ranking)] = added.get(tuple(ranking), 0) + weight
    given = sorted(added.items())
    if question.kind == "stv":
        return given == from_totals.stv_papers(record, qid)
    return given == sorted(from_totals.plurality_papers(record, qid,
                                                        len(election.candidates)))
