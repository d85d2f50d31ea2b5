"""Benchmark: an STV count of N ranked ballots under both rules.

    .venv/bin/python -m bench.stv --ballots 1000000

Generates N random ballots for 10 candidates and 3 seats (seeded, so every run counts the
same ballots) with a realistic skew: candidates of unequal popularity in three slates,
later preferences favouring the first preference's slate, and most voters ranking only a
few candidates (a quarter rank one, about one in twenty-five rank all ten). Each ballot
is handed to the count as its own ``(ranking, 1)`` pair, as rows read from a database
would be, and counted under the Scottish rules and ERS97.

The last line of output is one JSON object: seconds to generate, seconds for each count
(including adding up identical rankings), peak memory of the process (maximum resident
set size) and "ok" when the targets are met (both counts together at most 10 s, peak at
most 500 MB).

    .venv/bin/python -m bench.stv --encrypted --ballots 10000

With ``--encrypted`` (10,000 ballots unless ``--ballots`` says otherwise) the ballots go the
sealed ballot box's way instead: each ranking is a row of one ciphertext per preference place
(place j holds the number 1..10 of the candidate ranked j-th, 0 for none), encrypted under one
key with ``elgamal.encrypt`` directly (the 0/1 and sum proofs made at casting are left out:
they are not part of the count); two mixers in turn permute and re-encrypt the rows and prove
their shuffle; both proofs are verified; the output is decrypted with the whole secret key and a
table of g^0..g^10 (a stand-in for the trustees' threshold decryption, which has its own
proofs and is not timed here); the rankings are counted under both rules and the result must
equal the count of the plaintext ballots, stage by stage. It prints each phase's seconds (wall
clock and this process's CPU) and milliseconds per ballot; "ok" when mixing, proving,
verifying, decrypting and counting together take at most 10 minutes of wall-clock time.
"""

import argparse
import json
import random
import resource
import sys
import time
from collections import Counter

from ballots.counting.stv import ERS97, SCOTTISH, count_stv

CANDIDATES = [f"Candidate {chr(ord('A') + i)}" for i in range(10)]
SEATS = 3
POPULARITY = [24, 18, 14, 11, 9, 7, 6, 5, 3, 2]
SLATE = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2]
SAME_SLATE = 4  # how much more likely a later preference stays within the first's slate
LENGTHS = list(range(1, 11))
LENGTH_WEIGHTS = [25, 18, 15, 11, 8, 6, 5, 4, 4, 4]
TARGETS = {"count_seconds": 10.0, "peak_mb": 500.0}
ENCRYPTED_TARGETS = {"mix_to_count_seconds": 600.0}
MIXERS = 2


def generate(n: int, seed: int) -> list[tuple[tuple[int, ...], int]]:
    """N ballots, as (ranking, number of ballots) for each different ranking drawn.

    Equivalent to drawing each ballot on its own (a length, then preferences one at a
    time, each candidate with probability proportional to its weight among those not yet
    ranked), but draws all the ballots that share a prefix together."""
    rng = random.Random(seed)
    lengths = Counter(rng.choices(LENGTHS, LENGTH_WEIGHTS, k=n))
    out: list[tuple[tuple[int, ...], int]] = []
    stack: list[tuple[tuple[int, ...], Counter]] = [((), lengths)]
    while stack:
        prefix, wanting = stack.pop()
        depth = len(prefix)
        if depth and wanting.get(depth):
            out.append((prefix, wanting.pop(depth)))
        if not wanting:
            continue
        left = [c for c in range(len(CANDIDATES)) if c not in prefix]
        if depth:
            weights = [POPULARITY[c] * (SAME_SLATE if SLATE[c] == SLATE[prefix[0]] else 1)
                       for c in left]
        else:
            weights = [POPULARITY[c] for c in left]
        children: dict[int, Counter] = {}
        for length, count in wanting.items():
            for c, k in Counter(rng.choices(left, weights, k=count)).items():
                children.setdefault(c, Counter())[length] += k
        for c, child in children.items():
            stack.append((prefix + (c,), child))
    return out


def one_by_one(groups):
    """Each ballot as its own pair, with a ranking tuple of its own."""
    for ranking, count in groups:
        as_list = list(ranking)
        for _ in range(count):
            yield tuple(as_list), 1


def as_row(ranking: tuple[int, ...]) -> list[int]:
    """A ranking as the ballot box holds it: the candidate's number (1-based) in each place,
    0 where no candidate is ranked."""
    return [c + 1 for c in ranking] + [0] * (len(CANDIDATES) - len(ranking))


def as_ranking(row: list[int]) -> tuple[int, ...]:
    """The ranking of a decrypted row: the numbers before the first 0, as 0-based indices."""
    length = row.index(0) if 0 in row else len(row)
    if any(row[length:]):
        raise ValueError(f"a decrypted row ranks a candidate after a blank place: {row}")
    return tuple(m - 1 for m in row[:length])


def decrypt_rows(secret: int, rows) -> list[list[int]]:
    """Each ciphertext decrypted with the whole secret key, g^m looked up among g^0..g^n."""
    from ballots.crypto import elgamal, group

    table = {group.base_mul(m): m for m in range(len(CANDIDATES) + 1)}
    out = []
    for row in rows:
        plain = []
        for ciphertext in row:
            m = table.get(elgamal.decrypt_to_point(secret, ciphertext))
            if m is None:
                raise ValueError("a ciphertext decrypts to no candidate's number")
            plain.append(m)
        out.append(plain)
    return out


