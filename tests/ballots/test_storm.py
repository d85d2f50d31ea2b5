"""Reliability on PostgreSQL: eight processes cast the same votes for the same 2,000
electors at once; a cast races the close; and a close takes effect within seconds while a
steady stream of votes goes on."""

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db.models import Count

from ballots.models import Ballot, BallotStatus, Elector, Participation
from ballots.services import ballots, casting
from ballots.services.casting import VoteRefused
from governance.models import AuditEvent
from tests.ballots.sealed import Decrypted
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




def _voters_env() -> dict:
    db = settings.DATABASES["default"]
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def test_a_duplicate_cast_storm_leaves_one_vote_per_elector_per_question(users, agm,
                                                                         community):
    bulk_members(community, ELECTORS)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    assert ballot.electors_count == ELECTORS
    env = _voters_env()
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
        assert Decrypted.objects.filter(question=question).count() == ELECTORS


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


STREAMS = 6
STREAM_SECONDS = 30


def test_a_close_takes_effect_within_seconds_under_a_steady_stream_of_votes(users, agm,
                                                                          community):
    """PostgreSQL lets new shared row locks past a waiting exclusive one, so a close that
    waited for the ballot row behind a steady stream of votes could wait as long as the
    stream lasted. Six processes cast one vote after another; the close must take effect
    within seconds, and no vote may be stored after it."""
    bulk_members(community, 6000)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.ballots.stream_voter", str(ballot.pk), str(index),
         str(STREAMS), str(STREAM_SECONDS)], cwd=ROOT, env=_voters_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for index in range(STREAMS)]
    try:
        # The stream is flowing: votes are being stored, from every process.
        deadline = time.monotonic() + 60
        while Participation.objects.filter(question__ballot=ballot).count() < 400:
            assert time.monotonic() < deadline, "the voters did not start"
            assert all(p.poll() is None for p in processes), "a voter stopped early"
            time.sleep(0.2)
        started = time.monotonic()
        ballots.ballot_close(actor=users["secretary"], ballot=ballot)
        took = time.monotonic() - started
    finally:
        results = []
        for process in processes:
            out, err = process.communicate(timeout=STREAM_SECONDS + 60)
            assert process.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    assert took < 5, f"the close took {took:.1f} s under the stream of votes: {results}"
    # Every process was still voting when the close took effect, and was then refused.
    assert all(r["closed"] == 1 for r in results), results
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED
    # The close counted the participations once no vote was in flight: every vote stored is
    # in that count, and none was stored after it.
    closed = AuditEvent.objects.get(action="ballot.closed", object_id=str(ballot.pk))
    stored = sum(r["stored"] for r in results)
    assert closed.changes["participations"] == 2 * stored
    assert Participation.objects.filter(question__ballot=ballot).count() == 2 * stored
    assert Decrypted.objects.filter(question__ballot=ballot).count() == 2 * stored


def test_the_close_refuses_new_votes_at_once_and_waits_for_the_vote_in_flight(
        users, agm, community, monkeypatch):
    """A vote is being stored when the secretary closes: the close marks the ballot
    closing at once (a new vote is refused without waiting), then waits for that vote,
    which is counted in the close."""
    import threading

    from django.db import connection

    make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    first, second, third = Elector.objects.filter(ballot=ballot).order_by("member_number")
    answers = answers_for(ballot)
    stored, release = threading.Event(), threading.Event()
    real_store = casting.votes_store

    def slow_store(**kwargs):
        real_store(**kwargs)
        stored.set()
        assert release.wait(30)

    monkeypatch.setattr(casting, "votes_store", slow_store)
    outcomes = {}

    def run(name, call):
        try:
            outcomes[name] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            outcomes[name] = ("error", exc)
        finally:
            connection.close()

    in_flight = threading.Thread(target=run, args=("in flight", lambda: casting.vote_cast(
        ballot=ballot, elector=first, answers=answers)))
    close = threading.Thread(target=run, args=("close", lambda: ballots.ballot_close(
        actor=None, ballot=ballot)))
    in_flight.start()
    try:
        assert stored.wait(30)
        close.start()
        deadline = time.monotonic() + 10
        while Ballot.objects.get(pk=ballot.pk).status != "closing":
            assert time.monotonic() < deadline, "the ballot was not marked closing"
            time.sleep(0.05)
        # A new vote is refused at once, though the vote in flight still holds its lock.
        started = time.monotonic()
        with pytest.raises(VoteRefused, match="Voting has closed"):
            casting.vote_cast(ballot=ballot, elector=second, answers=answers)
        assert time.monotonic() - started < 1
        close.join(0.5)
        assert close.is_alive(), "the close did not wait for the vote in flight"
    finally:
        release.set()
        in_flight.join(30)
        if close.ident is not None:
            close.join(30)
    assert outcomes["in flight"][0] == "ok" and outcomes["close"][0] == "ok", outcomes
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED
    closed = AuditEvent.objects.get(action="ballot.closed", object_id=str(ballot.pk))
    assert closed.changes["participations"] == 2
    assert set(Participation.objects.values_list("elector", flat=True)) == {first.pk}
    with pytest.raises(VoteRefused, match="Voting has closed"):
        casting.vote_cast(ballot=ballot, elector=third, answers=answers)
