"""The trustees' key ceremony in memory: whole 2-of-3 and 3-of-5 ceremonies, the joint key and
the public shares it yields, and every platform check refusing a tampered file by name."""

import itertools
import json

import pytest
from nacl.public import PublicKey, SealedBox

from ballots.crypto import ceremony, files, group
from ballots.crypto.ceremony import CeremonyError
from ballots.crypto.files import FileError
from ballots.crypto.proofs import schnorr_prove

CONTEXT = "ballot:7:ceremony:1"


class Ceremony:
    """A ceremony run the way the platform runs it: every file passes through bytes and the
    platform's check before the next round uses it."""

    def __init__(self, n: int, k: int, context: str = CONTEXT):
        self.n, self.k, self.context = n, k, context
        made = [ceremony.keygen(context, i, n, k) for i in range(1, n + 1)]
        self.secrets = [secret for secret, _ in made]
        self.publics = [ceremony.public_check(context, n, k, i, files.dump(public))
                        for i, (_, public) in enumerate(made, start=1)]
        self.shares = [ceremony.shares_check(context, self.publics, i,
                                             files.dump(ceremony.shares_make(s, self.publics)))
                       for i, s in enumerate(self.secrets, start=1)]
        self.relayed = [ceremony.relayed_for(self.shares, i) for i in range(1, n + 1)]
        self.values, self.finishes = [], []
        for secret, relayed in zip(self.secrets, self.relayed, strict=True):
            value, finish = ceremony.shares_finish(secret, self.publics,
                                                   files.load("relayed", files.dump(relayed)))
            self.values.append(value)
            self.finishes.append(finish)

    def public(self, index: int) -> dict:
        return json.loads(files.dump(self.publics[index - 1]))

    def finish(self, index: int) -> dict:
        return json.loads(files.dump(self.finishes[index - 1]))


def lagrange_at_zero(indexes: list[int]) -> list[int]:
    """The Lagrange coefficients for interpolating at 0 from these x-coordinates, mod Q."""
    out = []
    for i in indexes:
        numerator = denominator = 1
        for j in indexes:
            if j != i:
                numerator = numerator * j % group.Q
                denominator = denominator * (j - i) % group.Q
        out.append(numerator * pow(denominator, -1, group.Q) % group.Q)
    return out


@pytest.fixture(scope="module")
def three():
    return Ceremony(3, 2)


@pytest.mark.parametrize("n, k", [(3, 2), (5, 3)])
def test_a_whole_ceremony_gives_a_key_any_k_trustees_can_use(n, k):
    run = Ceremony(n, k)
    # The joint key is g to the sum of the constant terms, which no one ever held together.
    secret_key = sum(group.scalar_decode(s.coefficients[0]) for s in run.secrets) % group.Q
    key = ceremony.joint_key(run.publics)
    assert key == group.base_mul(secret_key)
    assert all(value is not None for value in run.values)
    for index, finish in enumerate(run.finishes, start=1):
        checked = ceremony.finish_check(CONTEXT, run.publics, index, files.dump(finish))
        assert checked.joint_key == key.hex()
        assert group.point_decode(finish.public_share) == group.base_mul(run.values[index - 1])
        assert ceremony.expected_public_share(run.publics, index) == group.base_mul(
            run.values[index - 1])
    shares = {i: group.point_decode(f.public_share) for i, f in enumerate(run.finishes, 1)}
    for chosen in itertools.combinations(range(1, n + 1), k):
        pairs = list(zip(chosen, lagrange_at_zero(list(chosen)), strict=True))
        assert group.multi_mul((shares[i], w) for i, w in pairs) == key
        # and the secret shares themselves interpolate to the secret key
        assert sum(run.values[i - 1] * w for i, w in pairs) % group.Q == secret_key
    # k - 1 trustees do not have it
    fewer = list(range(1, k))
    if fewer:
        pairs = zip(fewer, lagrange_at_zero(fewer), strict=True)
        assert group.multi_mul((shares[i], w) for i, w in pairs) != key


def test_one_trustee_alone_holds_the_whole_key():
    run = Ceremony(1, 1)
    assert run.shares[0].shares == []
    assert group.base_mul(run.values[0]) == ceremony.joint_key(run.publics)


