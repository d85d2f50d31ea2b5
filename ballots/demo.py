"""The demo's trustees (`manage.py demo_trustees`): each step is what a trustee does with
`manage.py trustee` on their own computer, through the same functions, with each secret
kept in its own folder under var/trustees/. The platform's side is the real one: the
uploads go through its checks and its count."""

import json
from pathlib import Path

from .crypto import ceremony as crypto
from .crypto import files, group
from .crypto.trustee_count import respond
from .models import Ballot, CeremonyStage, KeyCeremony
from .services import ceremony, counting


def _folder(base: Path, index: int) -> Path:
    folder = base / f"trustee-{index}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(folder: Path, secret) -> None:
    (folder / "secret.json").write_bytes(files.secret_dump(secret, None))


def _kept(folder: Path):
    return files.secret_load((folder / "secret.json").read_bytes(), None)


def demo_trustees_make_key(ballot: Ballot, people, base: Path) -> KeyCeremony:
    made = KeyCeremony.objects.filter(ballot=ballot).first()
    if made is None or made.stage == CeremonyStage.FAILED:
        made = ceremony.ceremony_plan(actor=None, ballot=ballot, trustees=people, threshold=2)
    trustees = list(made.trustees.filter(is_platform=False).order_by("index"))
    for trustee in trustees:
        folder = _folder(base, trustee.index)
        invitation = json.loads(ceremony.invitation(trustee))
        secret, public = crypto.keygen(invitation["context"], trustee.index,
                                       invitation["n"], invitation["k"])
        _keep(folder, secret)
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(public))
    publics = files.load("publics", ceremony.publics_file(made)).publics
    for trustee in trustees:
        shares = crypto.shares_make(_kept(_folder(base, trustee.index)), publics)
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(shares))
    for trustee in trustees:
        folder = _folder(base, trustee.index)
        secret = _kept(folder)
        share, finish = crypto.shares_finish(secret, publics, ceremony.relayed_file(trustee))
        _keep(folder, crypto.secret_finished(secret, share, publics))
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(finish))
    made.refresh_from_db()
    return made


def demo_trustees_count(ballot: Ballot, base: Path) -> bool:
    """Two of the demo trustees take their part in the count, in turn, the count run here
    between their parts (as the worker would); whether the ballot is counted."""
    made = KeyCeremony.objects.get(ballot=ballot)
    counting.ballot_count(ballot_id=ballot.pk)
    for _round in range(6):
        ballot.refresh_from_db()
        if ballot.counted_at is not None:
            return True
        for trustee in made.trustees.filter(is_platform=False).order_by("index")[:2]:
            ballot.refresh_from_db()
            if not counting.trustee_needs(ballot, trustee):
                continue
            secret = _kept(_folder(base, trustee.index))
            response = respond(counting.count_package(ballot, trustee), trustee.index,
                               group.scalar_decode(secret.share))
            counting.trustee_count_upload(actor=trustee.user, trustee=trustee,
                                          response=response)
            counting.ballot_count(ballot_id=ballot.pk)
    ballot.refresh_from_db()
    return ballot.counted_at is not None
