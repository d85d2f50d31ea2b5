"""Weighted totals, threshold decryption and small discrete logarithms, end to end."""
import secrets
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.crypto import elgamal, group
from ballots.crypto.answers import QuestionSpec, encode, encrypt_answer, verify_answer, width
from ballots.crypto.decryption import (
    PartialDecryption,
    combine,
    decrypt_values,
    lagrange,
    partial_check,
    partial_decrypt,
)
from ballots.crypto.dlog import DiscreteLogError, discrete_log
from ballots.crypto.proofs import Proof, ProofError
from ballots.crypto.totals import column_sums, weighted_sum


def shamir(secret: int, threshold: int, count: int) -> dict[int, int]:
    """Shares f(1)..f(count) of a random polynomial of degree threshold - 1 with f(0) = secret."""
    coefficients = [secret] + [secrets.randbelow(group.Q) for _ in range(threshold - 1)]
    return {i: sum(c * i**k for k, c in enumerate(coefficients)) % group.Q
            for i in range(1, count + 1)}


SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)
SHARES = shamir(SECRET, 2, 3)
PUBLIC_SHARES = {i: group.base_mul(s) for i, s in SHARES.items()}

QUESTIONS = [QuestionSpec("res", "resolution", 2), QuestionSpec("fptp", "fptp", 3),
             QuestionSpec("block", "block", 4, seats=2)]


def answer_strategy(spec: QuestionSpec):
    if spec.kind == "resolution":
        return st.sampled_from(["for", "against", "withheld"])
    most = 1 if spec.kind == "fptp" else spec.seats
    return st.lists(st.integers(0, spec.options - 1), max_size=most, unique=True)


ballot = st.fixed_dictionaries({
    "weight": st.integers(1, 10**4),
    "class": st.sampled_from(["staff", "users", "community"]),
    "answers": st.tuples(*[answer_strategy(spec) for spec in QUESTIONS]),
})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ballots=st.lists(ballot, min_size=1, max_size=6),
       quorum=st.sampled_from([(1, 2), (1, 3), (2, 3), (1, 2, 3)]))
def test_weighted_class_totals_decrypt_to_the_plaintext_totals(ballots, quorum):
    context = "election 1"
    expected: dict[tuple[str, str], list[int]] = {}
    rows: dict[tuple[str, str], list] = defaultdict(list)
    weights: dict[str, list[int]] = defaultdict(list)
    for paper in ballots:
        weights[paper["class"]].append(paper["weight"])
        for spec, answer in zip(QUESTIONS, paper["answers"], strict=True):
            encrypted = encrypt_answer(KEY, spec, answer, context)
            verify_answer(KEY, spec, encrypted, context)
            key = (paper["class"], spec.qid)
            rows[key].append(encrypted.ciphertexts)
            plain = [v * paper["weight"] for v in encode(spec, answer)]
            before = expected.get(key, [0] * len(plain))
            expected[key] = [a + b for a, b in zip(before, plain, strict=True)]
    # per class and question, the weighted column sums; then all of them decrypted together
    keys = sorted(rows)
    totals = []
    for key in keys:
        totals += column_sums(rows[key], weights[key[0]])
    partials = {i: partial_decrypt(i, SHARES[i], totals, context) for i in quorum}
    for i, partial in partials.items():
        partial_check(PUBLIC_SHARES[i], totals, partial, context)
    bound = sum(paper["weight"] for paper in ballots)
    values = decrypt_values(totals, partials, bound)
    position = 0
    for key in keys:
        spec_width = width(next(s for s in QUESTIONS if s.qid == key[1]))
        assert values[position:position + spec_width] == expected[key], key
        position += spec_width
    assert position == len(values)
    # one trustee is not a quorum: what comes out is no total at all
    lone = quorum[0]
    with pytest.raises(DiscreteLogError):
        decrypt_values(totals, {lone: partials[lone]}, bound)


@pytest.fixture(scope="module")
def decrypted():
    messages = [0, 1, 7, 12345]
    ciphertexts = [elgamal.encrypt(KEY, m)[0] for m in messages]
    partials = {i: partial_decrypt(i, SHARES[i], ciphertexts, "ctx") for i in (1, 2, 3)}
    return messages, ciphertexts, partials


def test_partial_decryptions_verify_and_any_two_combine(decrypted):
    messages, ciphertexts, partials = decrypted
    for i, partial in partials.items():
        partial_check(PUBLIC_SHARES[i], ciphertexts, partial, "ctx")
        again = PartialDecryption.from_json(partial.to_json())
        assert again == partial
        partial_check(PUBLIC_SHARES[i], ciphertexts, again, "ctx")
    for quorum in [(1, 2), (2, 3), (1, 3), (1, 2, 3)]:
        chosen = {i: partials[i] for i in quorum}
        assert decrypt_values(ciphertexts, chosen, 20000) == messages
        assert combine(ciphertexts, chosen) == [group.base_mul(m) for m in messages]


