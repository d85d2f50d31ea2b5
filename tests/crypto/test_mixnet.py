"""The verifiable shuffle: an honest mix verifies and keeps the multiset of rankings; any change
to the output, the statement or the proof is refused, with a message naming what failed."""
import dataclasses
import json
import secrets
from collections import Counter

import pytest

from ballots.crypto import elgamal, group, mixnet
from ballots.crypto.proofs import ProofError

SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)


def encrypted_rows(count, width):
    """Rankings as a ballot box holds them: place j holds a candidate's number 1..width, or 0
    for no preference; every row different where the width allows it."""
    plain = []
    for i in range(count):
        order = list(range(1, width + 1))
        secrets.SystemRandom().shuffle(order)
        length = 1 + i % width
        plain.append(tuple(order[:length] + [0] * (width - length)))
    return plain, [[elgamal.encrypt(KEY, m)[0] for m in row] for row in plain]


def decrypted(rows, width):
    """Each row decrypted with the whole secret key and a table of g^0..g^width."""
    table = {group.base_mul(m): m for m in range(width + 1)}
    return [tuple(table[elgamal.decrypt_to_point(SECRET, c)] for c in row) for row in rows]


@pytest.mark.parametrize("width", [1, 3, 10])
@pytest.mark.parametrize("count", [1, 2, 17])
def test_an_honest_shuffle_verifies_and_keeps_the_rankings(count, width):
    plain, rows = encrypted_rows(count, width)
    out, proof = mixnet.shuffle(KEY, rows, ["election 7", "question 2", "mixer 1"])
    mixnet.shuffle_verify(KEY, rows, out, proof, ["election 7", "question 2", "mixer 1"])
    assert (len(out), len(out[0])) == (count, width)
    assert Counter(decrypted(out, width)) == Counter(plain)
    # Every ciphertext is re-encrypted: none of the input's appears in the output.
    assert not {c for row in rows for c in row} & {c for row in out for c in row}
    # The proof survives its JSON form.
    again = mixnet.ShuffleProof.from_json(json.loads(json.dumps(proof.to_json())),
                                          rows=count, width=width)
    assert again == proof
    mixnet.shuffle_verify(KEY, rows, out, again, ["election 7", "question 2", "mixer 1"])


def test_the_permutation_is_not_the_identity_every_time():
    # 17 rows stay in place with probability 1/17!; twice in a row is not chance.
    plain, rows = encrypted_rows(17, 2)
    orders = {tuple(decrypted(mixnet.shuffle(KEY, rows, "ctx")[0], 2)) for _ in range(2)}
    assert orders != {tuple(plain)}


# --- Refusals ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mixed():
    _plain, rows = encrypted_rows(6, 3)
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    mixnet.shuffle_verify(KEY, rows, out, proof, "ctx")  # the honest mix is accepted
    return rows, out, proof


def refused(rows, out, proof, context="ctx", key=KEY, match=None):
    with pytest.raises(ProofError, match=match):
        mixnet.shuffle_verify(key, rows, out, proof, context)


def copy(rows):
    return [list(row) for row in rows]


def test_a_changed_output_ciphertext_is_refused(mixed):
    rows, out, proof = mixed
    for i in range(len(out)):
        for j in range(len(out[0])):
            # The same vote re-encrypted once more, and another vote.
            changed = copy(out)
            changed[i][j] = elgamal.reencrypt(KEY, out[i][j], 5)
            refused(rows, changed, proof)
            changed[i][j] = elgamal.Ciphertext(out[i][j].alpha, out[i][j].beta + group.G)
            refused(rows, changed, proof)


def test_a_changed_input_ciphertext_is_refused(mixed):
    rows, out, proof = mixed
    changed = copy(rows)
    changed[3][1] = elgamal.Ciphertext(rows[3][1].alpha, rows[3][1].beta - group.G)
    refused(changed, out, proof)


