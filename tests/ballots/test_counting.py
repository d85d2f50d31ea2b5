"""The count of a closed ballot from its stored votes: results with the rules and the roll
they used, the same whenever the count runs again; ties; publication; and scenarios S1,
S2 and S4 of the governance rules through real ballots (the same counting module as
`manage.py tally`, tested there too)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from ballots.counting.stv import count_stv
from ballots.models import BallotStatus, Elector, QuestionResult
from ballots.services import ballots, casting, counting
from ballots.services.casting import Answer
from governance.exceptions import DomainError
from governance.models import AuditEvent
from meetings.models import AgendaItem, Meeting, MeetingStatus
from meetings.selectors import settings_of
from meetings.services import rulebooks
from tests.ballots.sealed import trustees_take_part

from .conftest import make_members, open_ballot, voting_class

pytestmark = pytest.mark.django_db




def vote(ballot, members, choice=None, ranking=()):
    """Each of `members` votes `choice` on the resolution and ranks the candidates named."""
    questions = list(ballot.questions.order_by("position"))
    for member in members:
        elector = Elector.objects.get(ballot=ballot, member=member)
        answers = {}
        for question in questions:
            if question.kind == "resolution" and choice:
                answers[question.pk] = Answer(choice=choice)
            elif question.kind != "resolution" and ranking:
                options = {o.label: o.pk for o in question.options.all()}
                answers[question.pk] = Answer(ranking=tuple(options[n] for n in ranking))
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers)


def close_and_count(users, ballot):
    ballot = ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    assert trustees_take_part(ballot) == ballot.questions.count()
    ballot.refresh_from_db()
    return ballot


def result(ballot, position: int) -> QuestionResult:
    return QuestionResult.objects.get(question__ballot=ballot, question__position=position)


def test_a_closed_ballot_is_counted_with_the_rules_and_the_roll_it_used(users, agm,
                                                                         community):
    members = make_members(community, 10, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members[:7], "for", ("Ada", "Ben"))
    vote(ballot, members[7:9], "against", ("Ben", "Cleo"))
    vote(ballot, members[9:], "withheld", ("Cleo", "Ada"))
    ballot = close_and_count(users, ballot)

    special = result(ballot, 1)
    # The co-operative preset: a special resolution needs at least 75% of the votes cast;
    # 7 of 9 is 77.78% (withheld is not a vote).
    assert special.outcome == "passed"
    assert (special.data["for"], special.data["against"], special.data["withheld"]) == \
        ("7", "2", "1")
    assert special.data["percentage_for"] == "77.78"
    assert special.rulebook_version == ballot.rulebook.version
    assert special.electorate_fingerprint == ballot.electorate_fingerprint

    election = result(ballot, 2)
    expected = count_stv([((0, 1), 7), ((1, 2), 2), ((2, 0), 1)], ["Ada", "Ben", "Cleo"], 2,
                         "ers97", seed=counting.count_seed(ballot))
    assert election.data["elected"] == list(expected.elected) == ["Ada", "Ben"]
    assert election.data["stages"] == expected.to_json()["stages"]
    assert election.data["rule"] == "ers97"

    event = AuditEvent.objects.filter(action="ballot.counted").get()
    assert event.changes["electorate_fingerprint"] == ballot.electorate_fingerprint
    assert ballot.counted_at is not None and ballot.count_claimed_until is None


def test_counting_again_changes_nothing(users, agm, community):
    members = make_members(community, 6, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members[:4], "for", ("Ben", "Ada"))
    vote(ballot, members[4:], "against", ("Cleo",))
    ballot = close_and_count(users, ballot)
    stored = {r.question_id: (r.outcome, r.data, r.counted_at)
              for r in QuestionResult.objects.filter(question__ballot=ballot)}

    assert counting.ballot_count(ballot_id=ballot.pk) == 0  # counted already
    settings = settings_of(ballot.rulebook)
    for question in ballot.questions.all():
        outcome, data = counting.question_count(ballot, question, settings)
        # The same count made again from the stored votes, as a re-delivered task would.
        assert (outcome, json.loads(json.dumps(data))) == stored[question.pk][:2]
    assert {r.question_id: (r.outcome, r.data, r.counted_at) for r in
            QuestionResult.objects.filter(question__ballot=ballot)} == stored
    assert AuditEvent.objects.filter(action="ballot.counted").count() == 1


def test_a_count_held_by_a_worker_waits_for_its_lease(users, agm, community):
    members = make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members, "for", ("Ada",))
    ballot = ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    now = timezone.now()
    type(ballot).objects.filter(pk=ballot.pk).update(
        count_claimed_until=now + dt.timedelta(minutes=5), count_progress=1)
    # Another worker holds the count: this one does nothing, and the sweep leaves it.
    assert counting.ballot_count(ballot_id=ballot.pk) == 0
    assert counting.ballots_count_due(now=now + dt.timedelta(minutes=3)) == 0
    assert not QuestionResult.objects.exists()
    # That worker died: once its lease runs out the count is made again, from the start.
    type(ballot).objects.filter(pk=ballot.pk).update(
        count_claimed_until=now - dt.timedelta(seconds=1))
    assert trustees_take_part(ballot) == 2
    assert QuestionResult.objects.filter(question__ballot=ballot).count() == 2


def test_an_open_ballot_is_not_counted(users, agm, community):
    make_members(community, 2, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    with pytest.raises(DomainError, match="once it has closed"):
        trustees_take_part(ballot)
    assert not QuestionResult.objects.exists()


def _meeting(rules, items: list[dict], title="Annual General Meeting"):
    meeting = Meeting.objects.create(
        kind="agm", title=title, record_date=dt.date(2025, 3, 1),
        starts_at=timezone.now() + dt.timedelta(days=20), place="The Hall",
        status=MeetingStatus.NOTICE_SENT, rulebook=rules)
    for position, item in enumerate(items, start=1):
        AgendaItem.objects.create(meeting=meeting, position=position, **item)
    return meeting


ORDINARY = {"kind": "resolution", "title": "Accounts", "resolution_type": "ordinary",
            "resolution_text": "That the accounts be received."}


def test_s4a_a_tie_waits_for_the_chairs_casting_vote_which_is_recorded_apart(users, rules,
                                                                              community):
    """S4 (a): 50 for, 50 against; the society's rules give the chair a casting vote."""
    members = make_members(community, 100, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [ORDINARY]))
    vote(ballot, members[:50], "for")
    vote(ballot, members[50:], "against")
    ballot = close_and_count(users, ballot)
    tied = result(ballot, 1)
    assert tied.outcome == "tied_undecided"  # never guessed
    with pytest.raises(DomainError, match="Decide the tie first"):
        counting.results_publish(actor=users["secretary"], ballot=ballot)

    decided = counting.casting_vote_record(actor=users["secretary"], question=tied.question,
                                           choice="for")
    assert decided.outcome == "passed" and decided.data["casting_vote"] == "for"
    assert (decided.data["for"], decided.data["against"]) == ("50", "50")
    counting.results_publish(actor=users["secretary"], ballot=ballot)
    with pytest.raises(DomainError):
        counting.casting_vote_record(actor=users["secretary"], question=tied.question,
                                     choice="against")


