"""Schnorr, Chaum–Pedersen and range proofs: honest proofs verify, tampered ones do not."""
import pytest

from ballots.crypto import elgamal, group
from ballots.crypto.proofs import (
    Proof,
    ProofError,
    RangeProof,
    equality_prove,
    equality_verify,
    range_prove,
    range_verify,
    schnorr_prove,
    schnorr_verify,
)

SECRET = group.random_scalar()
KEY = group.base_mul(SECRET)


def bump(proof: Proof, by: int = 1) -> Proof:
    return Proof(proof.challenge, (proof.response + by) % group.Q)


def test_schnorr():
    x = group.random_scalar()
    proof = schnorr_prove(x, "trustee 1")
    assert schnorr_verify(group.base_mul(x), proof, "trustee 1")
    assert not schnorr_verify(group.base_mul(x), proof, "trustee 2")
    assert not schnorr_verify(group.base_mul(x + 1), proof, "trustee 1")
    assert not schnorr_verify(group.base_mul(x), bump(proof), "trustee 1")
    assert not schnorr_verify(group.IDENTITY, schnorr_prove(0, "t"), "t")


def test_chaum_pedersen():
    x = group.random_scalar()
    base = group.base_mul(group.random_scalar())
    proof = equality_prove(x, base, "c")
    public, result = group.base_mul(x), base * x
    assert equality_verify(public, base, result, proof, "c")
    assert not equality_verify(public, base, result, proof, "d")
    assert not equality_verify(public, base, result + group.G, proof, "c")
    assert not equality_verify(public, base + group.G, result, proof, "c")
    assert not equality_verify(public + group.G, base, result, proof, "c")
    assert not equality_verify(public, base, result, bump(proof), "c")


@pytest.mark.parametrize(("message", "limit"), [(0, 1), (1, 1), (0, 4), (3, 4), (4, 4), (0, 0)])
def test_range_proof_verifies(message, limit):
    ciphertext, nonce = elgamal.encrypt(KEY, message)
    proof = range_prove(KEY, ciphertext, message, nonce, limit, ["e", "q", 1])
    assert len(proof.proofs) == limit + 1
    assert range_verify(KEY, ciphertext, proof, limit, ["e", "q", 1])


def test_range_proof_refuses_tampering():
    ciphertext, nonce = elgamal.encrypt(KEY, 1)
    proof = range_prove(KEY, ciphertext, 1, nonce, 2, "ctx")
    assert range_verify(KEY, ciphertext, proof, 2, "ctx")
    # a changed ciphertext: re-encrypted, or holding another value
    assert not range_verify(KEY, elgamal.reencrypt(KEY, ciphertext, 5), proof, 2, "ctx")
    assert not range_verify(KEY, ciphertext + elgamal.encrypt(KEY, 0)[0], proof, 2, "ctx")
    moved = elgamal.Ciphertext(ciphertext.alpha, ciphertext.beta + group.G)
    assert not range_verify(KEY, moved, proof, 2, "ctx")
    # another context or key
    assert not range_verify(KEY, ciphertext, proof, 2, "other")
    assert not range_verify(KEY + group.G, ciphertext, proof, 2, "ctx")
    # the wrong limit: too few or too many parts
    assert not range_verify(KEY, ciphertext, proof, 1, "ctx")
    assert not range_verify(KEY, ciphertext, proof, 3, "ctx")
    # every part altered, one at a time; parts swapped
    for j in range(3):
        parts = list(proof.proofs)
        parts[j] = bump(parts[j])
        assert not range_verify(KEY, ciphertext, RangeProof(parts), 2, "ctx")
        parts = list(proof.proofs)
        parts[j] = Proof((parts[j].challenge + 1) % group.Q, parts[j].response)
        assert not range_verify(KEY, ciphertext, RangeProof(parts), 2, "ctx")
    swapped = RangeProof([proof.proofs[1], proof.proofs[0], proof.proofs[2]])
    assert not range_verify(KEY, ciphertext, swapped, 2, "ctx")
    # a proof for another ciphertext
    other, other_nonce = elgamal.encrypt(KEY, 1)
    other_proof = range_prove(KEY, other, 1, other_nonce, 2, "ctx")
    assert not range_verify(KEY, ciphertext, other_proof, 2, "ctx")


def test_an_out_of_range_value_cannot_be_proved():
    ciphertext, nonce = elgamal.encrypt(KEY, 2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        range_prove(KEY, ciphertext, 2, nonce, 1, "ctx")
    # a proof that is honest about a wider range is no proof for the narrower one
    wide = range_prove(KEY, ciphertext, 2, nonce, 2, "ctx")
    assert range_verify(KEY, ciphertext, wide, 2, "ctx")
    assert not range_verify(KEY, ciphertext, RangeProof(wide.proofs[:2]), 1, "ctx")
    # claiming another message with the true nonce gives a proof that does not verify
    lying = range_prove(KEY, ciphertext, 1, nonce, 1, "ctx")
    assert not range_verify(KEY, ciphertext, lying, 1, "ctx")


def test_a_key_of_the_identity_is_refused():
    ciphertext, nonce = elgamal.encrypt(group.IDENTITY, 1)
    proof = range_prove(group.IDENTITY, ciphertext, 1, nonce, 1, "ctx")
    assert not range_verify(group.IDENTITY, ciphertext, proof, 1, "ctx")


def test_range_proof_json():
    ciphertext, nonce = elgamal.encrypt(KEY, 0)
    proof = range_prove(KEY, ciphertext, 0, nonce, 1, "ctx")
    again = RangeProof.from_json(proof.to_json(), 1)
    assert again == proof
    assert range_verify(KEY, ciphertext, again, 1, "ctx")
    assert RangeProof.from_json(proof.to_json()).limit == 1
    with pytest.raises(ProofError, match="up to 2 must have 3 parts, not 2"):
        RangeProof.from_json(proof.to_json(), 2)
    for bad, message in [([], "non-empty list"), ("ab", "non-empty list"), (None, "non-empty"),
                         ([["00" * 32]], "part 0.*pair"),
                         ([proof.to_json()[0], ["zz" * 32, "00" * 32]], "part 1.*malformed"),
                         ([[group.scalar_hex(0), (group.Q).to_bytes(32, "little").hex()]],
                          "part 0.*below the group order")]:
        with pytest.raises(ProofError, match=message):
            RangeProof.from_json(bad)
