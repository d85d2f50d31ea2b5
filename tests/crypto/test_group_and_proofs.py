"""The group from libsodium agrees with an independent RFC 8032 arithmetic; every proof
accepts what is true and refuses what is tampered with."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.crypto import answers, decryption, dlog, elgamal, group, proofs, totals

from . import reference25519 as ref

SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)


@given(st.integers(min_value=1, max_value=group.Q - 1), st.integers(min_value=1,
                                                                     max_value=group.Q - 1))
@settings(max_examples=40, deadline=None)
def test_the_group_agrees_with_rfc_8032_arithmetic(a, b):
    assert group.base_mul(a).encoded == ref.encode(ref.mul(a, ref.BASE))
    pa, pb = group.base_mul(a), group.base_mul(b)
    assert (pa + pb).encoded == ref.encode(ref.add(ref.mul(a, ref.BASE), ref.mul(b, ref.BASE)))
    assert (pa * b).encoded == ref.encode(ref.mul(a * b % group.Q, ref.BASE))
    assert (pa - pb) + pb == pa


def test_rfc_8032_test_vector_1_public_key():
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    expected = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert ref.public_key(secret).hex() == expected
    import hashlib

    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    assert group.base_mul(a).hex() == expected


def test_points_received_are_checked():
    assert group.point_decode(group.IDENTITY.hex()) == group.IDENTITY
    small_order = ref.encode((0, P1 := ref.P - 1, 1, 0))  # (0, -1), of order 2
    assert P1
    for bad in (small_order, b"\x00" * 32, b"\xff" * 32, b"\x01" * 31):
        with pytest.raises(group.GroupError):
            group.point_decode(bad)
    # a point on the curve but outside the prime-order subgroup: G plus a point of order 2
    mixed = ref.encode(ref.add(ref.BASE, (0, ref.P - 1, 1, 0)))
    assert ref.decode(mixed) is not None
    with pytest.raises(group.GroupError):
        group.point_decode(mixed)
    # a non-canonical encoding of y (y + p)
    y = 1 + ref.P
    with pytest.raises(group.GroupError):
        group.point_decode(int.to_bytes(y, 32, "little"))


def test_range_proofs_accept_the_truth_and_refuse_anything_else():
    for limit in (1, 3):
        for message in range(limit + 1):
            ciphertext, nonce = elgamal.encrypt(KEY, message)
            proof = proofs.range_prove(KEY, ciphertext, message, nonce, limit, "ctx")
            assert proofs.range_verify(KEY, ciphertext, proof, limit, "ctx")
            assert not proofs.range_verify(KEY, ciphertext, proof, limit, "other")
            other, _ = elgamal.encrypt(KEY, message)
            assert not proofs.range_verify(KEY, other, proof, limit, "ctx")
            assert not proofs.range_verify(group.base_mul(5), ciphertext, proof, limit, "ctx")
    two, nonce = elgamal.encrypt(KEY, 2)
    with pytest.raises(proofs.ProofError):
        proofs.range_prove(KEY, two, 2, nonce, 1, "ctx")
    # a prover lying about the value cannot make a proof that verifies
    forged = proofs.range_prove(KEY, two, 1, nonce, 1, "ctx")
    assert not proofs.range_verify(KEY, two, forged, 1, "ctx")


SPECS = [answers.QuestionSpec("1", "resolution", 2), answers.QuestionSpec("2", "fptp", 4),
         answers.QuestionSpec("3", "block", 5, seats=2), answers.QuestionSpec("4", "stv", 4)]


@pytest.mark.parametrize(("spec", "answer"), [
    (SPECS[0], "for"), (SPECS[0], "withheld"), (SPECS[1], [3]), (SPECS[1], []),
    (SPECS[2], [0, 4]), (SPECS[3], [2, 0]), (SPECS[3], [])])
def test_an_answer_encrypts_verifies_and_decrypts(spec, answer):
    encrypted = answers.encrypt_answer(KEY, spec, answer, ("b", spec.qid))
    again = answers.EncryptedAnswer.from_json(json.loads(json.dumps(encrypted.to_json())), spec)
    answers.verify_answer(KEY, spec, again, ("b", spec.qid))
    values = [dlog.discrete_log(elgamal.decrypt_to_point(SECRET, c), 10)
              for c in again.ciphertexts]
    assert answers.decode(spec, values) == answer
    with pytest.raises(proofs.ProofError):
        answers.verify_answer(KEY, spec, again, ("b", "another question"))


def test_an_answer_that_breaks_its_question_is_refused_or_caught():
    with pytest.raises(answers.AnswerError):
        answers.encode(SPECS[1], [0, 1])
    with pytest.raises(answers.AnswerError):
        answers.encode(SPECS[2], [0, 1, 2])
    with pytest.raises(answers.AnswerError):
        answers.encode(SPECS[3], [1, 1])
    with pytest.raises(answers.AnswerError):
        answers.decode(SPECS[3], [2, 0, 1, 0])  # a gap
    # a voter's two 'for' votes on a first-past-the-post question: each entry 0/1 proves,
    # the sum does not
    spec = SPECS[1]
    pieces = [elgamal.encrypt(KEY, v) for v in (1, 1, 0, 0)]
    ciphertexts = [c for c, _ in pieces]
    entry_proofs = [proofs.range_prove(KEY, c, v, r, 1,
                                       answers.entry_context(("b", "2"), spec, i))
                    for i, ((c, r), v) in enumerate(zip(pieces, (1, 1, 0, 0), strict=True), 1)]
    total = elgamal.ciphertext_sum(ciphertexts)
    cheat = proofs.range_prove(KEY, total, 1, sum(r for _, r in pieces) % group.Q, 1,
                               answers.sum_context(("b", "2"), spec))
    with pytest.raises(proofs.ProofError, match="add up"):
        answers.verify_answer(KEY, spec, answers.EncryptedAnswer(ciphertexts, entry_proofs,
                                                                 cheat), ("b", "2"))


def test_malformed_answers_are_refused_with_a_message():
    good = answers.encrypt_answer(KEY, SPECS[0], "for", "c").to_json()
    for bad, words in [({**good, "extra": 1}, "nothing else"),
                       ({**good, "ciphertexts": good["ciphertexts"][:1]}, "2 ciphertexts"),
                       ({**good, "ciphertexts": [["zz", "00"], good["ciphertexts"][1]]},
                        "malformed"),
                       ({**good, "sum_proof": []}, "range proof")]:
        with pytest.raises(proofs.ProofError, match=words):
            answers.EncryptedAnswer.from_json(bad, SPECS[0])


def test_trackers_are_normalised_and_checked():
    encrypted = answers.encrypt_answer(KEY, SPECS[0], "for", "c")
    tracker = answers.tracker("p", {"1": encrypted})
    shown = answers.tracker_display(tracker)
    assert answers.tracker_normal(shown.upper()) == tracker
    with pytest.raises(answers.AnswerError):
        answers.tracker_normal(tracker[:-1])


def shamir(secret, threshold, size):
    coefficients = [secret] + [group.random_scalar() for _ in range(threshold - 1)]
    return {i: sum(c * i**j for j, c in enumerate(coefficients)) % group.Q
            for i in range(1, size + 1)}


@given(st.lists(st.tuples(st.sampled_from(["staff", "users", "community"]),
                          st.integers(min_value=1, max_value=10**4),
                          st.sampled_from(["for", "against", "withheld"])),
                min_size=1, max_size=12),
       st.sets(st.integers(min_value=1, max_value=3), min_size=2, max_size=3))
@settings(max_examples=15, deadline=None)
def test_encrypting_summing_and_decrypting_equals_the_plaintext_tally(papers, trustees):
    secret = group.random_scalar()
    key = group.base_mul(secret)
    shares = shamir(secret, 2, 3)
    spec = SPECS[0]
    expected, cells = {}, {}
    for klass, weight, choice in papers:
        encrypted = answers.encrypt_answer(key, spec, choice, ("b", klass, weight))
        cells.setdefault(klass, []).append((weight, encrypted.ciphertexts))
        for entry, value in enumerate(answers.encode(spec, choice)):
            expected[klass, entry] = expected.get((klass, entry), 0) + weight * value
    names = sorted(cells)
    sums = [totals.weighted_sum([row[entry] for _w, row in cells[klass]],
                                [w for w, _row in cells[klass]])
            for klass in names for entry in range(2)]
    partials = {i: decryption.partial_decrypt(i, shares[i], sums, "count")
                for i in trustees}
    for i, partial in partials.items():
        decryption.partial_check(group.base_mul(shares[i]), sums, partial, "count")
    values = decryption.decrypt_values(sums, partials, 12 * 10**4)
    assert values == [expected[klass, entry] for klass in names for entry in range(2)]


def test_a_tampered_partial_decryption_or_too_few_trustees_is_caught():
    secret = group.random_scalar()
    key = group.base_mul(secret)
    shares = shamir(secret, 2, 3)
    ciphertext, _ = elgamal.encrypt(key, 7)
    partial = decryption.partial_decrypt(1, shares[1], [ciphertext], "c")
    bad = decryption.PartialDecryption(1, [partial.points[0] + group.G], partial.proofs)
    with pytest.raises(proofs.ProofError, match="trustee 1"):
        decryption.partial_check(group.base_mul(shares[1]), [ciphertext], bad, "c")
    with pytest.raises(proofs.ProofError):
        decryption.partial_check(group.base_mul(shares[2]), [ciphertext], partial, "c")
    with pytest.raises(dlog.DiscreteLogError):
        decryption.decrypt_values([ciphertext], {1: partial}, 100)  # one of two is not enough
    both = {1: partial, 2: decryption.partial_decrypt(2, shares[2], [ciphertext], "c")}
    assert decryption.decrypt_values([ciphertext], both, 100) == [7]
