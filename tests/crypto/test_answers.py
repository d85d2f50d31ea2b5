"""Answers: encoding per kind of question, encryption with proofs, verification, trackers."""
import copy

import pytest

from ballots.crypto import elgamal, group
from ballots.crypto.answers import (
    AnswerError,
    EncryptedAnswer,
    QuestionSpec,
    decode,
    encode,
    encrypt_answer,
    entry_context,
    sum_context,
    tracker,
    tracker_display,
    tracker_normal,
    verify_answer,
    width,
)
from ballots.crypto.proofs import ProofError, RangeProof, range_prove, range_verify

SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)

RESOLUTION = QuestionSpec("q-res", "resolution", 2)
FPTP = QuestionSpec("q-fptp", "fptp", 4)
BLOCK = QuestionSpec("q-block", "block", 5, seats=2)
STV = QuestionSpec("q-stv", "stv", 4, seats=2)


def decrypt(encrypted: EncryptedAnswer, bound: int = 20) -> list[int]:
    from ballots.crypto.dlog import discrete_log
    return [discrete_log(elgamal.decrypt_to_point(SECRET, c), bound)
            for c in encrypted.ciphertexts]


# Encoding

@pytest.mark.parametrize(("spec", "answer", "values"), [
    (RESOLUTION, "for", [1, 0]),
    (RESOLUTION, "against", [0, 1]),
    (RESOLUTION, "withheld", [0, 0]),
    (FPTP, [2], [0, 0, 1, 0]),
    (FPTP, [], [0, 0, 0, 0]),
    (BLOCK, [4, 0], [1, 0, 0, 0, 1]),
    (BLOCK, [3], [0, 0, 0, 1, 0]),
    (STV, [2, 0, 3], [3, 1, 4, 0]),
    (STV, [1, 0, 3, 2], [2, 1, 4, 3]),
    (STV, [], [0, 0, 0, 0]),
])
def test_encode_and_decode(spec, answer, values):
    assert encode(spec, answer) == values
    assert len(values) == width(spec)
    decoded = decode(spec, values)
    assert decoded == answer if spec.kind in ("resolution", "stv") else \
        sorted(decoded) == sorted(answer)


@pytest.mark.parametrize(("spec", "answer", "message"), [
    (RESOLUTION, "yes", "for, against or withheld"),
    (RESOLUTION, ["for"], "for, against or withheld"),
    (FPTP, [0, 1], "at most 1"),
    (FPTP, [4], "no option 4"),
    (FPTP, [-1], "no option -1"),
    (FPTP, ["1"], "numbered"),
    (FPTP, [True], "numbered"),
    (FPTP, 2, "list"),
    (BLOCK, [0, 1, 2], "at most 2"),
    (BLOCK, [1, 1], "more than once"),
    (STV, [0, 2, 0], "more than once"),
    (STV, [0, 1, 2, 3, 3], "more than once"),
    (STV, [7], "no option 7"),
])
def test_encode_refuses_answers_that_do_not_fit(spec, answer, message):
    with pytest.raises(AnswerError, match=message):
        encode(spec, answer)


@pytest.mark.parametrize(("spec", "values", "message"), [
    (RESOLUTION, [1, 1], "2 choices"),
    (RESOLUTION, [1], "1 entries, not 2"),
    (RESOLUTION, [2, 0], r"entry 1 is 2, not an integer in \[0, 1\]"),
    (FPTP, [1, 0, 1, 0], "2 choices"),
    (BLOCK, [1, 1, 1, 0, 0], "3 choices"),
    (STV, [1, 1, 0, 0], "more than once"),
    (STV, [1, 0, 2, 0], "follows a blank"),
    (STV, [0, 3, 0, 0], "follows a blank"),
    (STV, [5, 0, 0, 0], r"entry 1 is 5, not an integer in \[0, 4\]"),
    (STV, [1, 2, -1, 0], r"entry 3 is -1"),
])
def test_decode_refuses_values_that_encode_no_answer(spec, values, message):
    with pytest.raises(AnswerError, match=message):
        decode(spec, values)


