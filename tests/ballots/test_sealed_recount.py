"""Anyone with the bundle can check the sealed count: the totals are the sum of exactly the
box's papers at their weights, their decryption is proved, and the STV rankings counted are
the box's after two verified mixes. Each way of breaking it is caught, by name."""
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from ballots.counting.sealed_check import BOX, RECORD, SealedCheckError, check_sealed
from ballots.crypto import group
from ballots.reports import recount_files

from .test_results import _bundle, counted_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_files(users, agm, community):
    ballot, _members = counted_ballot(users, agm, community)
    return recount_files(ballot)


def lines(files):
    return [json.loads(line) for line in files[BOX].decode().splitlines()]


def with_box(files, box):
    return {**files, BOX: "".join(json.dumps(line) + "\n" for line in box).encode()}


def test_the_sealed_record_checks(sealed_files):
    _record, passed = check_sealed(sealed_files)
    assert any("every paper's proofs verify" in p for p in passed)
    assert any("sums of the box's papers" in p for p in passed)
    assert any("decryption by 2 trustees" in p for p in passed)
    assert any("2 mixes verified" in p for p in passed)
    # No names, and nothing decrypted per voter, in the sealed files.
    box = sealed_files[BOX].decode()
    assert "member" not in box and "@" not in box


def test_a_changed_ciphertext_is_caught(sealed_files):
    box = lines(sealed_files)
    answer = next(iter(box[0]["answers"].values()))
    alpha, beta = answer["ciphertexts"][0]
    answer["ciphertexts"][0] = [alpha, (group.point_decode(beta) + group.G).hex()]
    with pytest.raises(SealedCheckError, match="paper 1 .*does not verify"):
        check_sealed(with_box(sealed_files, box))


def test_a_dropped_or_added_paper_is_caught(sealed_files):
    box = lines(sealed_files)
    with pytest.raises(SealedCheckError, match="not the sum of the box's papers"):
        check_sealed(with_box(sealed_files, box[1:]))
    with pytest.raises(SealedCheckError, match="twice"):
        check_sealed(with_box(sealed_files, [*box, box[0]]))


def test_a_wrong_weight_is_caught(sealed_files):
    box = lines(sealed_files)
    box[0]["weight"] += 1
    with pytest.raises(SealedCheckError, match="does not verify"):
        check_sealed(with_box(sealed_files, box))


def test_a_wrong_partial_decryption_or_value_is_caught(sealed_files):
    record = json.loads(sealed_files[RECORD])
    trustee, partial = next(iter(record["partials"]["totals"].items()))
    partial["points"][0] = (group.point_decode(partial["points"][0]) + group.G).hex()
    with pytest.raises(SealedCheckError,
                       match=f"trustee {trustee}'s partial decryption of item 1 "):
        check_sealed({**sealed_files, RECORD: json.dumps(record).encode()})
    record = json.loads(sealed_files[RECORD])
    record["values"][0] += 1
    with pytest.raises(SealedCheckError, match="not the decryption"):
        check_sealed({**sealed_files, RECORD: json.dumps(record).encode()})
    record = json.loads(sealed_files[RECORD])
    record["rankings"]["2"][0][1] += 1
    with pytest.raises(SealedCheckError, match="rankings counted"):
        check_sealed({**sealed_files, RECORD: json.dumps(record).encode()})


def test_the_recount_of_a_bundle_names_the_sealed_check_that_fails(client, users, agm,
                                                                    community, tmp_path):
    ballot, _members = counted_ballot(users, agm, community)
    path = _bundle(client, users, ballot, tmp_path)
    out = io.StringIO()
    call_command("recount", str(path), "--json", stdout=out)
    check = json.loads(out.getvalue())
    assert check["agrees"] and check["sealed_failure"] is None and check["sealed_checks"]
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as bundle:
        bundle.extractall(unpacked)
    box = (unpacked / BOX).read_text().splitlines()
    (unpacked / BOX).write_text("\n".join(box[1:]) + "\n")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("recount", str(unpacked), "--json", stdout=out)
    check = json.loads(out.getvalue())
    assert not check["agrees"] and "not the sum of the box's papers" in check["sealed_failure"]