def main_encrypted(args) -> int:
    from ballots.crypto import elgamal, group, mixnet

    # Wall-clock seconds, and this process's CPU seconds: on a machine shared with other
    # work the second is the cost of the phase itself.
    cpu_total = 0.0

    def timed(label, function, *arguments):
        nonlocal cpu_total
        started, cpu_started = time.perf_counter(), time.process_time()
        value = function(*arguments)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(f"{label}: {seconds:.2f} s, {cpu:.2f} s of CPU "
              f"({seconds / args.ballots * 1e3:.2f} ms a ballot)", file=sys.stderr)
        figures[f"{label}_seconds"] = round(seconds, 2)
        figures[f"{label}_cpu_seconds"] = round(cpu, 2)
        if label not in ("generate", "encrypt"):
            cpu_total += cpu
        return value, seconds

    n = args.ballots
    figures = {"bench": "stv_encrypted", "ballots": n, "candidates": len(CANDIDATES),
               "seats": SEATS, "mixers": MIXERS, "ciphertexts": n * len(CANDIDATES)}
    groups, _ = timed("generate", generate, n, args.seed)
    plain_rows = [as_row(ranking) for ranking, _ in one_by_one(groups)]

    secret = group.random_scalar()
    key = group.base_mul(secret)
    rows, _ = timed("encrypt", lambda: [[elgamal.encrypt(key, m)[0] for m in row]
                                        for row in plain_rows])

    target_seconds = 0.0  # mixing, proving, verifying, decrypting and counting
    contexts = [["bench.stv", f"mixer {number}"] for number in range(1, MIXERS + 1)]
    mixes, current = [], rows
    for number, context in enumerate(contexts, 1):
        (current, proof), seconds = timed(f"mix_{number}", mixnet.shuffle, key, current,
                                          context)
        target_seconds += seconds
        mixes.append((current, proof))
        figures[f"proof_{number}_bytes"] = len(json.dumps(proof.to_json()))
    # Both proofs, each mix taking the one before's output, as anyone checks the bundle.
    _, seconds = timed("verify", mixnet.mix_chain_verify, key, rows, mixes, contexts)
    target_seconds += seconds

    decrypted, seconds = timed("decrypt", decrypt_rows, secret, current)
    target_seconds += seconds
    assert Counter(map(tuple, decrypted)) == Counter(map(tuple, plain_rows)), \
        "the mixed ballots are not the ballots cast"
    rankings = [as_ranking(row) for row in decrypted]

    for rule in (SCOTTISH, ERS97):
        result, seconds = timed(f"count_{rule}", count_stv, ((r, 1) for r in rankings),
                                CANDIDATES, SEATS, rule, (), 1)
        target_seconds += seconds
        expected = count_stv(one_by_one(groups), CANDIDATES, SEATS, rule, seed=1)
        assert result.to_json() == expected.to_json(), f"{rule}: the counts differ"
        figures[f"{rule}_elected"] = list(result.elected)
    print(f"mix to count: {target_seconds:.1f} s "
          f"({target_seconds / n * 1e3:.1f} ms a ballot); the counts equal the plaintext's",
          file=sys.stderr)

    figures["mix_to_count_seconds"] = round(target_seconds, 2)
    figures["mix_to_count_ms_per_ballot"] = round(target_seconds / n * 1e3, 2)
    figures["mix_to_count_cpu_seconds"] = round(cpu_total, 2)
    for phase in ("encrypt", *(f"mix_{i}" for i in range(1, MIXERS + 1)), "verify", "decrypt"):
        figures[f"{phase}_ms_per_ballot"] = round(figures[f"{phase}_seconds"] / n * 1e3, 2)
    figures["counts_equal_plaintext"] = True
    figures["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["targets"] = ENCRYPTED_TARGETS
    figures["ok"] = target_seconds <= ENCRYPTED_TARGETS["mix_to_count_seconds"]
    print(json.dumps(figures))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=None,
                        help="1,000,000 by default; 10,000 with --encrypted")
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument("--encrypted", action="store_true",
                        help="encrypt the rankings, mix them twice with proofs, verify, "
                             "decrypt and count")
    args = parser.parse_args(argv)
    if args.ballots is None:
        args.ballots = 10_000 if args.encrypted else 1_000_000
    if args.ballots < 1:
        parser.error("--ballots must be at least 1")
    if args.encrypted:
        return main_encrypted(args)

    started = time.perf_counter()
    groups = generate(args.ballots, args.seed)
    generated = time.perf_counter() - started
    print(f"generated {args.ballots:,} ballots ({len(groups):,} different rankings) "
          f"in {generated:.2f} s", file=sys.stderr)

    figures = {"ballots": args.ballots, "candidates": len(CANDIDATES), "seats": SEATS,
               "different_rankings": len(groups), "generate_seconds": round(generated, 2)}
    total = 0.0
    for rule in (SCOTTISH, ERS97):
        started = time.perf_counter()
        result = count_stv(one_by_one(groups), CANDIDATES, SEATS, rule, seed=1)
        seconds = time.perf_counter() - started
        total += seconds
        assert result.valid_votes == args.ballots
        print(f"{rule}: {seconds:.2f} s, {len(result.stages)} stages, elected "
              f"{', '.join(result.elected)}", file=sys.stderr)
        figures[f"{rule}_seconds"] = round(seconds, 2)
        figures[f"{rule}_stages"] = len(result.stages)
        figures[f"{rule}_elected"] = list(result.elected)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    figures["count_seconds"] = round(total, 2)
    figures["peak_mb"] = round(peak_mb, 1)
    figures["targets"] = TARGETS
    figures["ok"] = total <= TARGETS["count_seconds"] and peak_mb <= TARGETS["peak_mb"]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