def test_question_specs_are_checked():
    for args, message in [(("", "fptp", 2), "id"), (("q", "approval", 2), "kind"),
                          (("q", "fptp", 0), "options"), (("q", "stv", 3, 0), "seats"),
                          (("q", "fptp", True), "options"), (("q", "fptp", 1001), "at most")]:
        with pytest.raises(AnswerError, match=message):
            QuestionSpec(*args)


def test_a_block_vote_with_more_seats_than_candidates_can_choose_them_all():
    spec = QuestionSpec("q", "block", 2, seats=3)
    assert spec.sum_limit == 2 and spec.entry_limit == 1
    assert encode(spec, [1, 0]) == [1, 1]
    encrypted = encrypt_answer(KEY, spec, [0, 1], "e")
    verify_answer(KEY, spec, encrypted, "e")
    assert encrypted.sum_proof.limit == 2


# Encryption and proofs

@pytest.mark.parametrize(("spec", "answer"), [
    (RESOLUTION, "for"), (RESOLUTION, "withheld"), (FPTP, [3]), (FPTP, []),
    (BLOCK, [0, 4]), (STV, [3, 1]), (STV, [0, 1, 2, 3]),
])
def test_encrypted_answers_verify_and_decrypt(spec, answer):
    encrypted = encrypt_answer(KEY, spec, answer, "election 7")
    verify_answer(KEY, spec, encrypted, "election 7")
    assert decrypt(encrypted) == encode(spec, answer)
    assert (encrypted.sum_proof is None) == (spec.kind == "stv")
    again = EncryptedAnswer.from_json(encrypted.to_json(), spec)
    assert again == encrypted
    verify_answer(KEY, spec, again, "election 7")


def test_verification_refuses_tampering():
    encrypted = encrypt_answer(KEY, FPTP, [1], "e")
    ciphertexts, proofs = encrypted.ciphertexts, encrypted.entry_proofs
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY, FPTP, encrypted, "another election")
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY, QuestionSpec("another question", "fptp", 4), encrypted, "e")
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY + group.G, FPTP, encrypted, "e")
    # a changed ciphertext
    changed = list(ciphertexts)
    changed[2] = elgamal.reencrypt(KEY, changed[2], 3)
    with pytest.raises(ProofError, match="entry 3 of 4"):
        verify_answer(KEY, FPTP, EncryptedAnswer(changed, proofs, encrypted.sum_proof), "e")
    # proofs swapped between entries (each is bound to its position and its ciphertext)
    swapped = [proofs[1], proofs[0], *proofs[2:]]
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY, FPTP, EncryptedAnswer(ciphertexts, swapped, encrypted.sum_proof),
                      "e")
    # entries and proofs swapped together: the entry proofs are bound to their positions
    both = EncryptedAnswer([ciphertexts[1], ciphertexts[0], *ciphertexts[2:]], swapped,
                           encrypted.sum_proof)
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY, FPTP, both, "e")
    # the sum proof of another answer
    other = encrypt_answer(KEY, FPTP, [1], "e")
    with pytest.raises(ProofError, match="the sum"):
        verify_answer(KEY, FPTP, EncryptedAnswer(ciphertexts, proofs, other.sum_proof), "e")
    with pytest.raises(ProofError, match="sum proof is missing|the sum is missing"):
        verify_answer(KEY, FPTP, EncryptedAnswer(ciphertexts, proofs, None), "e")
    with pytest.raises(ProofError, match="4 ciphertexts"):
        verify_answer(KEY, BLOCK, encrypted, "e")
    stv = encrypt_answer(KEY, STV, [1, 2], "e")
    with pytest.raises(ProofError, match="no sum proof"):
        verify_answer(KEY, STV, EncryptedAnswer(stv.ciphertexts, stv.entry_proofs,
                                                encrypted.sum_proof), "e")
    # an FPTP proof checked as an STV one: the limit differs
    with pytest.raises(ProofError, match=r"entry 1 of 4 \(a value in \[0, 4\]\)"):
        verify_answer(KEY, STV, EncryptedAnswer(ciphertexts, proofs, None), "e")