def test_a_dropped_or_added_row_is_refused(mixed):
    rows, out, proof = mixed
    refused(rows, out[:-1], proof, match="given 6 rows of width 3 but output 5 rows")
    refused(rows, out[1:], proof, match="output 5 rows")
    refused(rows, [*out, out[0]], proof, match="output 7 rows")


def test_a_row_duplicated_in_place_of_another_is_refused(mixed):
    rows, out, proof = mixed
    for i in range(1, len(out)):
        changed = copy(out)
        changed[i] = list(out[0])
        refused(rows, changed, proof)


def test_ciphertexts_swapped_within_a_row_are_refused(mixed):
    rows, out, proof = mixed
    for i in range(len(out)):
        changed = copy(out)
        changed[i][0], changed[i][2] = changed[i][2], changed[i][0]
        refused(rows, changed, proof)


def test_a_ranking_reordered_within_its_row_is_refused_though_its_sum_is_the_same():
    # One ranking, whose places a mixer reverses: the row's sum is unchanged, so only a
    # proof per column catches it. The statement changed, so the challenge did too, and the
    # first equation checked fails.
    rows = [[elgamal.encrypt(KEY, 1)[0], elgamal.encrypt(KEY, 2)[0]]]
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    refused(rows, [out[0][::-1]], proof, match="t1 check")


def test_rows_permuted_after_proving_are_refused(mixed):
    rows, out, proof = mixed
    refused(rows, [out[1], out[0], *out[2:]], proof)
    refused(rows, out[::-1], proof)
    refused([rows[1], rows[0], *rows[2:]], out, proof)


def test_another_key_or_context_is_refused(mixed):
    rows, out, proof = mixed
    refused(rows, out, proof, context="ctx2")
    refused(rows, out, proof, context=["ctx"])
    refused(rows, out, proof, key=group.base_mul(group.random_scalar()))
    refused(rows, out, proof, key=KEY + group.G)


def _perturbations(proof):
    """Every single element of the proof, changed: a group element plus g, a scalar plus 1,
    and each half of each t4 pair on its own."""
    for field in dataclasses.fields(proof):
        value = getattr(proof, field.name)
        if isinstance(value, group.Point):
            yield field.name, value + group.G
        elif isinstance(value, int):
            yield field.name, (value + 1) % group.Q
        else:
            for i, item in enumerate(value):
                if isinstance(item, tuple):
                    for half in range(2):
                        pair = list(item)
                        pair[half] = pair[half] + group.G
                        yield field.name, value[:i] + (tuple(pair),) + value[i + 1:]
                elif isinstance(item, group.Point):
                    yield field.name, value[:i] + (item + group.G,) + value[i + 1:]
                else:
                    yield field.name, value[:i] + ((item + 1) % group.Q,) + value[i + 1:]


def test_every_element_of_the_proof_is_checked(mixed):
    rows, out, proof = mixed
    count = 0
    for name, variant in _perturbations(proof):
        refused(rows, out, dataclasses.replace(proof, **{name: variant}))
        count += 1
    # 3 t's, 3 pairs of t4, 6 t̂, 3 s's, 3 s4, 6 ŝ, 6 s', 6 commitments, 6 chain links.
    assert count == 3 + 3 * 2 + 6 + 3 + 3 + 6 + 6 + 6 + 6


def test_each_response_is_caught_by_its_own_equation(mixed):
    # A response enters one equation of CheckProof only (the challenge hashes the t's, not
    # the s's), so the message names that equation.
    rows, out, proof = mixed

    def replaced(**change):
        return dataclasses.replace(proof, **change)

    def bumped(values, index):
        return values[:index] + ((values[index] + 1) % group.Q,) + values[index + 1:]

    refused(rows, out, replaced(s1=proof.s1 + 1), match="t1 check")
    refused(rows, out, replaced(s2=proof.s2 + 1), match="t2 check")
    refused(rows, out, replaced(s3=proof.s3 + 1), match="t3 check")
    refused(rows, out, replaced(s4=bumped(proof.s4, 2)), match="t4 check .* column 3")
    refused(rows, out, replaced(s_hat=bumped(proof.s_hat, 4)), match="t̂ check .* row 5")
    refused(rows, out, replaced(s_prime=bumped(proof.s_prime, 0)), match="t3 check")


