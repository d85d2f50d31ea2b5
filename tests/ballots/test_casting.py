"""The electorate frozen at the record date, casting with receipts, changing a vote, bad
input refused with nothing stored, and closing."""

import datetime as dt
import json
import re

import pytest

from ballots.crypto.answers import tracker_display
from ballots.models import BallotStatus, Elector, Paper, Participation, QuestionKind
from ballots.services import ballots, casting
from ballots.services.casting import Answer, VoteRefused
from ballots.services.electorate import electorate_fingerprint
from governance.exceptions import DomainError
from membership.models import MemberClassPeriod
from tests.ballots.sealed import Decrypted
from tests.factories import StakeholderClassFactory

from .conftest import make_members, open_ballot

pytestmark = pytest.mark.django_db




def answers_for(ballot, choice="for", ranking=(1, 2)):
    resolution, election = ballot.questions.order_by("position")
    options = {o.position: o.pk for o in election.options.all()}
    return {resolution.pk: Answer(choice=choice),
            election.pk: Answer(ranking=tuple(options[p] for p in ranking))}


def test_the_roll_is_the_register_at_the_record_date_and_stays_frozen(users, agm,
                                                                       community):
    on_time = make_members(community, 5, emailed=0, start=100)
    late = make_members(community, 1, emailed=0, start=200)[0]
    late.admitted_on = dt.date(2025, 3, 2)  # the day after the record date
    late.save()
    MemberClassPeriod.objects.filter(member=late).update(started_on=dt.date(2025, 3, 2))
    gone = on_time[0]
    gone.ceased_on = dt.date(2025, 2, 1)
    gone.save()
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    numbers = set(Elector.objects.filter(ballot=ballot).values_list("member_number",
                                                                    flat=True))
    assert {m.member_number for m in on_time[1:]} <= numbers
    assert late.member_number not in numbers and gone.member_number not in numbers
    assert ballot.electors_count == len(numbers)
    assert len(ballot.electorate_fingerprint) == 64

    # A change to the register afterwards, back-dated before the record date, leaves the
    # roll and its fingerprint as they were.
    on_time[1].ceased_on = dt.date(2025, 1, 1)
    on_time[1].save()
    assert electorate_fingerprint(ballot) == ballot.electorate_fingerprint
    assert Elector.objects.filter(ballot=ballot, member=on_time[1]).exists()


def test_one_share_one_vote_weights_with_the_cap_and_classes_that_vote(users, agm,
                                                                       community):
    from meetings.services import rulebooks

    agm.rulebook = rulebooks.rulebook_adopt_preset(
        actor=users["secretary"], preset="coop_society", effective_from=dt.date(2024, 6, 1),
        adopted_by="Federal rules", changes={"voting_basis": "one_share_one_vote",
                                             "federal": True, "share_vote_cap": 100})
    agm.save()
    members = make_members(community, 3, emailed=0, shares=[5, 250, 1], start=300)
    StakeholderClassFactory(slug="supporters", name="Supporters")  # never votes
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    weights = dict(Elector.objects.filter(ballot=ballot, member__in=members)
                   .values_list("member_number", "weight"))
    assert weights == {300: 5, 301: 100, 302: 1}
    # The users' two members hold no shares: no votes on one share one vote.
    assert ballot.electors_count == 3


def test_a_vote_is_stored_encrypted_with_a_tracker_only_its_voter_can_use(users, agm,
                                                                         community):
    make_members(community, 3, emailed=0, start=400)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    elector, other = Elector.objects.filter(ballot=ballot, member_number__in=(400, 401))
    tracker = casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    assert re.fullmatch(r"[0-9a-f]{64}", tracker)
    paper = Paper.objects.get(ballot=ballot)
    assert paper.tracker == tracker and paper.elector == elector
    stored = Participation.objects.filter(elector=elector)
    assert stored.count() == 2 and all(p.paper == paper and p.sealed for p in stored)
    assert Decrypted.objects.filter(question__ballot=ballot).count() == 2
    assert casting.tracker_in_box(ballot=ballot, tracker=tracker_display(tracker).upper())
    assert not casting.tracker_in_box(ballot=ballot, tracker="ab" * 32)

    with pytest.raises(VoteRefused, match="already voted"):
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    assert Decrypted.objects.count() == 2

    # Another member holding this tracker cannot use it: it is not their paper.
    casting.vote_cast(ballot=ballot, elector=other, answers=answers_for(ballot))
    with pytest.raises(VoteRefused, match="does not match"):
        casting.vote_change(ballot=ballot, elector=other, tracker=tracker,
                            answers=answers_for(ballot, choice="against", ranking=(3,)))
    resolution = ballot.questions.get(kind=QuestionKind.RESOLUTION)
    assert Decrypted.objects.filter(question=resolution).values_list("choice") == \
        ["for", "for"]

    # The voter changes their vote with their tracker: a new paper and tracker replace it.
    changed = casting.vote_change(ballot=ballot, elector=elector, tracker=tracker,
                                  answers=answers_for(ballot, choice="against", ranking=(3,)))
    assert changed != tracker and not casting.tracker_in_box(ballot=ballot, tracker=tracker)
    assert sorted(Decrypted.objects.filter(question=resolution).values_list("choice")) == \
        ["against", "for"]
    with pytest.raises(VoteRefused, match="does not match"):
        casting.vote_change(ballot=ballot, elector=elector, tracker=tracker,
                            answers=answers_for(ballot))
    with pytest.raises(VoteRefused, match="64 letters"):
        casting.vote_change(ballot=ballot, elector=elector, tracker="AAAA-BBBB-CCCC",
                            answers=answers_for(ballot))


