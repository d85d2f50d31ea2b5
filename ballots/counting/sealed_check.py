"""The recount's check of a sealed ballot: with no database and no key, anyone can check
that the published totals are the decryption of the sum of exactly the papers in the box,
at their weights, and that the STV rankings counted are the box's rankings after a
verified mix. Each check is named; the first that fails is reported.

Files (flat names in the bundle): `sealed.manifest.json` (the key, the trustees' public
shares, each question's encoding and cells), `sealed.box.jsonl` (one encrypted paper a
line: tracker, class, weight, answers; no names), `sealed.record.json` (the totals'
ciphertexts and values, the trustees' partial decryptions with proofs, the mixes with their
proofs, the decrypted rankings), and `sealed.ceremony.json` when the key was made by a
ceremony (every trustee's public and finish files)."""
import json

from ..crypto import ceremony as ceremony_crypto
from ..crypto import files as ceremony_files
from ..crypto import record as sealed
from ..crypto.elgamal import Ciphertext
from . import from_totals

MANIFEST = "sealed.manifest.json"
BOX = "sealed.box.jsonl"
RECORD = "sealed.record.json"
CEREMONY = "sealed.ceremony.json"


class SealedCheckError(ValueError):
    pass


def _json(files: dict[str, bytes], name: str):
    try:
        return json.loads(files[name])
    except KeyError:
        raise SealedCheckError(f"{name} is missing from the bundle") from None
    except (ValueError, UnicodeDecodeError):
        raise SealedCheckError(f"{name} is not JSON") from None


def is_sealed(files: dict[str, bytes]) -> bool:
    return MANIFEST in files


def check_sealed(files: dict[str, bytes]) -> tuple[dict, list[str]]:
    """(the verified record, the checks passed, in order). Raises SealedCheckError naming
    the check that fails."""
    passed = []
    manifest_json = _json(files, MANIFEST)
    record = _json(files, RECORD)
    try:
        manifest = sealed.Manifest.from_json(manifest_json)
        if CEREMONY in files:
            _ceremony_check(manifest, _json(files, CEREMONY))
            passed.append("the key is the joint key of the trustees' ceremony, and each "
                          "public share is the one their commitments give")
        try:
            lines = [json.loads(line) for line in files[BOX].decode().splitlines() if line]
        except (KeyError, ValueError, UnicodeDecodeError):
            raise SealedCheckError(f"{BOX} is missing or not one JSON object a line") from None
        papers = sealed.box_read(manifest, lines, verify=True)
        passed.append(f"every paper's proofs verify and its tracker is its hash "
                      f"({len(papers)} papers)")
        totals = sealed.totals(manifest, papers)
        given = [Ciphertext.from_json(c) for c in record["totals"]]
        labels = [t.label() for t in totals]
        if labels != record["totals_labels"] or len(given) != len(totals):
            raise SealedCheckError("the totals are not the ones the box's questions and "
                                   "cells have")
        for total, ciphertext in zip(totals, given, strict=True):
            if total.ciphertext != ciphertext:
                raise SealedCheckError(
                    f"the total of question {total.qid}, cell {total.cell}, entry "
                    f"{total.entry + 1} ({total.measure}) is not the sum of the box's papers: "
                    "a paper was added, dropped or changed, or a weight is wrong")
        passed.append("the totals are the sums of the box's papers at their weights")
        if totals:
            partials = sealed.partials_read(manifest, record["partials"]["totals"], given,
                                            sealed.totals_context(manifest.context),
                                            "the totals' decryption")
            values = sealed.decrypt(manifest, given, partials, record["bounds"], "the totals")
            if values != record["values"]:
                raise SealedCheckError("the totals' values are not the decryption of the "
                                       "totals")
            passed.append(f"the totals' values are their decryption by "
                          f"{len(partials)} trustees, every proof verified")
        for question in manifest.questions:
            if question.spec.kind != "stv":
                continue
            qid = question.qid
            rows = sealed.mixes_check(manifest, qid, sealed.mix_input(manifest, papers, qid),
                                      record["mixes"][qid])
            mixers = {m.get("mixer") for m in record["mixes"][qid]}
            if len(mixers) < min(sealed.MIXES_NEEDED, len(manifest.public_shares)):
                raise SealedCheckError(f"question {qid}: the rankings were mixed by "
                                       f"{len(mixers)} trustee(s), fewer than "
                                       f"{sealed.MIXES_NEEDED}")
            flat = [c for row in rows for c in row]
            partials = sealed.partials_read(manifest, record["partials"]["rows"][qid], flat,
                                            sealed.rows_context(manifest.context, qid),
                                            f"question {qid}'s rankings")
            bound = max([question.spec.options, *(p.weight for p in papers)])
            values = sealed.decrypt(manifest, flat, partials, bound, f"question {qid}")
            width = len(rows[0]) if rows else 0
            decoded = sealed.rankings_decode(question, [values[i:i + width] for i in
                                                        range(0, len(values), width)])
            if sorted([r, w] for r, w in decoded) != record["rankings"][qid]:
                raise SealedCheckError(f"question {qid}: the rankings counted are not the "
                                       "decryption of the last mix")
            passed.append(f"question {qid}: {len(record['mixes'][qid])} mixes verified, the "
                          "rankings counted are the last mix's decryption")
    except sealed.RecordError as error:
        raise SealedCheckError(str(error)) from None
    except (KeyError, TypeError) as error:
        raise SealedCheckError(f"{RECORD} is malformed: {error} is missing") from None
    return record, passed


def _ceremony_check(manifest, data: dict) -> None:
    try:
        publics = [ceremony_files.load("public", p) for p in data["publics"]]
        context, n = manifest.context, len(publics)
        k = publics[0].k
        publics = ceremony_crypto.publics_check(context, n, k, publics)
        for index, finish in enumerate(data["finishes"], start=1):
            checked = ceremony_crypto.finish_check(context, publics, index, finish)
            if checked.public_share != manifest.public_shares[index].hex():
                raise SealedCheckError(f"trustee {index}'s public share in the manifest is "
                                       "not the one of their finish file")
        if ceremony_crypto.joint_key(publics) != manifest.key:
            raise SealedCheckError("the ballot key is not the joint key of the ceremony")
    except (ceremony_crypto.CeremonyError, ceremony_files.FileError) as error:
        raise SealedCheckError(f"the key ceremony: {error}") from None


def tally_matches(record: dict, qid: str, votes: list[dict]) -> bool:
    key = lambda row: (row["class"], row["weight"], row["choice"], row["count"])  # noqa: E731
    return sorted(map(key, votes)) == sorted(map(key, from_totals.resolution_rows(record,
                                                                                  qid)))
