"""The electorate frozen at the record date, casting with receipts, changing a vote, bad
input refused with nothing stored, and closing."""

import datetime as dt

import pytest
from django.db import connection, transaction

from ballots.models import BallotStatus, Contents, Elector, Participation, QuestionKind
from ballots.services import ballots, casting
from ballots.services.casting import Answer, VoteRefused
from ballots.services.electorate import electorate_fingerprint
from governance.exceptions import DomainError
from membership.models import MemberClassPeriod
from tests.ballots.sealed import trustees_take_part
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


def test_a_vote_is_stored_apart_from_the_voter_with_a_receipt(users, agm, community):
    make_members(community, 3, emailed=0, start=400)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    elector = Elector.objects.get(ballot=ballot, member_number=400)
    receipt = casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    assert len(receipt) == 14
    assert Participation.objects.filter(elector=elector).count() == 2
    contents = Contents.objects.filter(question__ballot=ballot)
    assert contents.count() == 2 and not contents.filter(elector__isnull=False).exists()
    assert casting.receipt_counted(ballot=ballot, receipt=receipt)
    assert not casting.receipt_counted(ballot=ballot, receipt="AAAA-BBBB-CCCC")

    with pytest.raises(VoteRefused, match="already voted"):
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    assert contents.count() == 2

    # Changing the vote with the receipt: the last one counts.
    casting.vote_change(ballot=ballot, elector=elector, receipt=receipt.lower(),
                        answers=answers_for(ballot, choice="against", ranking=(3,)))
    resolution = ballot.questions.get(kind=QuestionKind.RESOLUTION)
    assert Contents.objects.get(question=resolution).choice == "against"
    with pytest.raises(VoteRefused, match="does not match"):
        casting.vote_change(ballot=ballot, elector=elector, receipt="AAAA-BBBB-CCCC",
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
    assert not Participation.objects.exists() and not Contents.objects.exists()


def test_a_failure_between_participation_and_contents_stores_neither(users, agm,
                                                                     community):
    make_members(community, 2, emailed=0, start=600)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    elector = Elector.objects.get(ballot=ballot, member_number=600)
    # Contents for the first question already exist under the receipt the voter will get:
    # the second insert fails after the participations were written.
    answers = answers_for(ballot)
    original = casting.receipt_new
    casting.receipt_new = lambda: "SAME-SAME-SAME"
    try:
        other = Elector.objects.filter(ballot=ballot).exclude(pk=elector.pk).first()
        casting.vote_cast(ballot=ballot, elector=other, answers=answers)
        with pytest.raises(VoteRefused):
            casting.vote_cast(ballot=ballot, elector=elector, answers=answers)
    finally:
        casting.receipt_new = original
    assert not Participation.objects.filter(elector=elector).exists()
    assert Contents.objects.count() == 2


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


@pytest.mark.django_db(transaction=True)
def test_after_close_no_stored_row_leads_from_contents_back_to_a_voter(users, agm,
                                                                       community):
    """The schema: contents have no member, no elector (secret questions), no time, and a
    random id. The rows: once the closed ballot is counted (the count's worker rewrites
    them first), no contents row shares a writing transaction (PostgreSQL's xmin) with a
    participation, and their order on disk is not the order of casting."""
    fields = {f.name: f for f in Contents._meta.get_fields()}
    assert fields["id"].get_internal_type() == "UUIDField"
    assert not [f for f in fields.values() if f.get_internal_type() in
                ("DateTimeField", "DateField", "AutoField", "BigAutoField")]
    related = {f.related_model.__name__ for f in fields.values() if f.is_relation}
    assert related == {"Question", "Elector"}  # Elector only on recorded votes

    members = make_members(community, 40, emailed=0, start=900)
    ballot = open_ballot(actor=users["secretary"], meeting=agm)
    for member in members:
        elector = Elector.objects.get(ballot=ballot, member=member)
        with transaction.atomic():
            casting.vote_cast(ballot=ballot, elector=elector, answers=answers_for(ballot))
    ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    trustees_take_part(ballot)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ballots_contents c JOIN ballots_participation p "
                       "ON p.xmin = c.xmin")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT receipt_hash, id FROM ballots_contents ORDER BY ctid")
        on_disk = cursor.fetchall()
    # Each voter's two rows were written together, one after the other; on disk they are
    # now in the order of the random ids, so a voter's rows sit together only by chance.
    assert [row[1] for row in on_disk] == sorted(row[1] for row in on_disk)
    together = sum(a[0] == b[0] for a, b in zip(on_disk, on_disk[1:], strict=False))
    assert together < 10, together
    assert Contents.objects.filter(elector__isnull=False).count() == 0
