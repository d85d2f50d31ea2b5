"""A trustee's part in the count, on their own machine: check the whole box, recompute the
totals, and only then decrypt them; for STV, mix the latest rows, or decrypt the rows once
enough mixes have been made. The platform's request says what it needs; the trustee checks
that what it asks them to decrypt is what the box adds up to, so they never decrypt one
person's vote."""
from __future__ import annotations

from . import decryption, mixnet
from .record import (
    MIXES_NEEDED,
    Manifest,
    RecordError,
    box_read,
    mix_context,
    mix_input,
    mixes_check,
    rows_context,
    rows_json,
    totals,
    totals_context,
)


def respond(package: dict, index: int, share: int) -> dict:
    """The trustee's response to a count package (JSON-shaped), with partial decryptions
    and mixes as the package's `needs` ask."""
    manifest = Manifest.from_json(package["manifest"])
    if index not in manifest.public_shares:
        raise RecordError(f"trustee {index} is not one of this ballot's trustees")
    papers = box_read(manifest, package["box"])
    needs = package.get("needs", {})
    response: dict = {"index": index, "mixes": {}, "rows": {}}
    if needs.get("totals"):
        computed = totals(manifest, papers)
        if [t.label() for t in computed] != package.get("totals_labels"):
            raise RecordError("the totals the platform asks to decrypt are not the ones the "
                              "box adds up to")
        response["totals"] = decryption.partial_decrypt(
            index, share, [t.ciphertext for t in computed],
            totals_context(manifest.context)).to_json()
    for qid in needs.get("mix", []):
        mixes = package["mixes"].get(qid, [])
        rows = mixes_check(manifest, qid, mix_input(manifest, papers, qid), mixes)
        out, proof = mixnet.shuffle(manifest.key, rows,
                                    mix_context(manifest.context, qid, len(mixes) + 1))
        response["mixes"][qid] = {"mixer": index, "rows": rows_json(out),
                                  "proof": proof.to_json()}
    for qid in needs.get("rows", []):
        mixes = package["mixes"].get(qid, [])
        if len({m.get("mixer") for m in mixes}) < min(MIXES_NEEDED, len(manifest.public_shares)):
            raise RecordError(f"question {qid}: the rankings are decrypted only after "
                              f"{MIXES_NEEDED} trustees have mixed them")
        rows = mixes_check(manifest, qid, mix_input(manifest, papers, qid), mixes)
        flat = [c for row in rows for c in row]
        response["rows"][qid] = decryption.partial_decrypt(
            index, share, flat, rows_context(manifest.context, qid)).to_json()
    return response