def test_keygen_refuses_impossible_parameters():
    with pytest.raises(CeremonyError, match="threshold k=4"):
        ceremony.keygen(CONTEXT, 1, 3, 4)
    with pytest.raises(CeremonyError, match="index 4"):
        ceremony.keygen(CONTEXT, 4, 3, 2)
    with pytest.raises(CeremonyError, match="n=0"):
        ceremony.keygen(CONTEXT, 1, 0, 1)


# --- Round 1: the public file ------------------------------------------------------------

def _refused_public(three, data, index=2, context=CONTEXT, n=3, k=2) -> str:
    with pytest.raises(CeremonyError) as refused:
        ceremony.public_check(context, n, k, index, json.dumps(data).encode())
    return str(refused.value)


def test_a_good_public_file_passes_from_bytes_or_a_dict(three):
    assert ceremony.public_check(CONTEXT, 3, 2, 2, three.public(2)) == three.publics[1]


def test_a_bad_proof_is_refused(three):
    data = three.public(2)
    c, r = data["proofs"][1]
    data["proofs"][1] = [c, group.scalar_hex(group.scalar_decode(r) + 1)]
    assert "trustee 2's public file: the proof for commitments[1] does not verify" \
        in _refused_public(three, data)


def test_a_replaced_commitment_is_refused(three):
    data = three.public(2)
    data["commitments"][0] = group.base_mul(12345).hex()
    assert "the proof for commitments[0] does not verify" in _refused_public(three, data)


def test_a_commitment_with_a_fresh_proof_for_another_slot_is_refused(three):
    # a valid proof of knowledge, but made for trustee 1's slot: the binding refuses it
    data = three.public(2)
    data["commitments"][0] = group.base_mul(99).hex()
    data["proofs"][0] = schnorr_prove(99, ["ceremony-commitment", CONTEXT, 3, 2, 1, 0]).to_json()
    assert "commitments[0] does not verify" in _refused_public(three, data)


def test_a_file_for_another_index_is_refused(three):
    assert "trustee 1's public file: index is 2, not 1" in _refused_public(
        three, three.public(2), index=1)
    # and relabelling it does not help: its proofs are bound to index 2
    data = three.public(2)
    data["index"] = 1
    assert "does not verify" in _refused_public(three, data, index=1)


def test_a_file_for_another_ceremony_is_refused(three):
    assert "context is 'ballot:7:ceremony:1', not this ceremony's 'ballot:8:ceremony:1'" \
        in _refused_public(three, three.public(2), context="ballot:8:ceremony:1")
    data = three.public(2)
    data["context"] = "ballot:8:ceremony:1"
    assert "does not verify" in _refused_public(three, data, context="ballot:8:ceremony:1")


def test_a_file_for_another_threshold_is_refused(three):
    assert "n and k are 3 and 2, not 4 and 2" in _refused_public(three, three.public(2), n=4)


@pytest.mark.parametrize("field, value, message", [
    ("commitments", ["zz" * 32, "00" * 32],
     "field 'commitments[0]': must be 64 lowercase hexadecimal digits"),
    ("commitments", ["AB" * 32, "00" * 32],
     "field 'commitments[0]': must be 64 lowercase hexadecimal digits"),
    ("commitments", ["ab" * 31, "00" * 32],
     "field 'commitments[0]': must be 64 lowercase hexadecimal digits"),
    ("mailbox", "00" * 31, "field 'mailbox': must be 64 lowercase hexadecimal digits"),
    ("proofs", [["00" * 32], ["00" * 32, "00" * 32]], "field 'proofs[0]'"),
    ("proofs", [["ff" * 32, "00" * 32], ["00" * 32, "00" * 32]],
     "field 'proofs[0][0]': a scalar must be below the group order"),
    ("index", "2", "field 'index': Input should be a valid integer"),
    ("index", 0, "field 'index'"),
    ("k", 4, "the threshold k=4 must be between 1 and n=3"),
])
def test_malformed_fields_are_named(three, field, value, message):
    data = three.public(2)
    data[field] = value
    assert message in _refused_public(three, data)


def test_a_point_outside_the_group_is_named(three):
    data = three.public(2)
    # a point of order 8: valid encoding, but not in the prime-order subgroup
    data["commitments"][1] = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"
    assert "field 'commitments[1]': not an element of the prime-order group" in \
        _refused_public(three, data)