def test_a_proof_from_another_shuffle_is_refused(mixed):
    rows, out, _proof = mixed
    other_out, other = mixnet.shuffle(KEY, rows, "ctx")
    refused(rows, out, other)
    # Nor does another mix's proof go with its own output for other input.
    _plain, rows2 = encrypted_rows(6, 3)
    refused(rows2, other_out, other)


def _dishonest(rows, tamper, psi=None):
    """A mixer that shuffles honestly, then tampers with its output and proves over the
    tampered output with its true permutation and nonces: the hashes are all consistent, so
    only the equations of CheckProof can catch it."""
    count, width = len(rows), len(rows[0])
    psi = list(range(count))[::-1] if psi is None else psi
    nonces = [[group.random_scalar() for _ in range(width)] for _ in range(count)]
    out = [[elgamal.reencrypt(KEY, c, r) for c, r in zip(rows[psi[i]], nonces[i], strict=True)]
           for i in range(count)]
    out = tamper(copy(out))
    bases = mixnet.generators(count, "ctx")
    return out, mixnet._gen_proof(KEY, rows, out, nonces, psi, bases, "ctx")


def test_a_mixer_proving_over_a_tampered_output_is_caught_by_the_equations(mixed):
    rows, _out, _proof = mixed
    honest = _dishonest(rows, lambda out: out)
    mixnet.shuffle_verify(KEY, rows, *honest, "ctx")  # the dishonest mixer's honest run

    def changed(out):
        out[2][1] = elgamal.Ciphertext(out[2][1].alpha, out[2][1].beta + group.G)
        return out

    def swapped(out):
        out[4][0], out[4][2] = out[4][2], out[4][0]
        return out

    def duplicated(out):
        out[3] = list(out[1])
        return out

    refused(rows, *_dishonest(rows, changed), match="t4 check .* column 2$")
    refused(rows, *_dishonest(rows, swapped), match="t4 check .* column 1$")
    refused(rows, *_dishonest(rows, duplicated), match="t4 check .* column 1$")


def test_a_mixer_committing_to_something_other_than_a_permutation_is_caught(mixed):
    rows, _out, _proof = mixed
    # Row 0 of the input taken twice and row 1 never.
    refused(rows, *_dishonest(rows, lambda out: out, psi=[0, 0, 2, 3, 4, 5]))


def test_the_challenges_hash_the_whole_statement(mixed):
    # Fiat–Shamir over everything: u over (key, e, e', c, context), the challenge c over
    # those and (ĉ, t). Changing any one part changes them.
    rows, out, proof = mixed
    other = mixnet.shuffle(KEY, rows, "ctx")[1]
    parts = {"key": KEY, "rows_in": rows, "rows_out": out, "commitments": proof.commitments,
             "context": "ctx"}
    changes = {"key": KEY + group.G, "rows_in": rows[::-1], "rows_out": out[::-1],
               "commitments": other.commitments, "context": "ctx2"}

    def statement(**change):
        given = {**parts, **change}
        return mixnet._statement(given["key"], given["rows_in"], given["rows_out"],
                                 given["commitments"], given["context"])

    base = statement()
    assert mixnet._weights(base, 6) == mixnet._weights(base, 6)
    for name, value in changes.items():
        assert mixnet._weights(statement(**{name: value}), 6) != mixnet._weights(base, 6), name
    t = {"chain": proof.chain, "t1": proof.t1, "t2": proof.t2, "t3": proof.t3, "t4": proof.t4,
         "t_hat": proof.t_hat}

    def c(**change):
        given = {**t, **change}
        return mixnet._challenge(change.pop("statement", base), KEY, given["chain"],
                                 given["t1"], given["t2"], given["t3"], given["t4"],
                                 given["t_hat"])

    assert c() != c(statement=statement(context="ctx2"))
    for name in t:
        assert c() != c(**{name: getattr(other, name)}), name