def hand_made(spec: QuestionSpec, values: list[int], entry_limit, sum_limit: int,
              context) -> EncryptedAnswer:
    """An answer built the way a cheating client would: each proof honest for its own range
    (`entry_limit` one for all entries or a list, one per entry)."""
    if isinstance(entry_limit, int):
        entry_limit = [entry_limit] * len(values)
    ciphertexts, proofs, nonces = [], [], []
    for position, (value, limit) in enumerate(zip(values, entry_limit, strict=True), 1):
        ciphertext, nonce = elgamal.encrypt(KEY, value)
        ciphertexts.append(ciphertext)
        nonces.append(nonce)
        proofs.append(range_prove(KEY, ciphertext, value, nonce, limit,
                                  entry_context(context, spec, position)))
    total = elgamal.ciphertext_sum(ciphertexts)
    sum_proof = range_prove(KEY, total, sum(values), sum(nonces) % group.Q, sum_limit,
                            sum_context(context, spec))
    return EncryptedAnswer(ciphertexts, proofs, sum_proof)


def test_out_of_range_answers_are_refused():
    # the hand-made answer is accepted when within its question's limits: the checks below fail
    # only for the value that is out of range
    verify_answer(KEY, FPTP, hand_made(FPTP, [0, 1, 0, 0], 1, 1, "e"), "e")
    with pytest.raises(ProofError, match="the sum"):
        verify_answer(KEY, FPTP, hand_made(FPTP, [1, 1, 0, 0], 1, 2, "e"), "e")
    with pytest.raises(ProofError, match="entry 2 of 4"):
        verify_answer(KEY, FPTP, hand_made(FPTP, [0, 2, 0, 0], [1, 2, 1, 1], 2, "e"), "e")
    with pytest.raises(ProofError, match="the sum"):
        verify_answer(KEY, BLOCK, hand_made(BLOCK, [1, 1, 1, 0, 0], 1, 3, "e"), "e")
    with pytest.raises(ProofError, match="the sum"):
        verify_answer(KEY, RESOLUTION, hand_made(RESOLUTION, [1, 1], 1, 2, "e"), "e")
    # a negative vote (-1 = Q - 1) beside two votes: the sum is 1 and its proof is honest
    entries = [group.Q - 1, 1, 1, 0]
    encrypted = [elgamal.encrypt(KEY, m) for m in entries]
    ciphertexts = [c for c, _ in encrypted]
    total = elgamal.ciphertext_sum(ciphertexts)
    sum_proof = range_prove(KEY, total, 1, sum(r for _, r in encrypted) % group.Q, 1,
                            sum_context("e", FPTP))
    assert range_verify(KEY, total, sum_proof, 1, sum_context("e", FPTP))
    # no range proof exists for -1: the cheat proves 0 with the nonce used
    proofs = [range_prove(KEY, c, 0 if m == group.Q - 1 else m, r, 1,
                          entry_context("e", FPTP, i))
              for i, ((c, r), m) in enumerate(zip(encrypted, entries, strict=True), 1)]
    with pytest.raises(ProofError, match="entry 1 of 4"):
        verify_answer(KEY, FPTP, EncryptedAnswer(ciphertexts, proofs, sum_proof), "e")


def test_stv_entries_are_range_proved_and_distinctness_is_checked_after_decryption():
    honest_but_repeated = hand_made(STV, [2, 2, 0, 0], 4, 8, "e")
    verify_answer(KEY, STV, EncryptedAnswer(honest_but_repeated.ciphertexts,
                                            honest_but_repeated.entry_proofs, None), "e")
    with pytest.raises(AnswerError, match="more than once"):
        decode(STV, decrypt(honest_but_repeated))
    too_big = hand_made(STV, [1, 5, 0, 0], [4, 5, 4, 4], 6, "e")
    with pytest.raises(ProofError, match="entry 2 of 4"):
        verify_answer(KEY, STV, EncryptedAnswer(too_big.ciphertexts, too_big.entry_proofs, None),
                      "e")


def test_encrypt_answer_refuses_an_answer_that_does_not_fit():
    with pytest.raises(AnswerError, match="at most 2"):
        encrypt_answer(KEY, BLOCK, [0, 1, 2], "e")


