"""One process of a steady stream of votes: casts for its share of a ballot's electors, one
after another, until voting closes, its electors run out or `seconds` pass. Prints how many
casts were stored and whether the last was refused because voting had closed. Run by
tests/ballots/test_storm.py with the test database in DATABASE_URL."""

import json
import sys
import time


def main(ballot_id: int, index: int, processes: int, seconds: float) -> None:
    import django

    django.setup()
    from ballots.models import Ballot, Elector
    from ballots.services.casting import Answer, VoteRefused, vote_cast

    ballot = Ballot.objects.get(pk=ballot_id)
    resolution, election = ballot.questions.order_by("position")
    first = election.options.order_by("position").first().pk
    answers = {resolution.pk: Answer(choice="for"), election.pk: Answer(ranking=(first,))}
    electors = list(Elector.objects.filter(ballot=ballot).order_by("pk"))[index::processes]
    stored = closed = 0
    deadline = time.monotonic() + seconds
    for elector in electors:
        if time.monotonic() > deadline:
            break
        try:
            vote_cast(ballot=ballot, elector=elector, answers=answers)
        except VoteRefused as exc:
            if "closed" not in exc.message:
                raise
            closed += 1
            break
        stored += 1
    print(json.dumps({"stored": stored, "closed": closed}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