@pytest.mark.parametrize(("answer", "message"), [
    ({"choice": "maybe"}, "for, against or withheld"),
    ({"ranking": "repeat"}, "only once"),
    ({"ranking": "unknown"}, "not one of the candidates"),
])
def test_bad_answers_are_refused_and_nothing_is_stored(users, agm, community, answer,
                                                       message):
    make_members(community, 1, emailed=0, start=500)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    elector = Elector.objects.get(ballot=ballot, member_number=500)
    answers = answers_for(ballot)
    resolution, election = ballot.questions.order_by("position")
    first = election.options.order_by("position").first().pk
    if "choice" in answer:
        answers[resolution.pk] = Answer(choice=answer["choice"])
    elif answer["ranking"] == "repeat":
        answers[election.pk] = Answer(ranking=(first, first))
    else:
        answers[election.pk] = Answer(ranking=(first, 999999))
    with pytest.raises(VoteRefused, match=message):
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers)
    assert not Participation.objects.exists() and not Decrypted.objects.exists()


def test_a_failure_between_paper_and_participations_stores_neither(users, agm,
                                                                  community):
    make_members(community, 2, emailed=0, start=600)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    elector = Elector.objects.get(ballot=ballot, member_number=600)
    # The elector has a participation on the second question already (as if stored by a
    # request racing this one): the paper is written, then the participations' insert
    # fails, and the transaction leaves neither.
    resolution, election = ballot.questions.order_by("position")
    Participation.objects.create(question=election, elector=elector, channel="online")
    with pytest.raises(VoteRefused):
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    assert not Paper.objects.exists()
    assert list(Participation.objects.values_list("question_id", flat=True)) == [election.pk]


def test_no_vote_after_close_and_closing_twice_is_refused(users, agm, community):
    make_members(community, 2, emailed=0, start=700)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    first, second = Elector.objects.filter(ballot=ballot, member_number__gte=700)
    casting.vote_cast(ballot=ballot, elector=first, answers=answers_for(ballot))
    ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED
    with pytest.raises(VoteRefused, match="Voting has closed"):
        casting.vote_cast(ballot=ballot, elector=second, answers=answers_for(ballot))
    with pytest.raises(DomainError):
        ballots.ballot_close(actor=users["secretary"], ballot=ballot)


def test_a_member_not_on_the_roll_cannot_vote(users, agm, community):
    make_members(community, 1, emailed=0, start=800)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    other_meeting_elector = Elector(ballot_id=ballot.pk + 1, member_number=1)
    with pytest.raises(VoteRefused, match="not on the roll"):
        casting.vote_cast(ballot=ballot, elector=other_meeting_elector,
                          answers=answers_for(ballot))


def test_nothing_stored_holds_a_vote_in_the_clear(users, agm, community):
    """Every column of every row a vote writes holds ciphertexts, proofs, hashes or names:
    neither the choice nor the candidates' ids appear in them."""
    members = make_members(community, 6, emailed=0, start=900)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    for member in members:
        casting.vote_cast(ballot=ballot, elector=Elector.objects.get(ballot=ballot,
                                                                     member=member),
                          answers=answers_for(ballot, choice="against"))
    written = json.dumps([list(Participation.objects.values()), list(Paper.objects.values())],
                         default=str)
    assert "against" not in written and '"for"' not in written
    sealed = [p.sealed for p in Participation.objects.all()]
    assert all(set(s) == {"ciphertexts", "entry_proofs", "sum_proof"} for s in sealed)
    # Papers for and against are the same size.
    sizes = {len(json.dumps(p.sealed)) for p in Participation.objects.filter(
        question__kind=QuestionKind.RESOLUTION)}
    assert len(sizes) == 1
