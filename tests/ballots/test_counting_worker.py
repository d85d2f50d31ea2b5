"""The count through the real broker and a real Celery worker: closing queues it after
commit and the worker counts; a count whose task never reached the broker is found by the
beat sweep; the secretary's progress bar reads the count's progress."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.models import Ballot, QuestionResult
from ballots.services import ballots, counting
from tests.ballots.sealed import trustees_take_part_on_the_worker
from tests.meetings.test_notice_delivery import broker_down, wait_for

from .conftest import make_members, open_ballot
from .test_counting import vote

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def counted(ballot) -> bool:
    return Ballot.objects.filter(pk=ballot.pk, counted_at__isnull=False).exists()


def test_closing_queues_the_count_and_a_worker_makes_it(client, users, agm, community,
                                                        celery_worker_process):
    members = make_members(community, 5, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members[:3], "for", ("Ada", "Cleo"))
    vote(ballot, members[3:], "against", ("Ben",))
    client.force_login(users["secretary"])
    response = client.post(reverse("ballots:close", args=[ballot.pk]))
    assert response.status_code == 302
    trustees_take_part_on_the_worker(ballot, wait_for)
    wait_for(lambda: counted(ballot), what="the count")
    assert QuestionResult.objects.filter(question__ballot=ballot).count() == 2
    progress = client.get(reverse("ballots:count_progress", args=[ballot.pk])).json()
    assert progress == {"done": 2, "total": 2, "finished": True, "text": "Counted."}
    page = client.get(reverse("ballots:ballot", args=[ballot.pk])).content.decode()
    assert "Check and publish the results" in page


def test_a_count_whose_task_was_lost_is_found_by_the_sweep(users, agm, community,
                                                            celery_worker_process):
    members = make_members(community, 4, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members, "for", ("Ben", "Ada"))
    with broker_down():
        ballots.ballot_close(actor=users["secretary"], ballot=ballot)  # the task did not go
    assert not counted(ballot)
    later = timezone.now() + counting.SWEEP_GRACE + dt.timedelta(seconds=1)
    assert counting.ballots_count_due(now=later) == 1
    trustees_take_part_on_the_worker(ballot, wait_for)
    wait_for(lambda: counted(ballot), what="the count")
    # Counted once: the sweep finds nothing more, and a second task changes nothing.
    assert counting.ballots_count_due(now=later) == 0
    first = {r.question_id: r.data for r in QuestionResult.objects.filter(
        question__ballot=ballot)}
    assert counting.ballot_count(ballot_id=ballot.pk) == 0
    assert {r.question_id: r.data for r in QuestionResult.objects.filter(
        question__ballot=ballot)} == first
