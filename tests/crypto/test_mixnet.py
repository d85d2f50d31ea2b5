"""The verifiable shuffle: an honest mix verifies and keeps the multiset of rankings; any
change to the output, the statement or the proof is refused."""
import dataclasses
import json
from collections import Counter

import pytest

from ballots.crypto import elgamal, group, mixnet
from ballots.crypto.proofs import ProofError

SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)
TABLE = {group.base_mul(m): m for m in range(0, 40)}


def encrypted_rows(count, width):
    plain = [[(i * 7 + j * 3) % (width + 1) for j in range(width)] for i in range(count)]
    return plain, [[elgamal.encrypt(KEY, m)[0] for m in row] for row in plain]


def decrypted(rows):
    return [tuple(TABLE[elgamal.decrypt_to_point(SECRET, c)] for c in row) for row in rows]


@pytest.mark.parametrize(("count", "width"), [(1, 1), (2, 3), (17, 3), (5, 10), (3, 1)])
def test_an_honest_shuffle_verifies_and_keeps_the_rankings(count, width):
    plain, rows = encrypted_rows(count, width)
    out, proof = mixnet.shuffle(KEY, rows, "ballot 1 mix 1")
    mixnet.shuffle_verify(KEY, rows, out, proof, "ballot 1 mix 1")
    assert Counter(decrypted(out)) == Counter(map(tuple, plain))
    inputs = {c for row in rows for c in row}
    assert not inputs & {c for row in out for c in row}  # every ciphertext re-encrypted
    again = mixnet.ShuffleProof.from_json(json.loads(json.dumps(proof.to_json())),
                                          rows=count, width=width)
    mixnet.shuffle_verify(KEY, rows, out, again, "ballot 1 mix 1")


@pytest.fixture(scope="module")
def mixed():
    _plain, rows = encrypted_rows(6, 3)
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    return rows, out, proof


def refused(rows, out, proof, context="ctx", key=KEY):
    with pytest.raises(ProofError):
        mixnet.shuffle_verify(key, rows, out, proof, context)


def test_a_changed_output_ciphertext_is_refused(mixed):
    rows, out, proof = mixed
    changed = [list(row) for row in out]
    changed[2][1] = elgamal.reencrypt(KEY, changed[2][1], 5)
    refused(rows, changed, proof)
    changed = [list(row) for row in out]
    changed[0][0] = elgamal.Ciphertext(changed[0][0].alpha, changed[0][0].beta + group.G)
    refused(rows, changed, proof)


def test_a_dropped_or_duplicated_row_is_refused(mixed):
    rows, out, proof = mixed
    refused(rows, out[:-1], proof)
    refused(rows, [out[0], *out[:-1]], proof)
    refused(rows, [*out, out[0]], proof)


def test_ciphertexts_swapped_within_a_row_are_refused(mixed):
    rows, out, proof = mixed
    changed = [list(row) for row in out]
    changed[1][0], changed[1][2] = changed[1][2], changed[1][0]
    refused(rows, changed, proof)


def test_rows_permuted_after_proving_are_refused(mixed):
    rows, out, proof = mixed
    refused(rows, [out[1], out[0], *out[2:]], proof)
    refused([rows[1], rows[0], *rows[2:]], out, proof)


def test_another_key_or_context_is_refused(mixed):
    rows, out, proof = mixed
    refused(rows, out, proof, context="ctx2")
    refused(rows, out, proof, key=group.base_mul(group.random_scalar()))


def test_every_element_of_the_proof_is_checked(mixed):
    rows, out, proof = mixed
    for field in dataclasses.fields(proof):
        value = getattr(proof, field.name)
        variants = []
        if isinstance(value, Point := group.Point):
            variants.append(value + group.G)
        elif isinstance(value, int):
            variants.append((value + 1) % group.Q)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                changed = list(value)
                if isinstance(item, tuple):
                    changed[i] = (item[0] + group.G, item[1])
                    variants.append(changed)
                    changed = list(value)
                    changed[i] = (item[0], item[1] + group.G)
                elif isinstance(item, Point):
                    changed[i] = item + group.G
                else:
                    changed[i] = (item + 1) % group.Q
                variants.append(changed)
        assert variants, field.name
        for variant in variants:
            refused(rows, out, dataclasses.replace(proof, **{field.name: variant}))


def test_a_proof_from_another_shuffle_is_refused(mixed):
    rows, out, _proof = mixed
    _out2, other = mixnet.shuffle(KEY, rows, "ctx")
    refused(rows, out, other)


def test_a_chain_of_mixes_is_checked_link_by_link():
    plain, rows = encrypted_rows(5, 4)
    first = mixnet.shuffle(KEY, rows, "mix 1")
    second = mixnet.shuffle(KEY, first[0], "mix 2")
    final = mixnet.mix_chain_verify(KEY, rows, [first, second], ["mix 1", "mix 2"])
    assert Counter(decrypted(final)) == Counter(map(tuple, plain))
    with pytest.raises(ProofError, match="mix 2"):
        mixnet.mix_chain_verify(KEY, rows, [first, (second[0][::-1], second[1])],
                                ["mix 1", "mix 2"])


def test_malformed_input_is_refused_with_a_message():
    with pytest.raises(ProofError, match="empty"):
        mixnet.shuffle(KEY, [], "ctx")
    _plain, rows = encrypted_rows(2, 2)
    with pytest.raises(ProofError, match="same"):
        mixnet.shuffle(KEY, [rows[0], rows[1][:1]], "ctx")
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    data = proof.to_json()
    with pytest.raises(ProofError, match="fields"):
        mixnet.ShuffleProof.from_json({**data, "extra": 1}, rows=2, width=2)
    with pytest.raises(ProofError, match="chain"):
        mixnet.ShuffleProof.from_json({**data, "chain": data["chain"][:1]}, rows=2, width=2)
    with pytest.raises(ProofError, match="malformed"):
        mixnet.ShuffleProof.from_json({**data, "t1": "00" * 32}, rows=2, width=2)
