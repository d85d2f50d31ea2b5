"""The trustees' key ceremony: a k-of-n joint ElGamal key by Feldman verifiable secret sharing,
in the shape of ElectionGuard's key ceremony. Nobody, the platform included, ever holds the
joint secret key; any k trustees together can decrypt.

Three rounds, each an upload to the platform:

1. keygen: trustee i picks a random polynomial f_i of degree k-1 and publishes the commitments
   C_ij = g^a_ij, each with a Schnorr proof of knowledge bound to (context, n, k, i, j), and an
   X25519 mailbox key for receiving shares.
2. shares: trustee i checks everyone's public file and seals f_i(l), labelled with
   (context, i, l), to each other trustee l's mailbox (a libsodium sealed box).
3. finish: trustee l opens the shares addressed to it, checks each against its sender's
   commitments (g^f_i(l) = prod_j C_ij^(l^j)), and publishes S_l = g^s_l for its share
   s_l = sum_i f_i(l), with a Schnorr proof; or a complaint naming the sender whose share failed.

The joint key is K = prod_i C_i0, and the platform computes every S_l from the commitments alone,
so a trustee cannot publish a public share that does not belong to the key. Where the platform
holds one share itself (a small mutual), it runs the trustee's functions for its own index.

The trustee side (keygen, shares_make, shares_finish) runs offline on the trustee's machine; the
platform side (the *_check functions, relayed_for, expected_public_share, joint_key) is pure and
needs no secret.
"""
from __future__ import annotations

import secrets

import nacl.exceptions
from nacl import bindings as sodium
from nacl.public import PrivateKey, PublicKey, SealedBox

from . import files, group, hashing
from .files import (
    Complaint,
    FileError,
    FinishFile,
    PublicFile,
    RelayedShare,
    RelayedShares,
    SealedShare,
    SharesFile,
    TrusteeSecret,
)
from .group import Point
from .proofs import Proof, schnorr_prove, schnorr_verify


class CeremonyError(ValueError):
    """A ceremony file or step that is refused; the message names the trustee and the field."""


# --- What each proof and share is bound to ---------------------------------------------------

def _commitment_context(context: str, n: int, k: int, index: int, j: int) -> list:
    return ["ceremony-commitment", context, n, k, index, j]


def _public_share_context(context: str, n: int, k: int, index: int) -> list:
    return ["ceremony-public-share", context, n, k, index]


def _share_label(context: str, sender: int, recipient: int) -> bytes:
    # A sealed box has no associated data, so the binding travels inside it: a box moved to
    # another sender's or recipient's slot, or another ceremony, opens to the wrong label.
    return hashing.digest("ceremony-share", context, sender, recipient)


def public_digest(public: PublicFile) -> bytes:
    """The whole of a public file, hashed: what the fingerprint and publics_digest are made of."""
    return hashing.digest(
        "ceremony-public", public.context, public.n, public.k, public.index,
        public.commitment_points(), bytes.fromhex(public.mailbox),
        [[group.scalar_decode(c), group.scalar_decode(r)] for c, r in public.proofs])


def publics_digest(publics: list[PublicFile]) -> str:
    return hashing.digest("ceremony-publics", [public_digest(p) for p in publics]).hex()


def fingerprint(public: PublicFile) -> str:
    """A short form of a public file for trustees to compare with each other out of band
    (by phone, in person): it shows that the platform relayed the file the trustee made."""
    digits = public_digest(public)[:10].hex()
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


# --- Polynomials -----------------------------------------------------------------------------

def _evaluate(coefficients: list[int], x: int) -> int:
    value = 0
    for coefficient in reversed(coefficients):
        value = (value * x + coefficient) % group.Q
    return value


def _committed_value(public: PublicFile, x: int) -> Point:
    """g^f(x) from the commitments alone: prod_j C_j^(x^j)."""
    return group.multi_mul((point, pow(x, j, group.Q))
                           for j, point in enumerate(public.commitment_points()))


def _coefficients(secret: TrusteeSecret) -> list[int]:
    return [group.scalar_decode(value) for value in secret.coefficients]


def _scalar_bytes(value: int) -> bytes:
    return bytes.fromhex(group.scalar_hex(value))


# --- Parsing ---------------------------------------------------------------------------------

def _parse(kind: str, data, who: str):
    if isinstance(data, files.MODELS[kind]):
        return data
    try:
        return files.load(kind, data)
    except FileError as error:
        # "trustee 2's public file: field 'mailbox': ...", not the file's name twice
        detail = str(error).removeprefix(f"{files.LABELS[kind]}: ")
        raise CeremonyError(f"{who}: {detail}") from None