def test_a_mailbox_no_one_could_seal_to_safely_is_refused(three):
    data = three.public(2)
    data["mailbox"] = "00" * 32  # a low-order X25519 point: its shared secret is known to all
    assert "trustee 2's public file: mailbox is not a usable X25519 key" in \
        _refused_public(three, data)


def test_values_json_cannot_carry_are_refused(three):
    with pytest.raises(CeremonyError, match="holds values JSON cannot carry"):
        ceremony.public_check(CONTEXT, 3, 2, 2, {**three.public(2), "mailbox": b"\x00"})
    with pytest.raises(CeremonyError, match="not JSON"):
        ceremony.public_check(CONTEXT, 3, 2, 2, b"[" * 100000)


def test_an_extra_or_missing_field_is_named(three):
    data = three.public(2)
    data["note"] = "hello"
    assert "unexpected field 'note'" in _refused_public(three, data)
    data = three.public(2)
    del data["mailbox"]
    assert "missing field 'mailbox'" in _refused_public(three, data)


def test_a_wrong_number_of_commitments_is_named(three):
    data = three.public(2)
    data["commitments"] = data["commitments"][:1]
    data["proofs"] = data["proofs"][:1]
    assert "commitments holds 1, the threshold k is 2" in _refused_public(three, data)


def test_not_json_and_other_kinds_are_named(three):
    with pytest.raises(CeremonyError, match="trustee 2's public file: not JSON"):
        ceremony.public_check(CONTEXT, 3, 2, 2, b"\x89PNG\r\n")
    with pytest.raises(CeremonyError, match="this is a shares file, not a public file"):
        ceremony.public_check(CONTEXT, 3, 2, 2, files.dump(three.shares[1]))
    with pytest.raises(CeremonyError, match="version 2 is not supported"):
        ceremony.public_check(CONTEXT, 3, 2, 2, {**three.public(2), "version": 2})
    with pytest.raises(CeremonyError, match="not a JSON object"):
        ceremony.public_check(CONTEXT, 3, 2, 2, b"[1, 2]")


# --- Round 2: the shares -----------------------------------------------------------------

def _shares_dict(three, index) -> dict:
    return json.loads(files.dump(three.shares[index - 1]))


def test_the_platform_refuses_a_shares_file_that_is_wrong(three):
    good = _shares_dict(three, 1)
    assert ceremony.shares_check(CONTEXT, three.publics, 1, good) == three.shares[0]
    cases = [
        (_shares_dict(three, 2), "trustee 1's shares file: index is 2, not 1"),
        ({**good, "index": 2}, "trustee 2 sends a share to itself"),
        ({**good, "context": "ballot:8"}, "context is 'ballot:8'"),
        ({**good, "publics_digest": "00" * 32}, "publics_digest is not the digest"),
        ({**good, "shares": good["shares"][:1]}, "missing [3]"),
        ({**good, "shares": [*good["shares"], {"recipient": 1, "box": "00" * 112}]},
         "trustee 1 sends a share to itself"),
        ({**good, "shares": [good["shares"][0], good["shares"][0]]},
         "two shares for trustee 2"),
        ({**good, "shares": [{**good["shares"][0], "box": "00" * 111}, good["shares"][1]]},
         "field 'shares[0].box': must be 224 lowercase hexadecimal digits"),
        ({**good, "shares": [{**good["shares"][0], "from": 1}, good["shares"][1]]},
         "unexpected field 'shares[0].from'"),
    ]
    for data, message in cases:
        with pytest.raises(CeremonyError) as refused:
            ceremony.shares_check(CONTEXT, three.publics, 1, data)
        assert message in str(refused.value), (message, str(refused.value))


def test_a_trustee_refuses_to_share_when_a_public_file_is_tampered(three):
    tampered = three.public(3)
    tampered["commitments"].reverse()
    with pytest.raises(CeremonyError, match="trustee 3's public file: the proof for"):
        ceremony.shares_make(three.secrets[0], [three.publics[0], three.publics[1], tampered])
    # its own public file replaced by a well-formed stranger's
    other = Ceremony(3, 2).publics[0]
    with pytest.raises(CeremonyError, match=r"trustee 1 \(this trustee\) is not the one"):
        ceremony.shares_make(three.secrets[0], [other, *three.publics[1:]])
    with pytest.raises(CeremonyError, match="2 public files, for 3 trustees"):
        ceremony.shares_make(three.secrets[0], three.publics[:2])


