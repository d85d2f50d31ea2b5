"""The files of the trustees' key ceremony, as strict pydantic models.

Every file is a JSON object with a "kind" and a "version". Files travel between the trustees'
machines and the platform, so each is read as hostile: exact hexadecimal lengths, points that
are elements of the group, scalars below the group order, trustee indexes in range, and no field
that the format does not name. `load` turns any fault into a `FileError` whose message names the
file and the field.

The trustee's secret file (the polynomial, the mailbox key and, after the ceremony, the share)
is sealed with a passphrase: Argon2id (libsodium's interactive limits) derives the key of a
SecretBox. It is written unlocked only when the trustee asks for that.
"""
from __future__ import annotations

import json
import secrets
import unicodedata
from typing import Annotated, Literal

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from . import group

VERSION = 1
MAX_TRUSTEES = 100
MAX_FILE_BYTES = 4 * 1024 * 1024
SHARE_BOX_BYTES = 112  # a sealed box (48 bytes) around a 32-byte label and a 32-byte scalar


class FileError(ValueError):
    """A ceremony file that cannot be read: not JSON, another kind, or a field that is wrong."""


# --- Field types ---------------------------------------------------------------------------

def _hex(nbytes: int):
    digits = 2 * nbytes

    def check(value: str) -> str:
        if len(value) != digits or value.strip("0123456789abcdef"):
            raise ValueError(f"must be {digits} lowercase hexadecimal digits")
        return value
    return AfterValidator(check)


def _point(value: str) -> str:
    group.point_decode(value)  # a GroupError names what is wrong
    return value


def _scalar(value: str) -> str:
    group.scalar_decode(value)
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in value):
        raise ValueError("must not contain control or unassigned characters")
    return value


Hex16 = Annotated[str, _hex(16)]
Hex32 = Annotated[str, _hex(32)]
PointHex = Annotated[str, _hex(32), AfterValidator(_point)]
ScalarHex = Annotated[str, _hex(32), AfterValidator(_scalar)]
ShareBox = Annotated[str, _hex(SHARE_BOX_BYTES)]
ProofPair = Annotated[list[ScalarHex], Field(min_length=2, max_length=2)]
Index = Annotated[int, Field(ge=1, le=MAX_TRUSTEES)]
Context = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_text)]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _File(_Model):
    version: Literal[1] = VERSION


def _check_threshold(n: int, k: int, index: int | None = None) -> None:
    if not 1 <= k <= n:
        raise ValueError(f"the threshold k={k} must be between 1 and n={n}")
    if index is not None and index > n:
        raise ValueError(f"index {index} is beyond the {n} trustees")


# --- The files -----------------------------------------------------------------------------

class Invitation(_File):
    """What the platform gives a trustee to start: the ceremony and the trustee's place in it."""
    kind: Literal["ceremony.invitation"] = "ceremony.invitation"
    context: Context
    election: Name
    n: Index
    k: Index
    index: Index
    trustees: Annotated[list[Name], Field(min_length=1, max_length=MAX_TRUSTEES)]

    @model_validator(mode="after")
    def _consistent(self):
        _check_threshold(self.n, self.k, self.index)
        if len(self.trustees) != self.n:
            raise ValueError(f"trustees names {len(self.trustees)} people, but n is {self.n}")
        return self


class PublicFile(_File):
    """Round 1: a trustee's Feldman commitments g^a_j with their proofs, and its mailbox key."""
    kind: Literal["ceremony.public"] = "ceremony.public"
    context: Context
    n: Index
    k: Index
    index: Index
    commitments: Annotated[list[PointHex], Field(min_length=1, max_length=MAX_TRUSTEES)]
    proofs: Annotated[list[ProofPair], Field(min_length=1, max_length=MAX_TRUSTEES)]
    mailbox: Hex32  # an X25519 public key: shares for this trustee are sealed to it

    @model_validator(mode="after")
    def _consistent(self):
        _check_threshold(self.n, self.k, self.index)
        if len(self.commitments) != self.k:
            raise ValueError(f"commitments holds {len(self.commitments)}, the threshold k is "
                             f"{self.k}")
        if len(self.proofs) != self.k:
            raise ValueError(f"proofs holds {len(self.proofs)}, the threshold k is {self.k}")
        return self

    def commitment_points(self) -> list[group.Point]:
        return [group.point_decode(value) for value in self.commitments]


class PublicsFile(_File):
    """Every trustee's public file, as the platform hands them out for round 2."""
    kind: Literal["ceremony.publics"] = "ceremony.publics"
    context: Context
    publics: Annotated[list[PublicFile], Field(min_length=1, max_length=MAX_TRUSTEES)]

    @model_validator(mode="after")
    def _consistent(self):
        for position, public in enumerate(self.publics, start=1):
            if public.index != position:
                raise ValueError(f"publics[{position - 1}] is trustee {public.index}'s file; "
                                 f"trustee {position}'s belongs there")
        return self