def _check_parameters(n: int, k: int, index: int) -> None:
    if not 1 <= n <= files.MAX_TRUSTEES:
        raise CeremonyError(f"n={n}: a ceremony has between 1 and {files.MAX_TRUSTEES} trustees")
    if not 1 <= k <= n:
        raise CeremonyError(f"the threshold k={k} must be between 1 and n={n}")
    if not 1 <= index <= n:
        raise CeremonyError(f"index {index} is not between 1 and n={n}")


def _publics_in_order(publics: list[PublicFile], n: int) -> list[PublicFile]:
    if len(publics) != n:
        raise CeremonyError(f"{len(publics)} public files, for {n} trustees")
    for position, public in enumerate(publics, start=1):
        if public.index != position:
            raise CeremonyError(f"public file {position} in the list is trustee "
                                f"{public.index}'s")
    return publics


def _mailbox_usable(mailbox: str) -> bool:
    # libsodium refuses a key whose shared secret would be all zeros (a low-order point): a
    # share sealed to it would be readable by anyone, so such a key is refused in round 1.
    try:
        sodium.crypto_scalarmult(secrets.token_bytes(32), bytes.fromhex(mailbox))
    except nacl.exceptions.CryptoError:
        return False
    return True


# --- The platform's checks -------------------------------------------------------------------

def public_check(context: str, n: int, k: int, index: int, data) -> PublicFile:
    """Trustee `index`'s public file, refused unless it is for this ceremony and every
    commitment's proof of knowledge verifies."""
    who = f"trustee {index}'s public file"
    public = _parse("public", data, who)
    if public.context != context:
        raise CeremonyError(f"{who}: context is {public.context!r}, not this ceremony's "
                            f"{context!r}")
    if (public.n, public.k) != (n, k):
        raise CeremonyError(f"{who}: n and k are {public.n} and {public.k}, not {n} and {k}")
    if public.index != index:
        raise CeremonyError(f"{who}: index is {public.index}, not {index}")
    if not _mailbox_usable(public.mailbox):
        raise CeremonyError(f"{who}: mailbox is not a usable X25519 key (a low-order point)")
    for j, (point, pair) in enumerate(zip(public.commitment_points(), public.proofs,
                                          strict=True)):
        proof = Proof.from_json(pair)
        if not schnorr_verify(point, proof, _commitment_context(context, n, k, index, j)):
            raise CeremonyError(f"{who}: the proof for commitments[{j}] does not verify")
    return public


def publics_check(context: str, n: int, k: int, publics) -> list[PublicFile]:
    """Every trustee's public file, in index order, each checked."""
    if len(publics) != n:
        raise CeremonyError(f"{len(publics)} public files, for {n} trustees")
    return [public_check(context, n, k, index, data)
            for index, data in enumerate(publics, start=1)]


def shares_check(context: str, publics: list[PublicFile], index: int, data) -> SharesFile:
    """Trustee `index`'s shares file: one sealed share for every other trustee, made after
    checking the same public files as everyone else."""
    who = f"trustee {index}'s shares file"
    n = len(publics)
    _publics_in_order(publics, n)
    shares = _parse("shares", data, who)
    if shares.context != context:
        raise CeremonyError(f"{who}: context is {shares.context!r}, not this ceremony's "
                            f"{context!r}")
    if shares.index != index:
        raise CeremonyError(f"{who}: index is {shares.index}, not {index}")
    if shares.publics_digest != publics_digest(publics):
        raise CeremonyError(f"{who}: publics_digest is not the digest of the public files; "
                            "it was made from other public files")
    recipients = sorted(share.recipient for share in shares.shares)
    expected = [other for other in range(1, n + 1) if other != index]
    if recipients != expected:
        missing = sorted(set(expected) - set(recipients))
        extra = sorted(set(recipients) - set(expected))
        raise CeremonyError(f"{who}: shares must go to trustees {expected}"
                            + (f"; missing {missing}" if missing else "")
                            + (f"; no trustee {extra}" if extra else ""))
    return shares


