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
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .blt import BltError, parse_blt
from .plurality import count_plurality
from .stv import StvError, count_stv
from .tally import TallyError, tally_from_json

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


class RecountError(ValueError):
    """A bundle that cannot be read or counted, naming the file."""


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

    @property
    def agrees(self) -> bool:
        return self.files_intact and self.signature_valid is not False and \
            all(q.agrees for q in self.questions)

    def to_json(self) -> dict:
        return {"agrees": self.agrees, "files_intact": self.files_intact,
                "signature_valid": self.signature_valid,
                "key_fingerprint": self.key_fingerprint, "problems": self.problems,
                "questions": [{"position": q.position, "title": q.title, "kind": q.kind,
                               "agrees": q.agrees, "differences": q.differences,
                               "recount": q.recount} for q in self.questions]}


def read_bundle(path: str | Path) -> dict[str, bytes]:
    """Every file of a bundle, from a zip file or a folder."""
    path = Path(path)
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
    try:
        with zipfile.ZipFile(path) as bundle:
            return {name: bundle.read(name) for name in bundle.namelist()
                    if not name.endswith("/")}
    except zipfile.BadZipFile as exc:
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
        manifest = json.loads(files[MANIFEST])
    except json.JSONDecodeError as exc:
        return False, None, "", [f"manifest.json is not valid JSON ({exc.msg})"]
    listed = manifest.get("files", {})
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
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        fingerprint = key_fingerprint(files[PUBLIC_KEY])
        try:
            key = load_pem_public_key(files[PUBLIC_KEY])
            key.verify(base64.b64decode(files[SIGNATURE]), files[MANIFEST])
            signature_valid = True
        except (InvalidSignature, ValueError, TypeError):
            signature_valid = False
            problems.append("the signature does not match the manifest")
    return intact, signature_valid, fingerprint, problems


def _text(files: dict[str, bytes], name: str) -> str:
    if name not in files:
        raise RecountError(f"{name} is missing from the bundle")
    return files[name].decode("utf-8")


def recount_question(question: dict, files: dict[str, bytes]) -> dict:
    """Count one question of the bundle from its file; returns the count's report."""
    name = question["file"]
    kind = question["kind"]
    try:
        if kind == "resolution":
            return tally_from_json(json.loads(_text(files, name))).to_json()
        election = parse_blt(_text(files, name))
        if kind == "stv":
            return count_stv(election.ballots, election.candidates, question["seats"],
                             question["rule"], withdrawn=election.withdrawn,
                             seed=question["seed"]).to_json()
        return count_plurality(election.ballots, election.candidates, question["seats"],
                               seed=question["seed"])
    except (TallyError, BltError, StvError, json.JSONDecodeError) as exc:
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
    try:
        ballot = json.loads(_text(files, "ballot.json"))
        stored = json.loads(_text(files, "results.json"))
    except json.JSONDecodeError as exc:
        raise RecountError(f"ballot.json or results.json is not valid JSON ({exc.msg})") \
            from exc
    checks = []
    for question in ballot["questions"]:
        recount = recount_question(question, files)
        kept = stored.get(str(question["position"]))
        if kept is None:
            differences = ["the bundle holds no stored result for this question"]
        else:
            differences = _differences(question["kind"], kept["data"], recount)
            outcome = recount.get("outcome", "elected")
            if kept["outcome"] != outcome:
                differences.insert(0, f"outcome: stored {kept['outcome']}, recounted "
                                      f"{outcome}")
        checks.append(QuestionCheck(position=question["position"], title=question["title"],
                                    kind=question["kind"], agrees=not differences,
                                    differences=differences, recount=recount))
    return BundleCheck(files_intact=intact, signature_valid=signature,
                       key_fingerprint=fingerprint, problems=problems, questions=checks)