def test_relaying_refuses_shares_files_made_from_different_public_files(three):
    odd = three.shares[2].model_copy(update={"publics_digest": "11" * 32})
    with pytest.raises(CeremonyError, match="trustee 3's shares file is for other public"):
        ceremony.relayed_for([three.shares[0], three.shares[1], odd], 1)
    relayed = ceremony.relayed_for(three.shares, 2)
    assert [share.sender for share in relayed.shares] == [1, 3]


# --- Round 3: the finish file ------------------------------------------------------------

def _refused_finish(three, data, index=2) -> str:
    with pytest.raises(CeremonyError) as refused:
        ceremony.finish_check(CONTEXT, three.publics, index, data)
    return str(refused.value)


def test_a_wrong_public_share_is_refused_even_with_a_valid_proof(three):
    data = three.finish(2)
    data["public_share"] = group.base_mul(777).hex()
    data["proof"] = schnorr_prove(777, ["ceremony-public-share", CONTEXT, 3, 2, 2]).to_json()
    assert "trustee 2's finish file: public_share does not match the commitments" in \
        _refused_finish(three, data)


def test_a_finish_file_that_is_wrong_is_refused(three):
    good = three.finish(2)
    c, r = good["proof"]
    cases = [
        ({**good, "proof": [c, group.scalar_hex(group.scalar_decode(r) + 1)]},
         "the proof for public_share does not verify"),
        ({**good, "joint_key": group.base_mul(5).hex()}, "joint_key is not the joint key"),
        ({**good, "index": 3}, "index is 3, not 2"),
        ({**good, "context": "ballot:9"}, "context is 'ballot:9'"),
        ({**good, "publics_digest": "22" * 32}, "publics_digest is not the digest"),
        ({**good, "public_share": None}, "joint_key, public_share and proof are all needed"),
        ({**good, "complaints": [{"against": 1, "reason": "mismatch"}]},
         "a file with complaints carries no public share"),
        ({**good, "extra": 1}, "unexpected field 'extra'"),
    ]
    for data, message in cases:
        assert message in _refused_finish(three, data), message
    # trustee 3's correct file is not trustee 2's
    assert "index is 3, not 2" in _refused_finish(three, three.finish(3))


# --- Complaints --------------------------------------------------------------------------

def _relayed_with(three, recipient: int, sender: int, box: str | None):
    relayed = three.relayed[recipient - 1]
    shares = [s for s in relayed.shares if s.sender != sender]
    if box is not None:
        shares.append(files.RelayedShare(sender=sender, box=box))
    return relayed.model_copy(update={"shares": shares})


def _sealed(three, sender: int, recipient: int, value: int, label_from=None) -> str:
    label = ceremony._share_label(CONTEXT, label_from or sender, recipient)
    mailbox = PublicKey(bytes.fromhex(three.publics[recipient - 1].mailbox))
    return bytes(SealedBox(mailbox).encrypt(label + bytes.fromhex(group.scalar_hex(value)))).hex()


def _complaints(three, recipient, relayed):
    value, finish = ceremony.shares_finish(three.secrets[recipient - 1], three.publics, relayed)
    assert value is None and finish.public_share is None
    checked = ceremony.finish_check(CONTEXT, three.publics, recipient, files.dump(finish))
    return [(c.against, c.reason) for c in checked.complaints]


def test_a_share_that_fails_its_commitments_gives_a_complaint(three):
    # trustee 1 seals a well-labelled share to trustee 2, but not f_1(2)
    coefficients = [group.scalar_decode(a) for a in three.secrets[0].coefficients]
    wrong = (ceremony._evaluate(coefficients, 2) + 1) % group.Q
    relayed = _relayed_with(three, 2, 1, _sealed(three, 1, 2, wrong))
    assert _complaints(three, 2, relayed) == [(1, "mismatch")]


def test_the_right_share_sealed_again_is_accepted(three):
    # the control for the test above: the same construction with the true value passes
    coefficients = [group.scalar_decode(a) for a in three.secrets[0].coefficients]
    right = ceremony._evaluate(coefficients, 2)
    relayed = _relayed_with(three, 2, 1, _sealed(three, 1, 2, right))
    value, finish = ceremony.shares_finish(three.secrets[1], three.publics, relayed)
    assert value == three.values[1]


