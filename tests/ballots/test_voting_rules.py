"""The rules of casting on each kind of question and setting: the revocation deadline;
first past the post and block votes; a question for one class; no change where the rules
forbid it; recorded and secret questions; the audit of a vote without its contents; and a
member imported without a login voting through their personal link."""

import dataclasses
import datetime as dt
import json
import re

import pytest
import time_machine
from django.urls import reverse

from ballots.models import Paper, Participation, QuestionKind
from ballots.services import casting, proxies
from ballots.services.casting import Answer, VoteRefused
from ballots.services.proxies import ProxyRefused
from governance.models import AuditEvent
from meetings.links import member_link_token
from meetings.models import AgendaItem, Candidate
from meetings.rules import Proxies
from membership.models import Member
from membership.services.register_import import register_import_apply
from tests.ballots.sealed import Decrypted

from .conftest import elector, make_members, open_ballot, rules_with, voting_class

pytestmark = pytest.mark.django_db








def election(agm, *, position, method, seats, names):
    item = AgendaItem.objects.create(meeting=agm, position=position, kind="election",
                                     title=f"Election by {method}", seats=seats,
                                     election_method=method)
    for name in names:
        Candidate.objects.create(item=item, name=name, nominated_on=dt.date(2025, 2, 1))
    return item


def options(question) -> dict[str, int]:
    return {o.label: o.pk for o in question.options.all()}




def test_a_revocation_after_its_deadline_is_refused(users, agm, community):
    rules_with(users, agm, proxies=dataclasses.asdict(
        Proxies(max_per_holder=5, revocation_deadline_hours=24)))
    make_members(community, 2, emailed=0, start=100)
    ballot = open_ballot(agm)
    early, late = (proxies.proxy_appoint(actor=None, ballot=ballot,
                                         principal=elector(ballot, number), holder="chair")
                   for number in (100, 101))
    deadline = proxies.proxy_deadline(ballot, revocation=True)
    assert deadline < agm.starts_at
    with time_machine.travel(deadline - dt.timedelta(minutes=1)):
        proxies.proxy_revoke(actor=None, appointment=early)
    with time_machine.travel(deadline + dt.timedelta(minutes=1)):
        with pytest.raises(ProxyRefused, match="A revocation had to arrive by"):
            proxies.proxy_revoke(actor=None, appointment=late)
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.revoked_because == "revoked by the member"
    assert late.revoked_at is None
    assert AuditEvent.objects.filter(action="proxy.revoked").count() == 1


def test_first_past_the_post_takes_one_candidate(users, agm, community):
    AgendaItem.objects.filter(meeting=agm).delete()
    election(agm, position=1, method="fptp", seats=1, names=["Ada", "Ben", "Cleo"])
    make_members(community, 2, emailed=0, start=100)
    ballot = open_ballot(agm)
    question = ballot.questions.get()
    assert question.kind == QuestionKind.FPTP
    names = options(question)
    with pytest.raises(VoteRefused, match="choose one candidate"):
        casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                          answers={question.pk: Answer(ranking=(names["Ada"], names["Ben"]))})
    with pytest.raises(VoteRefused, match="choose a candidate"):
        casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                          answers={question.pk: Answer(choice="for")})
    assert not Participation.objects.exists() and not Decrypted.objects.exists()
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                      answers={question.pk: Answer(ranking=(names["Ben"],))})
    assert Decrypted.objects.get().ranking == [names["Ben"]]


