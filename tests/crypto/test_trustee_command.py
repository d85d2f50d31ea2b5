"""`manage.py trustee`: three trustees in three folders run the key ceremony from the shell, with
the platform's checks between the rounds; the command needs no database (the subprocesses point
it at a closed port, and in-process runs have database access blocked), and bad input gets a
one-line message, never a traceback."""

import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots.crypto import ceremony, files, group
from ballots.crypto.files import PublicsFile

ROOT = Path(__file__).resolve().parents[2]
NO_DATABASE = {key: value for key, value in os.environ.items() if key != "TRUSTEE_PASSPHRASE"}
NO_DATABASE |= {"DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
CONTEXT = "ballot:12:ceremony:1"
NAMES = ["Ann Archer", "Bo Brown", "Cy Clarke"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe\x00"


def shell(*args, passphrase: str | None = None, stdin: str | None = None):
    env = dict(NO_DATABASE)
    if passphrase is not None:
        env["TRUSTEE_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "manage.py", "trustee", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120,
                          input=stdin if stdin is not None else "")


def ok(done) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def refused(done) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("CommandError: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # one line
    return done.stderr


def invitation(tmp_path: Path, index: int, n: int = 3, k: int = 2) -> Path:
    path = tmp_path / f"invitation-{index}.json"
    path.write_text(json.dumps({
        "kind": "ceremony.invitation", "version": 1, "context": CONTEXT,
        "election": "Board election 2025", "n": n, "k": k, "index": index,
        "trustees": NAMES[:n]}))
    return path


def publics_file(tmp_path: Path, folders: list[Path], n=3, k=2) -> Path:
    """The platform's round-1 work: check each upload, then hand out all of them."""
    publics = [ceremony.public_check(CONTEXT, n, k, i, (folder / "public.json").read_bytes())
               for i, folder in enumerate(folders, start=1)]
    path = tmp_path / "publics.json"
    path.write_bytes(files.dump(PublicsFile(context=CONTEXT, publics=publics)))
    return path


def test_three_trustees_run_the_ceremony_from_the_shell(tmp_path):
    folders = [tmp_path / f"trustee-{i}" for i in (1, 2, 3)]
    passphrases = [f"passphrase of trustee {i}" for i in (1, 2, 3)]
    for i, (folder, passphrase) in enumerate(zip(folders, passphrases, strict=True), start=1):
        out = ok(shell("keygen", invitation(tmp_path, i), "--out", folder,
                       passphrase=passphrase))
        assert f"Trustee {i} of 3 for Board election 2025" in out
        assert stat.S_IMODE((folder / "secret.json").stat().st_mode) == 0o600
        assert files.load("secret", (folder / "secret.json").read_bytes()).locked
    publics_path = publics_file(tmp_path, folders)
    publics = files.load("publics", publics_path.read_bytes()).publics

    shares_files = []
    for i, (folder, passphrase) in enumerate(zip(folders, passphrases, strict=True), start=1):
        out = ok(shell("shares", folder, publics_path, passphrase=passphrase))
        for public, name in zip(publics, NAMES, strict=True):  # fingerprints to compare
            assert f"{public.index}. {name}" in out and ceremony.fingerprint(public) in out
        shares_files.append(ceremony.shares_check(CONTEXT, publics, i,
                                                  (folder / "shares.json").read_bytes()))

    for i, (folder, passphrase) in enumerate(zip(folders, passphrases, strict=True), start=1):
        relayed = tmp_path / f"relayed-{i}.json"
        relayed.write_bytes(files.dump(ceremony.relayed_for(shares_files, i)))
        out = ok(shell("finish", folder, relayed, passphrase=passphrase))
        finish = ceremony.finish_check(CONTEXT, publics, i, (folder / "finish.json").read_bytes())
        assert f"Joint key: {ceremony.joint_key(publics).hex()}" in out
        assert finish.joint_key == ceremony.joint_key(publics).hex()
        # the secret now keeps the share, still sealed, and the share is the one published
        secret = files.secret_load((folder / "secret.json").read_bytes(), passphrase)
        assert group.base_mul(group.scalar_decode(secret.share)) == \
            ceremony.expected_public_share(publics, i)
        assert stat.S_IMODE((folder / "secret.json").stat().st_mode) == 0o600

    out = ok(shell("show", folders[1]))  # no passphrase needed
    assert "Trustee 2 of 3 (2 needed to decrypt)" in out and "2. Bo Brown (you)" in out
    assert "Stage: finished" in out and "Secret: locked with a passphrase" in out
    assert ceremony.joint_key(publics).hex() in out
    # a second finish is refused: the share is kept already
    assert "has finished the ceremony already" in refused(
        shell("finish", folders[0], tmp_path / "relayed-1.json", passphrase=passphrases[0]))


@pytest.fixture
def one_trustee(tmp_path, monkeypatch):
    """Trustee 1's folder after keygen under a passphrase, and the other two made in memory."""
    folder = tmp_path / "mine"
    with monkeypatch.context() as patch:
        patch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
        _call("keygen", invitation(tmp_path, 1), "--out", folder)
    others = [ceremony.keygen(CONTEXT, i, 3, 2) for i in (2, 3)]
    mine = files.load("public", (folder / "public.json").read_bytes())
    publics = [mine, *[public for _, public in others]]
    path = tmp_path / "publics.json"
    path.write_bytes(files.dump(PublicsFile(context=CONTEXT, publics=publics)))
    return folder, path, others


def test_a_wrong_passphrase_is_refused(one_trustee):
    folder, publics, _ = one_trustee
    message = refused(shell("shares", folder, publics, passphrase="wrong passphrase"))
    assert "secret.json: secret file: wrong passphrase" in message
    assert not (folder / "shares.json").exists()
    ok(shell("shares", folder, publics, passphrase="right passphrase"))


def test_malformed_files_get_one_line_from_the_shell(one_trustee, tmp_path):
    folder, publics, _ = one_trustee
    image = tmp_path / "image.json"
    image.write_bytes(PNG)
    assert "image.json: list of public files: not JSON" in refused(
        shell("shares", folder, image, passphrase="right passphrase"))
    assert "invitation-1.json: this is a ceremony invitation, not a list of public files" in \
        refused(shell("shares", folder, tmp_path / "invitation-1.json",
                      passphrase="right passphrase"))
    assert "image.json: ceremony invitation: not JSON" in refused(
        shell("keygen", image, "--out", tmp_path / "new", passphrase="right passphrase"))
    assert "No such file or directory" in refused(
        shell("shares", folder, tmp_path / "absent.json", passphrase="right passphrase"))


def _call(*args) -> str:
    out = StringIO()
    call_command("trustee", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def _refusal(*args) -> str:
    with pytest.raises(CommandError) as error:
        _call(*args)
    return str(error.value)


def test_bad_public_files_are_refused_by_name(one_trustee, monkeypatch):
    # in-process, with database access blocked: the command does not need it
    folder, publics_path, others = one_trustee
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
    data = json.loads(publics_path.read_text())
    data["publics"][2]["proofs"][0][1] = data["publics"][2]["proofs"][1][1]
    publics_path.write_text(json.dumps(data))
    assert "trustee 3's public file: the proof for commitments[0] does not verify" in \
        _refusal("shares", folder, publics_path)
    data["publics"][2]["mailbox"] = "zz"
    publics_path.write_text(json.dumps(data))
    assert "field 'publics[2].mailbox': must be 64 lowercase hexadecimal digits" in \
        _refusal("shares", folder, publics_path)
    data["publics"] = data["publics"][:2]
    publics_path.write_text(json.dumps(data))
    assert "2 public files, for 3 trustees" in _refusal("shares", folder, publics_path)
    assert not (folder / "shares.json").exists()


def test_shares_are_not_made_again_for_other_public_files(one_trustee, monkeypatch, tmp_path):
    folder, publics_path, others = one_trustee
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
    _call("shares", folder, publics_path)
    _call("shares", folder, publics_path)  # the same files again are fine
    data = json.loads(publics_path.read_text())
    data["publics"][1] = json.loads(files.dump(ceremony.keygen(CONTEXT, 2, 3, 2)[1]))
    publics_path.write_text(json.dumps(data))
    assert "shares were already made for other public files" in \
        _refusal("shares", folder, publics_path)


def test_a_bad_share_leads_to_a_complaint_file(one_trustee, monkeypatch, tmp_path):
    folder, publics_path, others = one_trustee
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
    _call("shares", folder, publics_path)
    publics = files.load("publics", publics_path.read_bytes()).publics
    shares = [files.load("shares", (folder / "shares.json").read_bytes()),
              *[ceremony.shares_make(secret, publics) for secret, _ in others]]
    relayed = ceremony.relayed_for(shares, 1)
    # trustee 3's box replaced by trustee 2's: it opens, but its label names trustee 2
    boxes = {share.sender: share.box for share in relayed.shares}
    relayed = relayed.model_copy(update={"shares": [
        files.RelayedShare(sender=2, box=boxes[2]), files.RelayedShare(sender=3, box=boxes[2])]})
    path = tmp_path / "relayed.json"
    path.write_bytes(files.dump(relayed))
    out = _call("finish", folder, path)
    assert "complaint" in out
    finish = ceremony.finish_check(CONTEXT, publics, 1, (folder / "finish.json").read_bytes())
    assert [(c.against, c.reason) for c in finish.complaints] == [(3, "misaddressed")]
    assert files.secret_load((folder / "secret.json").read_bytes(),
                             "right passphrase").share is None
    assert "complaint against trustee 3 (misaddressed)" in _call("show", folder)


def test_finish_refuses_before_shares_and_with_relayed_for_another(one_trustee, monkeypatch,
                                                                   tmp_path):
    folder, publics_path, others = one_trustee
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
    stray = tmp_path / "relayed.json"
    stray.write_text("{}")
    assert "make the shares first" in _refusal("finish", folder, stray)
    _call("shares", folder, publics_path)
    publics = files.load("publics", publics_path.read_bytes()).publics
    shares = [files.load("shares", (folder / "shares.json").read_bytes()),
              *[ceremony.shares_make(secret, publics) for secret, _ in others]]
    stray.write_bytes(files.dump(ceremony.relayed_for(shares, 2)))
    assert "the relayed shares are for trustee 2, not 1" in _refusal("finish", folder, stray)
    stray.write_text('{"kind": "ceremony.relayed", "version": 1}')
    assert "relayed.json: relayed shares file: missing field 'context'" in \
        _refusal("finish", folder, stray)


def test_keygen_keeps_an_existing_secret_and_asks_for_a_real_passphrase(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "right passphrase")
    _call("keygen", invitation(tmp_path, 2), "--out", tmp_path / "t")
    before = (tmp_path / "t" / "secret.json").read_bytes()
    assert "already holds a secret" in _refusal("keygen", invitation(tmp_path, 2),
                                                "--out", tmp_path / "t")
    assert (tmp_path / "t" / "secret.json").read_bytes() == before
    monkeypatch.setenv("TRUSTEE_PASSPHRASE", "short")
    assert "at least 8 characters" in _refusal("keygen", invitation(tmp_path, 2),
                                               "--out", tmp_path / "u")
    monkeypatch.delenv("TRUSTEE_PASSPHRASE")
    monkeypatch.setattr("ballots.management.commands.trustee._terminal", lambda: True)
    answers = iter(["first passphrase", "other passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert "the two passphrases differ" in _refusal("keygen", invitation(tmp_path, 2),
                                                    "--out", tmp_path / "u")
    assert not (tmp_path / "u" / "secret.json").exists()


def test_without_a_passphrase_the_secret_is_unlocked_with_a_warning(tmp_path):
    folder = tmp_path / "open"
    done = shell("keygen", invitation(tmp_path, 3), "--out", folder, "--no-passphrase")
    ok(done)
    assert "Warning: the secret is written unlocked" in done.stderr
    assert not files.load("secret", (folder / "secret.json").read_bytes()).locked
    assert "Secret: UNLOCKED" in ok(shell("show", folder))
    # with no passphrase in the environment and none on stdin, an unlocked secret still opens
    folders = [tmp_path / f"t{i}" for i in (1, 2)]
    for i, other in enumerate(folders, start=1):
        _call("keygen", invitation(tmp_path, i), "--out", other, "--no-passphrase")
    ok(shell("shares", folder, publics_file(tmp_path, [*folders, folder])))


def test_a_locked_secret_with_no_passphrase_anywhere_is_refused(one_trustee):
    folder, publics, _ = one_trustee
    message = refused(shell("shares", folder, publics))  # stdin is empty: getpass meets EOF
    assert "no passphrase: set TRUSTEE_PASSPHRASE" in message
