"""The trustee's offline tool for the sealed ballot box's key ceremony. It needs no database and
no network: the trustee carries files between this machine and the platform.

    manage.py trustee keygen INVITATION.json --out DIR   round 1: writes DIR/public.json
    manage.py trustee shares DIR PUBLICS.json            round 2: writes DIR/shares.json
    manage.py trustee finish DIR RELAYED.json            round 3: writes DIR/finish.json
    manage.py trustee count DIR PACKAGE.json             after the close: DIR/count-response.json
    manage.py trustee show DIR                           what DIR holds, without the passphrase

DIR keeps the trustee's secret (secret.json, sealed with a passphrase from TRUSTEE_PASSPHRASE
or typed at the prompt), the invitation and every file made or checked along the way.
"""
from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ballots.crypto import ceremony, files, group
from ballots.crypto.ceremony import CeremonyError
from ballots.crypto.files import FileError
from ballots.crypto.record import RecordError
from ballots.crypto.trustee_count import respond

PASSPHRASE_ENV = "TRUSTEE_PASSPHRASE"
MIN_PASSPHRASE = 8
COUNT_PACKAGE_BYTES = 2**31  # a million papers' box is a few gigabytes of JSON

INVITATION, SECRET, PUBLIC = "invitation.json", "secret.json", "public.json"
PUBLICS, SHARES, FINISH = "publics.json", "shares.json", "finish.json"


def _terminal() -> bool:
    """Whether a passphrase can be typed: without a terminal, getpass would read it echoed
    from standard input."""
    return sys.stdin.isatty()


def _ask(prompt: str) -> str:
    if not _terminal():
        raise CommandError(f"no passphrase: set {PASSPHRASE_ENV} or run in a terminal")
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CommandError(f"no passphrase: set {PASSPHRASE_ENV} or run in a terminal") from None


def _read(path: Path, limit: int = files.MAX_FILE_BYTES) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise CommandError(f"{path}: larger than {limit // (1024 * 1024)} MB")
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from None


def _load(kind: str, path: Path):
    try:
        return files.load(kind, _read(path))
    except FileError as error:
        raise CommandError(f"{path}: {error}") from None