def test_s4b_a_tie_under_rules_without_a_casting_vote_is_lost(users, community):
    rules = rulebooks.rulebook_adopt_preset(actor=users["secretary"],
                                            preset="cbs_statutory_lock",
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="Rules registered 2024")
    members = make_members(community, 4, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [ORDINARY]))
    vote(ballot, members[:2], "for")
    vote(ballot, members[2:], "against")
    ballot = close_and_count(users, ballot)
    assert result(ballot, 1).outcome == "not_passed"
    assert "no casting vote" in result(ballot, 1).data["reason"]




def test_s1_the_fairshares_dual_test_through_a_ballot(users):
    """S1: Labour 10/0, User 60/10, Investor 3/5 with 2 abstaining: 82.95% overall, but no
    majority among the investors, so a FairShares special resolution is not passed."""
    classes = {slug: voting_class(slug, name) for slug, name in
               (("labour", "Labour"), ("user", "User"), ("investor", "Investor"))}
    rules = rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="fairshares",
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="FairShares rules 2024")
    plan = {"labour": {"for": 10}, "user": {"for": 60, "against": 10},
            "investor": {"for": 3, "against": 5, "withheld": 2}}
    made = {slug: {choice: make_members(classes[slug], n, emailed=0,
                                        start=1000 * (i + 1) + 100 * j)
                   for j, (choice, n) in enumerate(votes.items())}
            for i, (slug, votes) in enumerate(plan.items())}
    special = {**ORDINARY, "title": "New rules", "resolution_type": "special"}
    ballot = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [special]))
    for by_choice in made.values():
        for choice, members in by_choice.items():
            vote(ballot, members, choice)
    ballot = close_and_count(users, ballot)
    counted = result(ballot, 1)
    assert counted.outcome == "not_passed"
    assert (counted.data["for"], counted.data["against"], counted.data["withheld"]) == \
        ("73", "15", "2")
    assert counted.data["percentage_for"] == "82.95"
    assert "no majority in the investor class" in counted.data["reason"]
    assert counted.data["classes"]["investor"] == {"for": "3", "against": "5",
                                                   "withheld": "2"}


