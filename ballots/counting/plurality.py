"""First past the post (one seat) and block vote (a vote for each of several seats): the
candidates with most votes win. A tie for the last seat is decided by lot, drawn from a
seed that the result records so that anyone can draw it again. Pure: no database."""

import random
from collections.abc import Iterable, Sequence


def count_plurality(papers: Iterable[tuple[Sequence[int], int]], names: Sequence[str],
                    seats: int, *, seed: int) -> dict:
    """`papers`: (candidate indices marked, weight). A paper marking nobody is not a valid
    vote. Returns votes per candidate, the valid votes, who is elected, any lot and the
    outcome in words."""
    names = list(names)
    votes = dict.fromkeys(names, 0)
    valid = 0
    for marked, weight in papers:
        marked = set(marked)
        if not marked or weight <= 0:
            continue
        valid += weight
        for i in marked:
            votes[names[i]] += weight
    ordered = sorted(names, key=lambda name: -votes[name])
    elected = ordered[:seats]
    lots = []
    words = ""
    if len(ordered) > seats and votes[ordered[seats - 1]] == votes[ordered[seats]]:
        level = votes[ordered[seats]]
        tied = [name for name in ordered if votes[name] == level]
        sure = [name for name in ordered if votes[name] > level]
        open_seats = seats - len(sure)
        chosen = set(random.Random(seed).sample(tied, open_seats))
        elected = sure + [name for name in tied if name in chosen]
        won = [name for name in tied if name in chosen]
        lots.append({"reason": f"a tie at {level} votes for the last "
                               f"{'seat' if open_seats == 1 else f'{open_seats} seats'}",
                     "tied": tied, "chosen": won, "seed": seed})
        words = f" {', '.join(won)} won the lot between {', '.join(tied)}, tied at {level} " \
                "votes."
    words = (f"Elected: {', '.join(elected)}." if elected else "Nobody was elected.") + words
    return {"votes": votes, "valid_votes": valid, "elected": elected, "lots": lots,
            "reason": words}