def test_boxes_that_do_not_open_are_missing_or_moved_give_complaints(three):
    for_3 = next(s.box for s in three.shares[0].shares if s.recipient == 3)
    assert _complaints(three, 2, _relayed_with(three, 2, 1, for_3)) == [(1, "undecryptable")]
    assert _complaints(three, 2, _relayed_with(three, 2, 1, "ab" * 112)) == \
        [(1, "undecryptable")]
    assert _complaints(three, 2, _relayed_with(three, 2, 1, None)) == [(1, "missing")]
    # trustee 3's share to 2, relayed as if it came from 1: the label inside says otherwise
    from_3 = next(s.box for s in three.relayed[1].shares if s.sender == 3)
    assert _complaints(three, 2, _relayed_with(three, 2, 1, from_3)) == [(1, "misaddressed")]


def test_relayed_shares_for_someone_else_are_refused(three):
    with pytest.raises(CeremonyError, match="are for trustee 3, not 2"):
        ceremony.shares_finish(three.secrets[1], three.publics, three.relayed[2])
    odd = three.relayed[1].model_copy(update={"publics_digest": "33" * 32})
    with pytest.raises(CeremonyError, match="made from other public files"):
        ceremony.shares_finish(three.secrets[1], three.publics, odd)


def test_a_complaint_beyond_the_trustees_is_refused(three):
    data = {**three.finish(2), "joint_key": None, "public_share": None, "proof": None,
            "complaints": [{"against": 9, "reason": "mismatch"}]}
    assert "complains against trustee 9" in _refused_finish(three, data)
    data["complaints"] = [{"against": 1, "reason": "lost"}]
    assert "field 'complaints[0].reason'" in _refused_finish(three, data)
    data["complaints"] = [{"against": 2, "reason": "mismatch"}]
    assert "complains against itself" in _refused_finish(three, data)


# --- The secret file ---------------------------------------------------------------------

def test_the_secret_round_trips_locked_and_unlocked(three):
    secret = three.secrets[0]
    locked = files.secret_dump(secret, "a long passphrase")
    assert secret.coefficients[0] not in locked.decode()
    assert files.secret_load(locked, "a long passphrase") == secret
    unlocked = files.secret_dump(secret, None)
    assert secret.coefficients[0] in unlocked.decode()
    assert files.secret_load(unlocked, None) == secret


def test_a_locked_secret_needs_the_right_passphrase(three):
    locked = files.secret_dump(three.secrets[0], "a long passphrase")
    with pytest.raises(FileError, match="wrong passphrase"):
        files.secret_load(locked, "another passphrase")
    with pytest.raises(FileError, match="it is locked, and no passphrase was given"):
        files.secret_load(locked, None)
    data = json.loads(locked)
    data["box"] = data["box"][:-2] + ("00" if data["box"][-2:] != "00" else "11")
    with pytest.raises(FileError, match="wrong passphrase"):
        files.secret_load(json.dumps(data).encode(), "a long passphrase")
    data = json.loads(locked)
    data["index"] = 2  # the clear label no longer matches the sealed secret
    with pytest.raises(FileError, match="belongs to another ceremony or trustee"):
        files.secret_load(json.dumps(data).encode(), "a long passphrase")
    data = json.loads(locked)
    data["opslimit"] = 10**9  # a file cannot make the reader spend without limit
    with pytest.raises(FileError, match="field 'opslimit'"):
        files.secret_load(json.dumps(data).encode(), "a long passphrase")


def test_the_secret_stays_out_of_repr(three):
    secret = ceremony.secret_finished(three.secrets[0], three.values[0], three.publics)
    shown = repr(secret)
    assert secret.coefficients[0] not in shown and secret.mailbox not in shown
    assert secret.share not in shown and "context" in shown


def test_an_invitation_must_be_consistent():
    good = {"kind": "ceremony.invitation", "version": 1, "context": CONTEXT, "election": "AGM",
            "n": 3, "k": 2, "index": 1, "trustees": ["A", "B", "C"]}
    assert files.load("invitation", json.dumps(good).encode()).k == 2
    for change, message in [({"k": 5}, "threshold k=5"), ({"index": 4}, "index 4 is beyond"),
                            ({"trustees": ["A"]}, "trustees names 1 people, but n is 3"),
                            ({"context": "a\x00b"}, "field 'context': must not contain"),
                            ({"election": " "}, "field 'election': must not be empty")]:
        with pytest.raises(FileError, match=message):
            files.load("invitation", json.dumps({**good, **change}).encode())