class SealedShare(_Model):
    recipient: Index
    box: ShareBox


class SharesFile(_File):
    """Round 2: the sender's polynomial at each other trustee's index, sealed to its mailbox."""
    kind: Literal["ceremony.shares"] = "ceremony.shares"
    context: Context
    index: Index
    publics_digest: Hex32  # the public files the sender checked: all trustees saw the same
    shares: Annotated[list[SealedShare], Field(max_length=MAX_TRUSTEES)]

    @model_validator(mode="after")
    def _consistent(self):
        seen = set()
        for share in self.shares:
            if share.recipient == self.index:
                raise ValueError(f"trustee {self.index} sends a share to itself")
            if share.recipient in seen:
                raise ValueError(f"two shares for trustee {share.recipient}")
            seen.add(share.recipient)
        return self


class RelayedShare(_Model):
    sender: Index
    box: ShareBox


class RelayedShares(_File):
    """The shares addressed to one trustee, gathered by the platform from every shares file."""
    kind: Literal["ceremony.relayed"] = "ceremony.relayed"
    context: Context
    index: Index
    publics_digest: Hex32
    shares: Annotated[list[RelayedShare], Field(max_length=MAX_TRUSTEES)]

    @model_validator(mode="after")
    def _consistent(self):
        seen = set()
        for share in self.shares:
            if share.sender == self.index:
                raise ValueError(f"a share from trustee {self.index} to itself")
            if share.sender in seen:
                raise ValueError(f"two shares from trustee {share.sender}")
            seen.add(share.sender)
        return self


class Complaint(_Model):
    against: Index
    # missing: no share came; undecryptable: the box does not open; misaddressed: it opens but
    # is labelled for another sender, recipient or ceremony; mismatch: it fails the commitments.
    reason: Literal["missing", "undecryptable", "misaddressed", "mismatch"]


class FinishFile(_File):
    """Round 3: the trustee's public share g^s with a proof, or complaints naming senders."""
    kind: Literal["ceremony.finish"] = "ceremony.finish"
    context: Context
    index: Index
    publics_digest: Hex32
    joint_key: PointHex | None = None
    public_share: PointHex | None = None
    proof: ProofPair | None = None
    complaints: Annotated[list[Complaint], Field(max_length=MAX_TRUSTEES)] = []

    @model_validator(mode="after")
    def _consistent(self):
        present = [self.joint_key is not None, self.public_share is not None,
                   self.proof is not None]
        if self.complaints:
            if any(present):
                raise ValueError("a file with complaints carries no public share, proof or "
                                 "joint key")
            against = [complaint.against for complaint in self.complaints]
            if self.index in against:
                raise ValueError(f"trustee {self.index} complains against itself")
            if len(set(against)) != len(against):
                raise ValueError("two complaints against the same trustee")
        elif not all(present):
            raise ValueError("joint_key, public_share and proof are all needed when there "
                             "are no complaints")
        return self


class TrusteeSecret(_Model):
    """What a trustee keeps: never uploaded. The secret fields are kept out of repr()."""
    context: Context
    election: str = Field(default="", max_length=200)
    trustees: Annotated[list[str], Field(max_length=MAX_TRUSTEES)] = []
    n: Index
    k: Index
    index: Index
    coefficients: Annotated[list[ScalarHex], Field(min_length=1, max_length=MAX_TRUSTEES,
                                                   repr=False)]
    mailbox: Annotated[Hex32, Field(repr=False)]  # the X25519 private key
    publics_digest: Hex32 | None = None  # set after the ceremony, with the share
    joint_key: PointHex | None = None
    share: Annotated[ScalarHex | None, Field(repr=False)] = None

    @model_validator(mode="after")
    def _consistent(self):
        _check_threshold(self.n, self.k, self.index)
        if len(self.coefficients) != self.k:
            raise ValueError(f"the polynomial has {len(self.coefficients)} coefficients, the "
                             f"threshold k is {self.k}")
        return self


class SecretFile(_File):
    """The secret on disk: locked (a SecretBox under an Argon2id key) or, if asked, in clear.
    The context and index are repeated outside so a locked file can be recognised."""
    kind: Literal["ceremony.secret"] = "ceremony.secret"
    context: Context
    index: Index
    locked: bool
    kdf: Literal["argon2id"] | None = None
    salt: Hex16 | None = None
    opslimit: Annotated[int, Field(ge=argon2id.OPSLIMIT_MIN,
                                   le=argon2id.OPSLIMIT_SENSITIVE)] | None = None
    memlimit: Annotated[int, Field(ge=argon2id.MEMLIMIT_MIN,
                                   le=argon2id.MEMLIMIT_SENSITIVE)] | None = None
    box: Annotated[str, Field(max_length=65536)] | None = None
    secret: TrusteeSecret | None = None

    @model_validator(mode="after")
    def _consistent(self):
        sealed = [self.kdf, self.salt, self.opslimit, self.memlimit, self.box]
        if self.locked:
            if any(value is None for value in sealed) or self.secret is not None:
                raise ValueError("a locked secret file has kdf, salt, opslimit, memlimit and "
                                 "box, and no secret in clear")
            if len(self.box) % 2 or self.box.strip("0123456789abcdef"):
                raise ValueError("box must be lowercase hexadecimal digits")
        elif self.secret is None or any(value is not None for value in sealed):
            raise ValueError("an unlocked secret file has the secret and nothing sealed")
        return self


