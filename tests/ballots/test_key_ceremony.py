"""The ballot key's ceremony on the platform: the secretary names the trustees, each makes
their key on their own machine (here, the same functions `manage.py trustee` runs) and
uploads three files in turn; only public parts are stored, each checked; the ballot opens
only once the key is complete, and its votes can then be counted by any k trustees."""
import json

import pytest

from ballots.crypto import ceremony as crypto
from ballots.crypto import files, group
from ballots.models import CeremonyStage, KeyCeremony, Trustee
from ballots.services import ballots, casting, ceremony
from ballots.services.casting import Answer
from governance.exceptions import DomainError
from tests.ballots import sealed

from .conftest import make_members

PEOPLE = [("Ann Trustee", "ann.trustee@example.org"), ("Bo Trustee", "bo@example.org"),
          ("Cy Trustee", "cy@example.org")]


def draft(users, agm):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    return ballots.ballot_for_meeting(actor=users["secretary"], meeting=agm,
                                      opens_at=now - dt.timedelta(minutes=1),
                                      closes_at=agm.starts_at - dt.timedelta(hours=1))


def run_ceremony(ballot, users, *, people=PEOPLE, threshold=2, platform_share=False,
                 tamper=None):
    """The whole ceremony; returns each person's key share by trustee index."""
    made = ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=people,
                                  threshold=threshold, platform_share=platform_share)
    humans = list(made.trustees.filter(is_platform=False).order_by("index"))
    secrets = {}
    for trustee in humans:
        invitation = ceremony.invitation(trustee)
        secret, public = crypto.keygen(**{k: v for k, v in json.loads(invitation).items()
                                          if k in ("context", "index", "n", "k")})
        secrets[trustee.index] = secret
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(public))
    made.refresh_from_db()
    assert made.stage == CeremonyStage.SHARES
    publics = files.load("publics", ceremony.publics_file(made)).publics
    for trustee in humans:
        shares = crypto.shares_make(secrets[trustee.index], publics)
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(shares))
    made.refresh_from_db()
    assert made.stage == CeremonyStage.FINISH
    key_shares = {}
    for trustee in humans:
        share, finish = crypto.shares_finish(secrets[trustee.index], publics,
                                             ceremony.relayed_file(trustee))
        key_shares[trustee.index] = share
        ceremony.ceremony_upload(actor=trustee.user, trustee=trustee, data=files.dump(finish))
    made.refresh_from_db()
    return made, key_shares


def test_a_ballot_key_is_made_by_its_trustees_and_counts_by_any_two(users, agm, community):
    members = make_members(community, 6, emailed=0, start=100)
    ballot = draft(users, agm)
    with pytest.raises(DomainError, match="key is not complete"):
        ballots.ballot_open(actor=users["secretary"], ballot=ballot)
    made, shares = run_ceremony(ballot, users)
    assert made.stage == CeremonyStage.COMPLETE and made.public_key
    # The platform holds only public parts: the joint key is what the shares give.
    assert group.base_mul(sum(
        crypto_lagrange(i, shares) * s for i, s in shares.items()) % group.Q).hex() == \
        made.public_key
    stored = json.dumps([list(Trustee.objects.values()), list(KeyCeremony.objects.values(
        "context", "public_key", "stage"))], default=str)
    for share in shares.values():
        assert group.scalar_hex(share) not in stored
    ballot = ballots.ballot_open(actor=users["secretary"], ballot=ballot)
    for member in members:
        elector = ballot.electors.get(member=member)
        casting.vote_cast(ballot=ballot, elector=elector, answers={
            q.pk: Answer(choice="for") if q.kind == "resolution" else
            Answer(ranking=tuple(q.options.order_by("position").values_list("pk", flat=True)))
            for q in ballot.questions.all()})
    ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    sealed.SHARES[ballot.pk] = shares
    assert sealed.trustees_take_part(ballot, indices=[1, 3]) == 2
    result = ballot.questions.get(kind="resolution").result
    assert result.data["for"] == "6" or result.data["for"] == 6


def crypto_lagrange(index, shares):
    from ballots.crypto.decryption import lagrange

    return lagrange(index, list(shares))