def test_s2_somerset_class_weights_through_a_ballot(users):
    """S2: workers 3/1, users 20/60, investors 10/0, weighted 50/25/25: 68.75% for, passed,
    although only 33 of the 94 who voted were for."""
    classes = {slug: voting_class(slug, slug.title()) for slug in
               ("workers", "users", "investors")}
    rules = rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="somerset",
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="Somerset Rules 2024")
    plan = {"workers": {"for": 3, "against": 1}, "users": {"for": 20, "against": 60},
            "investors": {"for": 10}}
    made = {slug: {choice: make_members(classes[slug], n, emailed=0,
                                        start=1000 * (i + 1) + 100 * j)
                   for j, (choice, n) in enumerate(votes.items())}
            for i, (slug, votes) in enumerate(plan.items())}
    ballot = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [ORDINARY]))
    for by_choice in made.values():
        for choice, members in by_choice.items():
            vote(ballot, members, choice)
    ballot = close_and_count(users, ballot)
    counted = result(ballot, 1)
    assert counted.outcome == "passed" and counted.data["percentage_for"] == "68.75"
    assert counted.data["classes"]["users"] == {"for": "20", "against": "60",
                                                "withheld": "0"}


def test_a_tie_for_the_last_seat_is_decided_by_a_recorded_lot(users, rules, community):
    election = {"kind": "election", "title": "Director", "seats": 1,
                "election_method": "fptp"}
    meeting = _meeting(rules, [election])
    item = meeting.items.get()
    for name in ("Ada", "Ben", "Cleo"):
        item.candidates.create(name=name, nominated_on=dt.date(2025, 2, 1))
    members = make_members(community, 5, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=meeting)
    vote(ballot, members[:2], ranking=("Ada",))
    vote(ballot, members[2:4], ranking=("Ben",))
    vote(ballot, members[4:], ranking=("Cleo",))
    ballot = close_and_count(users, ballot)
    counted = result(ballot, 1)
    assert counted.data["votes"] == {"Ada": 2, "Ben": 2, "Cleo": 1}
    (lot,) = counted.data["lots"]
    assert lot["tied"] == ["Ada", "Ben"] and lot["seed"] == counting.count_seed(ballot)
    assert counted.data["elected"] == lot["chosen"] and lot["chosen"][0] in ("Ada", "Ben")
    assert "won the lot" in counted.data["reason"]


def test_the_rules_stv_setting_chooses_the_scottish_count(users, community):
    rules = rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="coop_society",
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="Rules 2024",
                                            changes={"stv_rule": "scottish"})
    election = {"kind": "election", "title": "Directors", "seats": 2,
                "election_method": "stv"}
    meeting = _meeting(rules, [election])
    for name in ("Ada", "Ben", "Cleo"):
        meeting.items.get().candidates.create(name=name, nominated_on=dt.date(2025, 2, 1))
    members = make_members(community, 7, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=meeting)
    vote(ballot, members[:4], ranking=("Ada", "Cleo"))
    vote(ballot, members[4:], ranking=("Ben",))
    ballot = close_and_count(users, ballot)
    counted = result(ballot, 1)
    assert counted.data["rule"] == "scottish"
    assert counted.data["quota"] == "3.00000"  # Droop: floor(7 / 3) + 1


def test_a_rulebook_with_an_unknown_stv_rule_is_refused(users):
    with pytest.raises(DomainError, match="ERS97"):
        rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="coop_society",
                                        effective_from=dt.date(2024, 1, 1), adopted_by="x",
                                        changes={"stv_rule": "meek"})


def test_the_ballot_stays_closed_and_counted_once_published(users, agm, community):
    members = make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    vote(ballot, members, "for", ("Ada", "Ben"))
    with pytest.raises(DomainError, match="not been counted"):
        counting.results_publish(actor=users["secretary"], ballot=ballot)
    ballot = close_and_count(users, ballot)
    counting.results_publish(actor=users["secretary"], ballot=ballot)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED and ballot.results_published_at is not None
    with pytest.raises(DomainError, match="already published"):
        counting.results_publish(actor=users["secretary"], ballot=ballot)
    assert AuditEvent.objects.filter(action="ballot.results_published").count() == 1


def test_rules_that_cannot_be_applied_are_reported_never_guessed(users, community):
    """Class weights for three classes, and a fourth class that votes too: the count says
    the rules cannot decide, and why, and the result can be published as such."""
    for slug in ("workers", "users", "investors"):
        voting_class(slug, slug.title())
    rules = rulebooks.rulebook_adopt_preset(actor=users["secretary"], preset="somerset",
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="Somerset Rules 2024")
    members = make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [ORDINARY]))
    vote(ballot, members, "for")
    ballot = close_and_count(users, ballot)
    counted = result(ballot, 1)
    assert counted.outcome == "undecidable"
    assert "community has no weight" in counted.data["reason"]
    counting.results_publish(actor=users["secretary"], ballot=ballot)