MODELS: dict[str, type[_File]] = {
    "invitation": Invitation,
    "public": PublicFile,
    "publics": PublicsFile,
    "shares": SharesFile,
    "relayed": RelayedShares,
    "finish": FinishFile,
    "secret": SecretFile,
}
LABELS = {
    "invitation": "ceremony invitation",
    "public": "public file",
    "publics": "list of public files",
    "shares": "shares file",
    "relayed": "relayed shares file",
    "finish": "finish file",
    "secret": "secret file",
}
_KIND_VALUES = {model.model_fields["kind"].default: name for name, model in MODELS.items()}


# --- Reading and writing -------------------------------------------------------------------

def _where(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(error: ValidationError) -> str:
    """The first problem pydantic found, in words: which field and what is wrong with it."""
    problems = error.errors(include_url=False)
    first = problems[0]
    where = _where(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        text = f"unexpected field '{where}'"
    elif first["type"] == "missing":
        text = f"missing field '{where}'"
    elif where:
        text = f"field '{where}': {message}"
    else:
        text = message
    if len(problems) > 1:
        text += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    return text


def load(kind: str, raw: bytes | str | dict):
    """The file of this kind, from its bytes (or an already parsed JSON object)."""
    model, label = MODELS[kind], LABELS[kind]
    if isinstance(raw, dict):
        data = raw
    else:
        if len(raw) > MAX_FILE_BYTES:
            raise FileError(f"{label}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise FileError(f"{label}: not JSON") from None
    if not isinstance(data, dict):
        raise FileError(f"{label}: not a JSON object")
    found = data.get("kind")
    if found != model.model_fields["kind"].default:
        if isinstance(found, str) and found in _KIND_VALUES:
            raise FileError(f"this is a {LABELS[_KIND_VALUES[found]]}, not a {label}")
        raise FileError(f"not a {label}: its kind is {json.dumps(found)[:60]}")
    if data.get("version") != VERSION:
        raise FileError(f"{label}: version {json.dumps(data.get('version'))[:20]} is not "
                        f"supported (this platform reads version {VERSION})")
    if isinstance(raw, dict):
        try:
            raw = json.dumps(raw)
        except (TypeError, ValueError, RecursionError):
            raise FileError(f"{label}: holds values JSON cannot carry") from None
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise FileError(f"{label}: {describe(error)}") from None


def dump(model: BaseModel) -> bytes:
    return model.model_dump_json(indent=2).encode() + b"\n"


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), salt,
                        opslimit=opslimit, memlimit=memlimit)


def secret_dump(secret: TrusteeSecret, passphrase: str | None) -> bytes:
    """The secret file: sealed under the passphrase, or in clear when the passphrase is None."""
    if passphrase is None:
        return dump(SecretFile(context=secret.context, index=secret.index, locked=False,
                               secret=secret))
    if not passphrase:
        raise FileError("the passphrase is empty")
    salt = secrets.token_bytes(argon2id.SALTBYTES)
    opslimit, memlimit = argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE
    box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
    sealed = box.encrypt(secret.model_dump_json().encode(),
                         secrets.token_bytes(nacl.secret.SecretBox.NONCE_SIZE))
    return dump(SecretFile(context=secret.context, index=secret.index, locked=True,
                           kdf="argon2id", salt=salt.hex(), opslimit=opslimit,
                           memlimit=memlimit, box=bytes(sealed).hex()))


def secret_locked(raw: bytes) -> bool:
    return load("secret", raw).locked


def secret_load(raw: bytes, passphrase: str | None) -> TrusteeSecret:
    """The trustee's secret; a locked file needs its passphrase."""
    outer = load("secret", raw)
    if not outer.locked:
        return outer.secret
    if passphrase is None:
        raise FileError("secret file: it is locked, and no passphrase was given")
    key = _key(passphrase, bytes.fromhex(outer.salt), outer.opslimit, outer.memlimit)
    try:
        clear = nacl.secret.SecretBox(key).decrypt(bytes.fromhex(outer.box))
    except (nacl.exceptions.CryptoError, ValueError):
        raise FileError("secret file: wrong passphrase (or the file is damaged)") from None
    try:
        secret = TrusteeSecret.model_validate_json(clear)
    except ValidationError as error:
        raise FileError(f"secret file: the sealed secret is malformed: {describe(error)}") \
            from None
    if (secret.context, secret.index) != (outer.context, outer.index):
        raise FileError("secret file: the sealed secret belongs to another ceremony or trustee")
    return secret
