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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2007)
    args = parser.parse_args(argv)

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