def relayed_for(shares_files: list[SharesFile], index: int) -> RelayedShares:
    """What the platform hands trustee `index` in round 3: the share each other trustee sealed
    to it. The shares files must all have been checked, and agree on the ceremony."""
    if not shares_files:
        raise CeremonyError("no shares files to relay")
    first = shares_files[0]
    relayed = []
    for shares in shares_files:
        if (shares.context, shares.publics_digest) != (first.context, first.publics_digest):
            raise CeremonyError(f"trustee {shares.index}'s shares file is for other public "
                                f"files or another ceremony than trustee {first.index}'s")
        if shares.index == index:
            continue
        boxes = [share.box for share in shares.shares if share.recipient == index]
        if len(boxes) != 1:
            raise CeremonyError(f"trustee {shares.index}'s shares file has no share for "
                                f"trustee {index}")
        relayed.append(RelayedShare(sender=shares.index, box=boxes[0]))
    relayed.sort(key=lambda share: share.sender)
    return RelayedShares(context=first.context, index=index,
                         publics_digest=first.publics_digest, shares=relayed)


def joint_key(publics: list[PublicFile]) -> Point:
    """K = prod_i C_i0, the election's public key."""
    return group.point_sum(public.commitment_points()[0] for public in publics)


def expected_public_share(publics: list[PublicFile], index: int) -> Point:
    """S_l = g^s_l for s_l = sum_i f_i(l), computed from the commitments alone."""
    return group.point_sum(_committed_value(public, index) for public in publics)


def finish_check(context: str, publics: list[PublicFile], index: int, data) -> FinishFile:
    """Trustee `index`'s finish file: its public share must be the one the commitments give,
    with a proof that the trustee knows the share, and the joint key the platform computes.
    A file with complaints is returned for the platform to act on."""
    who = f"trustee {index}'s finish file"
    n = len(publics)
    _publics_in_order(publics, n)
    finish = _parse("finish", data, who)
    if finish.context != context:
        raise CeremonyError(f"{who}: context is {finish.context!r}, not this ceremony's "
                            f"{context!r}")
    if finish.index != index:
        raise CeremonyError(f"{who}: index is {finish.index}, not {index}")
    if finish.publics_digest != publics_digest(publics):
        raise CeremonyError(f"{who}: publics_digest is not the digest of the public files; "
                            "it was made from other public files")
    if finish.complaints:
        for complaint in finish.complaints:
            if complaint.against > n:
                raise CeremonyError(f"{who}: complains against trustee {complaint.against}, "
                                    f"beyond the {n} trustees")
        return finish
    if group.point_decode(finish.joint_key) != joint_key(publics):
        raise CeremonyError(f"{who}: joint_key is not the joint key of the commitments")
    share = group.point_decode(finish.public_share)
    if share != expected_public_share(publics, index):
        raise CeremonyError(f"{who}: public_share does not match the commitments")
    k = publics[0].k
    if not schnorr_verify(share, Proof.from_json(finish.proof),
                          _public_share_context(context, n, k, index)):
        raise CeremonyError(f"{who}: the proof for public_share does not verify")
    return finish


# --- The trustee's side ----------------------------------------------------------------------

def keygen(context: str, index: int, n: int, k: int) -> tuple[TrusteeSecret, PublicFile]:
    """Round 1: a fresh polynomial and mailbox; the secret to keep and the public file to
    upload."""
    _check_parameters(n, k, index)
    coefficients = [group.random_scalar() for _ in range(k)]
    mailbox = PrivateKey(secrets.token_bytes(PrivateKey.SIZE))
    public = PublicFile(
        context=context, n=n, k=k, index=index,
        commitments=[group.base_mul(a).hex() for a in coefficients],
        proofs=[schnorr_prove(a, _commitment_context(context, n, k, index, j)).to_json()
                for j, a in enumerate(coefficients)],
        mailbox=bytes(mailbox.public_key).hex())
    secret = TrusteeSecret(context=context, n=n, k=k, index=index,
                           coefficients=[group.scalar_hex(a) for a in coefficients],
                           mailbox=bytes(mailbox).hex())
    return secret, public


def _own_public_check(secret: TrusteeSecret, public: PublicFile) -> None:
    mine = [group.base_mul(a).hex() for a in _coefficients(secret)]
    mailbox = bytes(PrivateKey(bytes.fromhex(secret.mailbox)).public_key).hex()
    if public.commitments != mine or public.mailbox != mailbox:
        raise CeremonyError(f"the public file for trustee {secret.index} (this trustee) is not "
                            "the one this secret made")


def _publics_for(secret: TrusteeSecret, publics) -> list[PublicFile]:
    checked = publics_check(secret.context, secret.n, secret.k, publics)
    _own_public_check(secret, checked[secret.index - 1])
    return checked


