"""Reliability on PostgreSQL: eight processes cast the same votes for the same 2,000
electors at once, and a cast races the close."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db.models import Count

from ballots.models import BallotStatus, Contents, Elector, Participation
from ballots.services import ballots, casting
from ballots.services.casting import VoteRefused
from governance.models import AuditEvent
from tests.concurrency.helpers import run_together
from tests.conftest import ROOT

from .conftest import make_members, open_ballot
from .test_casting import answers_for

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 8
ELECTORS = 2000


def bulk_members(community, count: int) -> None:
    """`count` members admitted in 2024 with one share each, quickly."""
    from membership.models import Member, MemberClassPeriod, ShareTransaction

    share_class = community.share_classes.get()
    members = Member.objects.bulk_create(
        Member(member_number=10_000 + i, full_name=f"Member {i}", address="1 Road",
               email=f"storm{i}@example.org", stakeholder_class=community,
               admitted_on=dt.date(2024, 1, 15)) for i in range(count))
    MemberClassPeriod.objects.bulk_create(
        MemberClassPeriod(member=m, stakeholder_class=community, started_on=m.admitted_on)
        for m in members)
    ShareTransaction.objects.bulk_create(
        ShareTransaction(member=m, share_class=share_class, kind="allotment", shares=1,
                         paid_up=1, effective_on=m.admitted_on) for m in members)




def test_a_duplicate_cast_storm_leaves_one_vote_per_elector_per_question(users, agm,
                                                                         community):
    bulk_members(community, ELECTORS)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    assert ballot.electors_count == ELECTORS
    db = settings.DATABASES["default"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    processes = [subprocess.Popen([sys.executable, "-m", "tests.ballots.storm_voter",
                                   str(ballot.pk), str(seed)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in range(PROCESSES)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["stored"] for r in results) == ELECTORS
    assert sum(r["refused"] for r in results) == ELECTORS * (PROCESSES - 1)
    for question in ballot.questions.all():
        per_elector = Participation.objects.filter(question=question).values(
            "elector").annotate(n=Count("pk"))
        assert per_elector.count() == ELECTORS and {row["n"] for row in per_elector} == {1}
        assert Contents.objects.filter(question=question).count() == ELECTORS


def test_a_cast_racing_the_close_never_lands_after_it(users, agm, community):
    make_members(community, 30, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    electors = list(Elector.objects.filter(ballot=ballot))
    answers = answers_for(ballot)

    def cast(elector):
        return lambda: casting.vote_cast(ballot=ballot, elector=elector, answers=answers)

    outcomes = run_together(*[cast(e) for e in electors[:20]],
                            lambda: ballots.ballot_close(actor=None, ballot=ballot))
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED
    stored = [o for o in outcomes[:20] if o[0] == "ok"]
    refused = [o for o in outcomes[:20] if o[0] == "refused"]
    assert len(stored) + len(refused) == 20
    assert all(isinstance(o[1], VoteRefused) and "closed" in o[1].message for o in refused)
    # The close counted the participations inside its lock: every vote stored is in that
    # count, so none landed after it.
    closed = AuditEvent.objects.get(action="ballot.closed", object_id=str(ballot.pk))
    assert closed.changes["participations"] == 2 * len(stored)
    assert Participation.objects.filter(question__ballot=ballot).count() == 2 * len(stored)
    with pytest.raises(VoteRefused):
        casting.vote_cast(ballot=ballot, elector=electors[25], answers=answers)