def test_a_block_vote_takes_up_to_the_seats_each_candidate_once(client, users, agm,
                                                                community):
    AgendaItem.objects.filter(meeting=agm).delete()
    election(agm, position=1, method="block", seats=2, names=["Ada", "Ben", "Cleo", "Dev"])
    make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(agm)
    question = ballot.questions.get()
    assert (question.kind, question.seats) == (QuestionKind.BLOCK, 2)
    names = options(question)
    for ranking, message in [
            ((names["Ada"], names["Ben"], names["Cleo"]), "no more than 2 candidates"),
            ((names["Ada"], names["Ada"]), "only once")]:
        with pytest.raises(VoteRefused, match=message):
            casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                              answers={question.pk: Answer(ranking=ranking)})
    assert not Participation.objects.exists() and not Decrypted.objects.exists()

    # On the paper: three ticks are refused, two are stored, one is enough.
    url = reverse("ballots:link_vote", args=[member_link_token(
        member_id=elector(ballot, 100).member_id, meeting_id=agm.pk)])
    refused = client.post(url, {f"q{question.pk}": [names["Ada"], names["Ben"],
                                                    names["Cleo"]], "step": "review"})
    assert refused.status_code == 400 and "Choose no more than 2." in \
        refused.content.decode()
    done = client.post(url, {f"q{question.pk}": [names["Ada"], names["Dev"]],
                             "step": "confirm"})
    assert "Your vote is recorded" in done.content.decode()
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 101),
                      answers={question.pk: Answer(ranking=(names["Cleo"],))})
    assert sorted(sorted(c.ranking) for c in Decrypted.objects.all()) == sorted(
        [sorted([names["Ada"], names["Dev"]]), [names["Cleo"]]])


def test_a_class_question_is_refused_to_another_class_and_left_off_its_paper(
        client, users, agm, community):
    staff = voting_class("staff", "Staff")
    AgendaItem.objects.create(meeting=agm, position=3, kind="resolution",
                              title="Staff seat on the board", resolution_type="ordinary",
                              resolution_text="That staff elect one director.",
                              constituency=staff)
    make_members(community, 1, emailed=0, start=100)
    make_members(staff, 1, emailed=0, start=200)
    ballot = open_ballot(agm)
    scoped = ballot.questions.get(position=3)
    assert scoped.constituency == staff

    with pytest.raises(VoteRefused, match="is for the Staff class only"):
        casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                          answers={scoped.pk: Answer(choice="for")})
    assert not Participation.objects.exists() and not Decrypted.objects.exists()

    def paper(number):
        token = member_link_token(member_id=elector(ballot, number).member_id,
                                  meeting_id=agm.pk)
        return reverse("ballots:link_vote", args=[token])

    community_paper = client.get(paper(100)).content.decode()
    assert "Online meetings" in community_paper
    assert "Staff seat on the board" not in community_paper
    # Posting an answer to it anyway leaves it out of the vote.
    client.post(paper(100), {f"q{scoped.pk}": "for", f"q{ballot.questions.get(position=1).pk}":
                             "against", "step": "confirm"})
    assert set(Participation.objects.filter(elector__member_number=100)
               .values_list("question__position", flat=True)) == {1}

    staff_paper = client.get(paper(200)).content.decode()
    assert "Staff seat on the board" in staff_paper
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 200),
                      answers={scoped.pk: Answer(choice="for")})
    assert Decrypted.objects.get(question=scoped).class_slug == "staff"


def test_a_vote_cannot_be_changed_where_the_rules_say_so(users, agm, community):
    rules_with(users, agm, change_vote_before_close=False)
    make_members(community, 1, emailed=0, start=100)
    ballot = open_ballot(agm)
    assert ballot.change_allowed is False
    resolution = ballot.questions.get(position=1)
    tracker = casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                                answers={resolution.pk: Answer(choice="for")})
    with pytest.raises(VoteRefused, match="do not allow a vote to be changed"):
        casting.vote_change(ballot=ballot, elector=elector(ballot, 100), tracker=tracker,
                            answers={resolution.pk: Answer(choice="against")})
    with pytest.raises(VoteRefused) as refused:
        casting.vote_cast(ballot=ballot, elector=elector(ballot, 100),
                          answers={resolution.pk: Answer(choice="against")})
    assert refused.value.message == "You have already voted on this ballot."
    assert list(Decrypted.objects.values_list("choice", flat=True)) == ["for"]
    assert not AuditEvent.objects.filter(action="ballot.vote_changed").exists()


def test_a_recorded_question_names_the_elector_and_a_secret_one_does_not(users, agm,
                                                                         community):
    make_members(community, 1, emailed=0, start=100)
    ballot = open_ballot(agm)
    recorded, secret = ballot.questions.order_by("position")
    recorded.recorded = True
    recorded.save(update_fields=["recorded"])
    voter = elector(ballot, 100)
    casting.vote_cast(ballot=ballot, elector=voter, answers={
        recorded.pk: Answer(choice="against"),
        secret.pk: Answer(ranking=tuple(options(secret).values())[:1])})
    assert Decrypted.objects.get(question=recorded).elector == voter
    assert Decrypted.objects.get(question=secret).elector is None