def test_the_rows_must_be_non_empty_and_of_one_width():
    _plain, rows = encrypted_rows(3, 2)
    with pytest.raises(ProofError, match="empty: there is nothing to mix"):
        mixnet.shuffle(KEY, [], "ctx")
    with pytest.raises(ProofError, match="row 2 has 1 ciphertexts where row 1 has 2"):
        mixnet.shuffle(KEY, [rows[0], rows[1][:1], rows[2]], "ctx")
    with pytest.raises(ProofError, match="row 1 is not a non-empty list"):
        mixnet.shuffle(KEY, [[], []], "ctx")
    with pytest.raises(ProofError, match="not a ciphertext"):
        mixnet.shuffle(KEY, [rows[0], [rows[1][0], "ab"]], "ctx")
    with pytest.raises(ProofError, match="identity"):
        mixnet.shuffle(group.IDENTITY, rows, "ctx")
    with pytest.raises(ProofError, match="context cannot be hashed"):
        mixnet.shuffle(KEY, rows, {"election": 1})
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    refused([], out, proof, match="input rows are empty")
    refused(rows, [row[:1] for row in out], proof, match="output 3 rows of width 1")
    refused(rows, out, proof.to_json(), match="not a shuffle proof")


# --- The proof's JSON form ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    _plain, rows = encrypted_rows(3, 2)
    out, proof = mixnet.shuffle(KEY, rows, "ctx")
    return rows, out, proof


def read(data, **shape):
    return mixnet.ShuffleProof.from_json(data, **shape)


def test_a_proof_read_from_json_must_have_exactly_its_fields(small):
    _rows, _out, proof = small
    data = proof.to_json()
    with pytest.raises(ProofError, match="must be an object"):
        read([data])
    with pytest.raises(ProofError, match="unknown: extra"):
        read({**data, "extra": 1})
    without = dict(data)
    del without["t_hat"]
    with pytest.raises(ProofError, match="missing: t_hat"):
        read(without)
    with pytest.raises(ProofError, match="non-empty list of commitments"):
        read({**data, "commitments": []})


def test_a_proof_read_from_json_must_have_one_member_per_row_and_column(small):
    _rows, _out, proof = small
    data = proof.to_json()
    for name in ("t_hat", "s_hat", "s_prime", "chain"):
        with pytest.raises(ProofError, match=f"{name} must have one member for each of the 3 "
                                             f"rows, not 2"):
            read({**data, name: data[name][:2]})
    for name in ("t4", "s4"):
        with pytest.raises(ProofError, match=f"{name} must have one member for each of the 2 "
                                             f"columns, not 3"):
            read({**data, name: [*data[name], data[name][0]]}, rows=3, width=2)
    with pytest.raises(ProofError, match="must have one member for each of the 4 rows, not 3"):
        read(data, rows=4, width=2)
    with pytest.raises(ProofError, match="t4 must have one member for each of the 3 columns"):
        read(data, rows=3, width=3)
    with pytest.raises(ProofError, match="t4 in column 2 must be a pair"):
        read({**data, "t4": [data["t4"][0], data["t4"][1][:1]]})
    with pytest.raises(ProofError, match="chain must have one member .* not no list"):
        read({**data, "chain": "00"})


def test_a_proof_read_from_json_must_hold_group_elements_and_scalars(small):
    _rows, _out, proof = small
    data = proof.to_json()
    not_in_group = "00" * 31 + "80"  # not the encoding of any point
    with pytest.raises(ProofError, match="t1 is malformed"):
        read({**data, "t1": not_in_group})
    with pytest.raises(ProofError, match="chain at row 2 is malformed"):
        read({**data, "chain": [data["chain"][0], not_in_group, data["chain"][2]]})
    with pytest.raises(ProofError, match="t4 in column 1 is malformed"):
        read({**data, "t4": [[data["t4"][0][0], "zz" * 32], data["t4"][1]]})
    with pytest.raises(ProofError, match="s1 must be 64 hexadecimal digits"):
        read({**data, "s1": 5})
    with pytest.raises(ProofError, match="s2 is malformed: a scalar must be below"):
        read({**data, "s2": "ff" * 32})
    with pytest.raises(ProofError, match="s_hat at row 3 is malformed"):
        read({**data, "s_hat": [*data["s_hat"][:2], "12"]})
    with pytest.raises(ProofError, match="t_hat at row 1 must be 64 hexadecimal"):
        read({**data, "t_hat": [None, *data["t_hat"][1:]]})