def _write(path: Path, data: bytes, *, private: bool = False, replace: bool = True) -> None:
    """Write through a temporary file and a rename, so a crash never leaves half a file; the
    secret is readable by its owner alone."""
    temporary = path.with_name(f".{path.name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        descriptor = os.open(temporary, flags, 0o600 if private else 0o644)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if not replace and path.exists():
            temporary.unlink()
            raise CommandError(f"{path} already exists")
        os.replace(temporary, path)
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from None


class Command(BaseCommand):
    help = ("The trustee's side of the sealed ballot box's key ceremony, offline: keygen, "
            "shares, finish and show. Needs no database.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        keygen = actions.add_parser("keygen", help="round 1: make this trustee's key and "
                                    "public file from the platform's invitation")
        keygen.add_argument("invitation", type=Path, help="the invitation file")
        keygen.add_argument("--out", type=Path, required=True,
                            help="the folder to keep this trustee's files in (new or empty)")
        keygen.add_argument("--no-passphrase", action="store_true",
                            help="keep the secret unlocked (anyone who copies the file has it)")

        shares = actions.add_parser("shares", help="round 2: check every trustee's public "
                                    "file and seal a share for each")
        shares.add_argument("dir", type=Path)
        shares.add_argument("publics", type=Path, help="every trustee's public file, from the "
                            "platform")

        finish = actions.add_parser("finish", help="round 3: open and check the shares sent to "
                                    "this trustee and publish the public share")
        finish.add_argument("dir", type=Path)
        finish.add_argument("relayed", type=Path, help="the shares relayed by the platform")

        show = actions.add_parser("show", help="what the folder holds, without the passphrase")
        show.add_argument("dir", type=Path)
        count = actions.add_parser("count", help="after the close: check the box, add it up "
                                   "and decrypt the totals (and mix or decrypt the rankings)")
        count.add_argument("dir", type=Path)
        count.add_argument("package", type=Path, help="the count package from the platform")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except (CeremonyError, FileError, RecordError) as error:
            raise CommandError(str(error)) from None

    # --- Passphrases --------------------------------------------------------------------

    def _passphrase_new(self) -> str:
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            passphrase = _ask("Passphrase for the secret file: ")
            again = _ask("The same passphrase again: ")
            if passphrase != again:
                raise CommandError("the two passphrases differ")
        if len(passphrase) < MIN_PASSPHRASE:
            raise CommandError(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
        return passphrase

    def _passphrase(self) -> str:
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            passphrase = _ask("Passphrase for the secret file: ")
        return passphrase

    def _secret(self, folder: Path):
        """The trustee's secret, and the passphrase it was sealed with (None if unlocked)."""
        raw = _read(folder / SECRET)
        try:
            locked = files.secret_locked(raw)
        except FileError as error:
            raise CommandError(f"{folder / SECRET}: {error}") from None
        passphrase = self._passphrase() if locked else None
        try:
            return files.secret_load(raw, passphrase), passphrase
        except FileError as error:
            raise CommandError(f"{folder / SECRET}: {error}") from None

    # --- The rounds ---------------------------------------------------------------------

    def _keygen(self, options):
        invitation = _load("invitation", options["invitation"])
        folder: Path = options["out"]
        if (folder / SECRET).exists():
            raise CommandError(f"{folder} already holds a secret: a new key would replace it")
        passphrase = None
        if options["no_passphrase"]:
            self.stderr.write("Warning: the secret is written unlocked; anyone who copies "
                              f"{folder / SECRET} can act as this trustee.")
        else:
            passphrase = self._passphrase_new()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"{folder}: {error.strerror or error}") from None
        secret, public = ceremony.keygen(invitation.context, invitation.index, invitation.n,
                                         invitation.k)
        secret = secret.model_copy(update={"election": invitation.election,
                                           "trustees": invitation.trustees})
        _write(folder / SECRET, files.secret_dump(secret, passphrase), private=True,
               replace=False)
        _write(folder / INVITATION, files.dump(invitation))
        _write(folder / PUBLIC, files.dump(public))
        self.stdout.write(
            f"Trustee {invitation.index} of {invitation.n} for {invitation.election}.\n"
            f"Upload {folder / PUBLIC} to the platform.\n"
            f"Your fingerprint: {ceremony.fingerprint(public)}\n"
            "Read it to the other trustees; they will see it when they make their shares.")

    def _shares(self, options):
        folder: Path = options["dir"]
        secret, _ = self._secret(folder)
        raw = _read(options["publics"])
        try:
            publics = files.load("publics", raw)
        except FileError as error:
            raise CommandError(f"{options['publics']}: {error}") from None
        if publics.context != secret.context:
            raise CommandError(f"{options['publics']}: context is {publics.context!r}, not "
                               f"this trustee's {secret.context!r}")
        previous = folder / PUBLICS
        if previous.exists() and files.load("publics", _read(previous)) != publics:
            raise CommandError(f"shares were already made for other public files "
                               f"({previous}); sending them again to other keys could reveal "
                               "them: ask the other trustees what happened")
        shares = ceremony.shares_make(secret, publics.publics)
        _write(previous, files.dump(publics))
        _write(folder / SHARES, files.dump(shares))
        names = secret.trustees or [""] * secret.n
        lines = ["Every public file checks. Confirm each fingerprint with its trustee:"]
        for public, name in zip(publics.publics, names, strict=False):
            mark = " (you)" if public.index == secret.index else ""
            lines.append(f"  {public.index}. {name}{mark}: {ceremony.fingerprint(public)}")
        lines.append(f"Upload {folder / SHARES} to the platform.")
        self.stdout.write("\n".join(lines))

    def _finish(self, options):
        folder: Path = options["dir"]
        secret, passphrase = self._secret(folder)
        if secret.share is not None:
            raise CommandError(f"{folder} has finished the ceremony already")
        if not (folder / PUBLICS).exists():
            raise CommandError(f"{folder} has no {PUBLICS}: make the shares first "
                               "(`trustee shares`)")
        publics = _load("publics", folder / PUBLICS)
        relayed_raw = _read(options["relayed"])
        try:
            relayed = files.load("relayed", relayed_raw)
        except FileError as error:
            raise CommandError(f"{options['relayed']}: {error}") from None
        share, finish = ceremony.shares_finish(secret, publics.publics, relayed)
        if share is None:
            _write(folder / FINISH, files.dump(finish))
            against = ", ".join(f"trustee {c.against} ({c.reason})" for c in finish.complaints)
            self.stderr.write(f"A share failed its checks; complaint against {against}.")
            self.stdout.write(f"Upload {folder / FINISH} to the platform: it carries the "
                              "complaint, and the ceremony cannot finish until it is settled.")
            return
        # The finish file first: if the machine stops before the secret is rewritten, running
        # finish again makes both (the polynomial and the mailbox key are still in the secret).
        _write(folder / FINISH, files.dump(finish))
        finished = ceremony.secret_finished(secret, share, publics.publics)
        _write(folder / SECRET, files.secret_dump(finished, passphrase), private=True)
        self.stdout.write(f"Every share checks. Joint key: {finish.joint_key}\n"
                          f"Your public share: {finish.public_share}\n"
                          f"Upload {folder / FINISH} to the platform, and keep {folder / SECRET} "
                          "and its passphrase safe until the count.")

    def _count(self, options):
        folder: Path = options["dir"]
        secret, _passphrase = self._secret(folder)
        if secret.share is None:
            raise CommandError(f"{folder} has not finished the key ceremony: it holds no share")
        raw = _read(options["package"], limit=COUNT_PACKAGE_BYTES)
        try:
            package = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise CommandError(f"{options['package']}: not JSON") from None
        if not isinstance(package, dict) or package.get("kind") != "count-package":
            raise CommandError(f"{options['package']}: not a count package")
        if package.get("manifest", {}).get("context") != secret.context:
            raise CommandError(f"{options['package']}: it is for another ballot key than the "
                               "one in this folder")
        if package.get("manifest", {}).get("key") != secret.joint_key:
            raise CommandError(f"{options['package']}: its ballot key is not the joint key "
                               "this folder's ceremony made")
        if not package.get("needs"):
            raise CommandError("the package asks nothing of you now")
        try:
            response = respond(package, secret.index, group.scalar_decode(secret.share))
        except (KeyError, TypeError) as error:
            raise CommandError(f"{options['package']}: malformed ({error})") from None
        out = folder / "count-response.json"
        _write(out, json.dumps(response).encode())
        parts = (["the totals' decryption"] if "totals" in response else []) + \
            [f"a mix of question {q}" for q in response["mixes"]] + \
            [f"the decryption of question {q}'s mixed rankings" for q in response["rows"]]
        self.stdout.write(f"Every paper in the box checks, and the totals are what it adds up "
                          f"to. Upload {out} to the platform: it holds {', '.join(parts)}.")

    def _show(self, options):
        folder: Path = options["dir"]
        if not (folder / SECRET).exists():
            raise CommandError(f"{folder}: no trustee's files here ({SECRET} is missing)")
        invitation = _load("invitation", folder / INVITATION)
        secret_file = _load("secret", folder / SECRET)
        public = _load("public", folder / PUBLIC)
        stage, keys = "keygen done: upload public.json", []
        if (folder / SHARES).exists():
            stage = "shares made: upload shares.json"
        if (folder / FINISH).exists():
            finish = _load("finish", folder / FINISH)
            if finish.complaints:
                stage = "complaint against " + ", ".join(
                    f"trustee {c.against} ({c.reason})" for c in finish.complaints)
            else:
                stage = "finished: upload finish.json, keep the secret until the count"
                keys = [f"Joint key: {finish.joint_key}",
                        f"Public share: {finish.public_share}"]
        lines = [f"Election: {invitation.election}",
                 f"Ceremony: {invitation.context}",
                 f"Trustee {invitation.index} of {invitation.n} "
                 f"({invitation.k} needed to decrypt)"]
        lines += [f"  {i}. {name}{' (you)' if i == invitation.index else ''}"
                  for i, name in enumerate(invitation.trustees, start=1)]
        lines += [f"Stage: {stage}",
                  f"Secret: {'locked with a passphrase' if secret_file.locked else 'UNLOCKED'}",
                  f"Fingerprint: {ceremony.fingerprint(public)}", *keys]
        self.stdout.write("\n".join(lines))