def test_the_audit_of_a_vote_holds_participation_never_contents(users, agm, community):
    make_members(community, 3, emailed=0, start=100)
    ballot = open_ballot(agm)
    resolution, stv = ballot.questions.order_by("position")
    ranked = tuple(options(stv).values())[::-1]
    tracker = casting.vote_cast(ballot=ballot, elector=elector(ballot, 100), answers={
        resolution.pk: Answer(choice="against"), stv.pk: Answer(ranking=ranked)})
    casting.vote_change(ballot=ballot, elector=elector(ballot, 100), tracker=tracker,
                        answers={resolution.pk: Answer(choice="withheld"),
                                 stv.pk: Answer(ranking=ranked[:1])})
    appointment = proxies.proxy_appoint(actor=None, ballot=ballot,
                                        principal=elector(ballot, 101), holder="chair",
                                        instructions={resolution.pk: "against"})
    proxies.proxy_vote(actor=None, appointment=appointment,
                       answers={stv.pk: Answer(ranking=ranked[1:])})
    casting.vote_cast(ballot=ballot, elector=elector(ballot, 102), channel="room",
                      answers={resolution.pk: Answer(choice="for")}, actor=users["secretary"])

    events = AuditEvent.objects.filter(action__in=("ballot.voted", "ballot.vote_changed"))
    assert events.filter(action="ballot.voted").count() == 3
    trackers = set(Paper.objects.values_list("tracker", flat=True)) | {tracker}
    for event in events:
        expected = {"member_number", "questions"} | (
            {"channel"} if event.action == "ballot.voted" else set())
        assert set(event.changes) == expected, event.changes
        assert event.changes["questions"] in ([1], [1, 2])  # positions, not answers
        text = json.dumps(event.changes) + event.object_repr
        assert not re.search(r"\b(for|against|withheld|choice|ranking)\b", text), text
        assert not [t for t in trackers if t in text]  # the audit never links a tracker


def test_an_imported_member_without_a_login_votes_through_their_personal_link(
        client, users, agm, community):
    content = (b"member_number,full_name,address,email,stakeholder_class,share_class,shares,"
               b"admitted_on\n"
               b"700,Nell Imported,7 Old Road,,community,ordinary,1,2019-04-01\n")
    report = register_import_apply(actor=users["secretary"], name="register.csv",
                                   content=content)
    assert report.applied, report.errors
    imported = Member.objects.get(member_number=700)
    assert imported.user is None
    ballot = open_ballot(agm)
    resolution = ballot.questions.get(position=1)

    client.logout()
    url = reverse("ballots:link_vote", args=[member_link_token(member_id=imported.pk,
                                                               meeting_id=agm.pk)])
    paper = client.get(url)
    assert paper.status_code == 200 and "Online meetings" in paper.content.decode()
    review = client.post(url, {f"q{resolution.pk}": "for", "step": "review"})
    assert "Check your vote" in review.content.decode()
    done = client.post(url, {f"q{resolution.pk}": "for", "step": "confirm"})
    page = done.content.decode()
    assert "Your vote is recorded" in page
    tracker = re.search(r"<code>([0-9a-f ]{79})</code>", page)[1]
    assert Participation.objects.get().elector.member == imported
    assert casting.tracker_in_box(ballot=ballot, tracker=tracker)
    # Back through the link: voted; a change needs the tracker, and the last vote counts.
    assert "You have voted. You may change your vote" in client.get(url).content.decode()
    without = client.post(url, {f"q{resolution.pk}": "against", "step": "confirm"})
    assert without.status_code == 400
    assert list(Decrypted.objects.values_list("choice", flat=True)) == ["for"]
    changed = client.post(url, {f"q{resolution.pk}": "against", "tracker": tracker,
                                "step": "confirm"})
    assert "Your vote is recorded" in changed.content.decode()
    assert list(Decrypted.objects.values_list("choice", flat=True)) == ["against"]
    assert Participation.objects.count() == 1