def test_a_proof_made_in_memory_is_checked_for_its_shape(small):
    rows, out, proof = small
    refused(rows, out, dataclasses.replace(proof, s_hat=proof.s_hat[:2]),
            match="s_hat must have one member for each of the 3 rows, not 2")
    refused(rows, out, dataclasses.replace(proof, t4=[list(pair) for pair in proof.t4]),
            match="t4 must be a pair")
    refused(rows, out, dataclasses.replace(proof, s1=proof.s1 + group.Q),
            match="below the group order")
    refused(rows, out, dataclasses.replace(proof, t2=proof.t2.hex()),
            match="not made of group elements")


# --- The generators ----------------------------------------------------------------------------

def test_the_generators_are_independent_points_of_the_group_fixed_by_the_context():
    points = mixnet.generators(20, ["election 7", "mixer 1"])
    assert len(points) == 21
    assert len(set(points)) == 21 and group.G not in points
    for point in points:
        assert group.point_decode(point.encoded) == point and not point.is_identity
        assert point * group.Q == group.IDENTITY  # in the prime-order subgroup
    assert mixnet.generators(20, ["election 7", "mixer 1"]) == points
    assert mixnet.generators(5, ["election 7", "mixer 1"]) == points[:6]
    assert not set(mixnet.generators(20, ["election 7", "mixer 2"])) & set(points)


# --- A chain of mixers -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chain():
    plain, rows = encrypted_rows(5, 4)
    first = mixnet.shuffle(KEY, rows, "mix 1")
    second = mixnet.shuffle(KEY, first[0], "mix 2")
    return plain, rows, first, second


def test_a_chain_of_mixers_verifies_and_keeps_the_rankings(chain):
    plain, rows, first, second = chain
    mixnet.mix_chain_verify(KEY, rows, [first, second], ["mix 1", "mix 2"])
    assert Counter(decrypted(second[0], 4)) == Counter(plain)


def test_a_chain_is_checked_link_by_link(chain):
    _plain, rows, first, second = chain
    with pytest.raises(ProofError, match="^mix 2: the shuffle proof fails"):
        mixnet.mix_chain_verify(KEY, rows, [first, (second[0][::-1], second[1])],
                                ["mix 1", "mix 2"])
    with pytest.raises(ProofError, match="^mix 1: "):
        mixnet.mix_chain_verify(KEY, rows, [first, second], ["mix 2", "mix 2"])
    # The second mix taken from the first mix's input instead of its output.
    skipped = mixnet.shuffle(KEY, rows, "mix 2")
    with pytest.raises(ProofError, match="^mix 2: "):
        mixnet.mix_chain_verify(KEY, rows, [first, skipped], ["mix 1", "mix 2"])


def test_a_chain_needs_enough_mixers_each_with_a_context(chain):
    _plain, rows, first, second = chain
    with pytest.raises(ProofError, match="1 mixers where at least 2 are needed"):
        mixnet.mix_chain_verify(KEY, rows, [first], ["mix 1"])
    mixnet.mix_chain_verify(KEY, rows, [first], ["mix 1"], at_least=1)
    with pytest.raises(ProofError, match="2 mixes but 1 contexts"):
        mixnet.mix_chain_verify(KEY, rows, [first, second], ["mix 1"])
    with pytest.raises(ProofError, match="mix 2 must be its output rows and its proof"):
        mixnet.mix_chain_verify(KEY, rows, [first, second[0]], ["mix 1", "mix 2"])