# JSON

def test_from_json_names_what_is_wrong():
    good = encrypt_answer(KEY, FPTP, [0], "e").to_json()

    def broken(change):
        value = copy.deepcopy(good)
        change(value)
        return value

    cases = [
        ("not a dict", "exactly ciphertexts, entry_proofs and sum_proof, nothing else"),
        ({**good, "extra": 1}, "exactly"),
        (broken(lambda v: v.pop("sum_proof")), "exactly"),
        (broken(lambda v: v.update(ciphertexts=[])), "the ciphertexts must be a list"),
        (broken(lambda v: v.update(ciphertexts="x")), "the ciphertexts must be a list"),
        (broken(lambda v: v["entry_proofs"].pop()), "one entry proof per ciphertext"),
        (broken(lambda v: v["ciphertexts"].__setitem__(2, ["00" * 32])),
         "entry 3's ciphertext is malformed: a ciphertext must be a pair"),
        (broken(lambda v: v["ciphertexts"][1].__setitem__(0, "ff" * 32)),
         "entry 2's ciphertext is malformed: not an element"),
        (broken(lambda v: v["entry_proofs"].__setitem__(0, [])),
         "entry 1's range proof: a range proof must be a non-empty list"),
        (broken(lambda v: v["entry_proofs"][3][1].__setitem__(1, "xy")),
         "entry 4's range proof: part 1"),
        (broken(lambda v: v.update(sum_proof=5)), "the sum proof: a range proof must be"),
    ]
    for value, message in cases:
        with pytest.raises(AnswerError, match=message):
            EncryptedAnswer.from_json(value)
        with pytest.raises(ProofError, match=message):  # caught either way
            EncryptedAnswer.from_json(value)
    spec_cases = [
        (good, BLOCK, "q-block: an answer has 5 ciphertexts, not 4"),
        (good, QuestionSpec("q", "stv", 4), r"entry 1's range proof: .*up to 4 must have 5"),
        (broken(lambda v: v.update(sum_proof=None)), FPTP, "a sum proof is missing"),
    ]
    for value, spec, message in spec_cases:
        with pytest.raises(AnswerError, match=message):
            EncryptedAnswer.from_json(value, spec)
    stv = encrypt_answer(KEY, STV, [0], "e").to_json()
    stv["sum_proof"] = good["sum_proof"]
    with pytest.raises(AnswerError, match="an STV answer has no sum proof"):
        EncryptedAnswer.from_json(stv, STV)
    assert EncryptedAnswer.from_json(good, FPTP) == EncryptedAnswer.from_json(good)
    assert isinstance(EncryptedAnswer.from_json(good).sum_proof, RangeProof)


# Trackers

def test_tracker():
    answers = {"b": encrypt_answer(KEY, FPTP, [1], "e"),
               "a": encrypt_answer(KEY, RESOLUTION, "for", "e")}
    value = tracker("e", answers)
    assert len(value) == 64 and int(value, 16) >= 0
    assert tracker("e", dict(reversed(answers.items()))) == value  # in id order, not insertion
    assert tracker("f", answers) != value
    changed = dict(answers)
    first = answers["a"]
    changed["a"] = EncryptedAnswer([elgamal.reencrypt(KEY, first.ciphertexts[0], 1),
                                    first.ciphertexts[1]], first.entry_proofs, first.sum_proof)
    assert tracker("e", changed) != value
    assert tracker("e", {"c": answers["a"], "b": answers["b"]}) != value  # the ids count


def test_tracker_display_and_normal():
    value = "0123456789abcdef" * 4
    shown = tracker_display(value)
    groups = shown.split(" ")
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)
    assert "".join(groups) == value
    assert tracker_normal(shown) == value
    assert tracker_normal(shown.upper().replace(" ", "-")) == value
    assert tracker_normal("  " + shown.replace(" ", " - ") + "\n") == value
    for bad in [value[:-1], value + "0", value[:-1] + "g", "", None, 12]:
        with pytest.raises(AnswerError, match="64 hexadecimal digits|is text"):
            tracker_normal(bad)