def test_the_platform_may_hold_one_share(users, agm):
    ballot = draft(users, agm)
    made, shares = run_ceremony(ballot, users, people=PEOPLE[:2], platform_share=True)
    assert made.stage == CeremonyStage.COMPLETE and made.size == 3
    platform = made.trustees.get(is_platform=True)
    assert platform.public_share == group.base_mul(
        ceremony.platform_share_secret(made)).hex()


def test_the_secretary_names_trustees_within_the_rules(users, agm):
    ballot = draft(users, agm)
    with pytest.raises(DomainError, match="2 to 9"):
        ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=PEOPLE[:1])
    with pytest.raises(DomainError, match="at least 2"):
        ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=PEOPLE,
                               threshold=4)
    officers = [(users[r].full_name, users[r].email) for r in ("secretary", "chair")]
    with pytest.raises(DomainError, match="not be an officer"):
        ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=officers)
    assert not KeyCeremony.objects.exists()


def test_bad_uploads_are_refused_by_name_and_nothing_is_stored(users, agm):
    ballot = draft(users, agm)
    made = ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=PEOPLE)
    first, second = made.trustees.order_by("index")[:2]
    _secret, public = crypto.keygen(made.context, 2, 3, 2)  # trustee 2's file
    with pytest.raises(DomainError, match="index is 2, not 1"):
        ceremony.ceremony_upload(actor=None, trustee=first, data=files.dump(public))
    _secret, other = crypto.keygen("another ceremony", 1, 3, 2)
    with pytest.raises(DomainError, match="context"):
        ceremony.ceremony_upload(actor=None, trustee=first, data=files.dump(other))
    _secret, mine = crypto.keygen(made.context, 1, 3, 2)
    forged = json.loads(files.dump(mine))
    forged["commitments"][1] = group.base_mul(7).hex()
    with pytest.raises(DomainError, match="does not verify"):
        ceremony.ceremony_upload(actor=None, trustee=first, data=json.dumps(forged).encode())
    with pytest.raises(DomainError, match="not JSON"):
        ceremony.ceremony_upload(actor=None, trustee=first, data=b"\xff\xfe")
    first.refresh_from_db()
    assert first.public_file is None
    ceremony.ceremony_upload(actor=None, trustee=first, data=files.dump(mine))
    with pytest.raises(DomainError, match="already"):
        ceremony.ceremony_upload(actor=None, trustee=first, data=files.dump(mine))
    assert second.public_file is None


def test_a_complaint_fails_the_ceremony_and_it_can_start_again(users, agm):
    ballot = draft(users, agm)
    made = ceremony.ceremony_plan(actor=users["secretary"], ballot=ballot, trustees=PEOPLE)
    humans = list(made.trustees.order_by("index"))
    secrets = {}
    for trustee in humans:
        secrets[trustee.index], public = crypto.keygen(made.context, trustee.index, 3, 2)
        ceremony.ceremony_upload(actor=None, trustee=trustee, data=files.dump(public))
    publics = files.load("publics", ceremony.publics_file(made)).publics
    for trustee in humans:
        shares = json.loads(files.dump(crypto.shares_make(secrets[trustee.index], publics)))
        if trustee.index == 1:  # trustee 1 seals a wrong share for trustee 2
            from nacl.public import PublicKey, SealedBox

            mailbox = publics[1].mailbox
            shares["shares"][0]["box"] = SealedBox(PublicKey(bytes.fromhex(mailbox))).encrypt(
                b"\x01" * 64).hex()
        ceremony.ceremony_upload(actor=None, trustee=trustee,
                                 data=json.dumps(shares).encode())
    for trustee in humans:
        _share, finish = crypto.shares_finish(secrets[trustee.index], publics,
                                              ceremony.relayed_file(trustee))
        ceremony.ceremony_upload(actor=None, trustee=trustee, data=files.dump(finish))
    made.refresh_from_db()
    assert made.stage == CeremonyStage.FAILED and "trustee 1" in made.failed_because
    old_context = made.context
    made = ceremony.ceremony_restart(actor=users["secretary"], ballot=ballot)
    assert made.stage == CeremonyStage.KEYS and made.context != old_context
    assert not made.trustees.exclude(public_file=None).exists()