def shares_make(secret: TrusteeSecret, publics) -> SharesFile:
    """Round 2: check every public file, then seal f_i(l) to each other trustee l."""
    publics = _publics_for(secret, publics)
    coefficients = _coefficients(secret)
    shares = []
    for public in publics:
        if public.index == secret.index:
            continue
        plain = (_share_label(secret.context, secret.index, public.index)
                 + _scalar_bytes(_evaluate(coefficients, public.index)))
        try:
            box = SealedBox(PublicKey(bytes.fromhex(public.mailbox))).encrypt(plain)
        except nacl.exceptions.CryptoError:
            raise CeremonyError(f"trustee {public.index}'s public file: mailbox is not a "
                                "usable key") from None
        shares.append(SealedShare(recipient=public.index, box=bytes(box).hex()))
    return SharesFile(context=secret.context, index=secret.index,
                      publics_digest=publics_digest(publics), shares=shares)


def _open_share(secret: TrusteeSecret, opener: SealedBox, public: PublicFile,
                box: str | None) -> tuple[int | None, str | None]:
    """The share sent by `public`'s trustee, or the reason for a complaint."""
    if box is None:
        return None, "missing"
    try:
        plain = opener.decrypt(bytes.fromhex(box))
    except nacl.exceptions.CryptoError:
        return None, "undecryptable"
    if len(plain) != 64 or plain[:32] != _share_label(secret.context, public.index,
                                                       secret.index):
        return None, "misaddressed"
    value = int.from_bytes(plain[32:], "little")
    if value >= group.Q or group.base_mul(value) != _committed_value(public, secret.index):
        return None, "mismatch"
    return value, None


def shares_finish(secret: TrusteeSecret, publics, relayed) -> tuple[int | None, FinishFile]:
    """Round 3: open and check the shares addressed to this trustee. Returns the trustee's
    share of the joint key and the finish file; when a share fails, the share is None and the
    finish file carries a complaint against each trustee whose share failed."""
    publics = _publics_for(secret, publics)
    digest = publics_digest(publics)
    relayed = _parse("relayed", relayed, "the relayed shares")
    if relayed.context != secret.context:
        raise CeremonyError(f"the relayed shares: context is {relayed.context!r}, not this "
                            f"ceremony's {secret.context!r}")
    if relayed.index != secret.index:
        raise CeremonyError(f"the relayed shares are for trustee {relayed.index}, not "
                            f"{secret.index}")
    if relayed.publics_digest != digest:
        raise CeremonyError("the relayed shares were made from other public files than these")
    boxes = {share.sender: share.box for share in relayed.shares}
    opener = SealedBox(PrivateKey(bytes.fromhex(secret.mailbox)))
    total = _evaluate(_coefficients(secret), secret.index)
    complaints = []
    for public in publics:
        if public.index == secret.index:
            continue
        value, reason = _open_share(secret, opener, public, boxes.get(public.index))
        if reason:
            complaints.append(Complaint(against=public.index, reason=reason))
        else:
            total = (total + value) % group.Q
    if complaints:
        return None, FinishFile(context=secret.context, index=secret.index,
                                publics_digest=digest, complaints=complaints)
    public_share = group.base_mul(total)
    # Every share matched its commitments, so this holds; a failure would be a defect here.
    if public_share != expected_public_share(publics, secret.index):
        raise CeremonyError("the share does not match the commitments")
    proof = schnorr_prove(total, _public_share_context(secret.context, secret.n, secret.k,
                                                       secret.index))
    return total, FinishFile(context=secret.context, index=secret.index,
                             publics_digest=digest, joint_key=joint_key(publics).hex(),
                             public_share=public_share.hex(), proof=proof.to_json())


def secret_finished(secret: TrusteeSecret, share: int, publics: list[PublicFile]) -> TrusteeSecret:
    """The secret to keep after the ceremony: with the share and the key it belongs to."""
    return secret.model_copy(update={"share": group.scalar_hex(share),
                                     "joint_key": joint_key(publics).hex(),
                                     "publics_digest": publics_digest(publics)})


__all__ = [
    "CeremonyError", "keygen", "shares_make", "shares_finish", "secret_finished",
    "public_check", "publics_check", "shares_check", "relayed_for", "finish_check",
    "expected_public_share", "joint_key", "public_digest", "publics_digest", "fingerprint",
]
