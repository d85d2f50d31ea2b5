"""One process of the duplicate-cast storm: casts the same answers for every elector of a
ballot, in its own shuffled order, and prints how many casts were stored and refused.
Run by tests/ballots/test_storm.py with the test database in DATABASE_URL."""

import json
import random
import sys


def main(ballot_id: int, seed: int) -> None:
    import django

    django.setup()
    from ballots.models import Ballot, Elector
    from ballots.services.casting import Answer, VoteRefused, vote_cast

    ballot = Ballot.objects.get(pk=ballot_id)
    resolution, election = ballot.questions.order_by("position")
    first = election.options.order_by("position").first().pk
    answers = {resolution.pk: Answer(choice="for"), election.pk: Answer(ranking=(first,))}
    electors = list(Elector.objects.filter(ballot=ballot))
    random.Random(seed).shuffle(electors)
    stored = refused = 0
    for elector in electors:
        try:
            vote_cast(ballot=ballot, elector=elector, answers=answers)
            stored += 1
        except VoteRefused:
            refused += 1
    print(json.dumps({"stored": stored, "refused": refused}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