def test_tampered_partial_decryptions_are_refused(decrypted):
    messages, ciphertexts, partials = decrypted
    honest = partials[2]
    # a changed point
    points = list(honest.points)
    points[2] = points[2] + group.G
    with pytest.raises(ProofError, match="trustee 2's partial decryption of item 3 of 4"):
        partial_check(PUBLIC_SHARES[2], ciphertexts, PartialDecryption(2, points, honest.proofs),
                      "ctx")
    # a changed proof
    proofs = list(honest.proofs)
    proofs[0] = Proof(proofs[0].challenge, (proofs[0].response + 1) % group.Q)
    with pytest.raises(ProofError, match="item 1 of 4"):
        partial_check(PUBLIC_SHARES[2], ciphertexts, PartialDecryption(2, honest.points, proofs),
                      "ctx")
    # another trustee's public share, another context, other ciphertexts
    with pytest.raises(ProofError, match="item 1 of 4"):
        partial_check(PUBLIC_SHARES[3], ciphertexts, honest, "ctx")
    with pytest.raises(ProofError, match="item 1 of 4"):
        partial_check(PUBLIC_SHARES[2], ciphertexts, honest, "other")
    other = [elgamal.reencrypt(KEY, c, 9) for c in ciphertexts]
    with pytest.raises(ProofError, match="item 1 of 4"):
        partial_check(PUBLIC_SHARES[2], other, honest, "ctx")
    # relabelled as trustee 3: the proofs are bound to the trustee's index
    relabelled = PartialDecryption(3, honest.points, honest.proofs)
    with pytest.raises(ProofError, match="trustee 3's partial decryption of item 1"):
        partial_check(PUBLIC_SHARES[2], ciphertexts, relabelled, "ctx")
    with pytest.raises(ProofError, match="covers 3 items, not 4"):
        partial_check(PUBLIC_SHARES[2], ciphertexts,
                      PartialDecryption(2, honest.points[:3], honest.proofs[:3]), "ctx")


def test_a_wrong_trustee_set_is_refused(decrypted):
    messages, ciphertexts, partials = decrypted
    # trustee 2's work filed as trustee 3's
    with pytest.raises(ValueError, match="filed under trustee 3 is trustee 2's"):
        combine(ciphertexts, {1: partials[1], 3: partials[2]})
    # trustee 2's work relabelled as trustee 3's: wrong Lagrange coefficients, no totals
    relabelled = PartialDecryption(3, partials[2].points, partials[2].proofs)
    with pytest.raises(DiscreteLogError):
        decrypt_values(ciphertexts, {1: partials[1], 3: relabelled}, 20000)
    with pytest.raises(ValueError, match="no partial decryptions"):
        combine(ciphertexts, {})
    with pytest.raises(ValueError, match="covers 4 items, not 3"):
        combine(ciphertexts[:3], {1: partials[1], 2: partials[2]})


def test_partial_decryption_json_errors():
    good = partial_decrypt(1, SHARES[1], [elgamal.encrypt(KEY, 1)[0]], "ctx").to_json()
    for value, message in [
        ("x", "exactly: index, points, proofs"),
        ({**good, "index": 0}, "positive integer"),
        ({**good, "index": True}, "positive integer"),
        ({**good, "points": "ab"}, "must be lists"),
        ({**good, "proofs": []}, "1 points but 0 proofs"),
        ({**good, "points": ["ff" * 32]}, "trustee 1's point 1: not an element"),
        ({**good, "proofs": [["00" * 32]]}, "trustee 1's proof 1"),
    ]:
        with pytest.raises(ProofError, match=message):
            PartialDecryption.from_json(value)


def test_lagrange_coefficients_recover_the_secret():
    secret = secrets.randbelow(group.Q)
    shares = shamir(secret, 3, 5)
    for quorum in [(1, 2, 3), (2, 4, 5), (1, 3, 5), (1, 2, 3, 4, 5)]:
        assert sum(lagrange(i, quorum) * shares[i] for i in quorum) % group.Q == secret
    assert sum(lagrange(i, (1, 2)) * shares[i] for i in (1, 2)) % group.Q != secret
    with pytest.raises(ValueError, match="not among"):
        lagrange(4, (1, 2, 3))
    with pytest.raises(ValueError, match="distinct positive"):
        lagrange(1, (1, 1, 2))
    with pytest.raises(ValueError, match="distinct positive"):
        lagrange(1, (0, 1))


def test_weighted_sum_and_column_sums():
    messages = [1, 0, 1, 1, 0, 1]
    weights = [5, 5, 3, 0, 5, 10**4]
    ciphertexts = [elgamal.encrypt(KEY, m)[0] for m in messages]
    total = weighted_sum(ciphertexts, weights)
    expected = sum(m * w for m, w in zip(messages, weights, strict=True))
    assert elgamal.decrypt_to_point(SECRET, total) == group.base_mul(expected)
    rows = [[c, elgamal.encrypt(KEY, 2)[0]] for c in ciphertexts]
    sums = column_sums(rows, weights)
    assert [elgamal.decrypt_to_point(SECRET, s) for s in sums] == \
        [group.base_mul(expected), group.base_mul(2 * sum(weights))]
    assert weighted_sum([], []) == elgamal.ZERO
    assert column_sums([], []) == []
    with pytest.raises(ValueError, match="2 ciphertexts but 1 weights"):
        weighted_sum(ciphertexts[:2], [1])
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="non-negative integer"):
            weighted_sum(ciphertexts[:1], [bad])
    with pytest.raises(ValueError, match="row 2 has 1 ciphertexts, not 2"):
        column_sums([rows[0], rows[1][:1]], [1, 1])


def test_discrete_log():
    for m, bound in [(0, 0), (0, 5), (5, 5), (3, 1000), (999_999, 10**6), (10**6, 10**6),
                     (65_536, 70_000), (123_456_789, 2 * 10**8)]:
        assert discrete_log(group.base_mul(m), bound) == m
    for m, bound in [(1, 0), (6, 5), (10**6 + 1, 10**6), (group.Q - 1, 100)]:
        with pytest.raises(DiscreteLogError, match=rf"\[0, {bound}\]"):
            discrete_log(group.base_mul(m), bound)
    with pytest.raises(DiscreteLogError):
        discrete_log(group.base_mul(group.random_scalar()), 10**4)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="non-negative integer"):
            discrete_log(group.G, bad)
