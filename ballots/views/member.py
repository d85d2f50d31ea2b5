"""The member's ballot: the paper, a review of the answers, the vote and its receipt; a
vote changed with the receipt where the rules allow. Reached signed in, or through the
personal link in the notice (members without a login vote that way). Works without
JavaScript."""

from django.http import Http404
from django.shortcuts import render

from accounts.access import PUBLIC, access
from accounts.roles import MEMBER
from meetings.links import member_link_read
from membership.selectors import member_for_user

from .. import selectors
from ..forms import BallotPaperForm, ReceiptForm
from ..links import voter_link_read
from ..models import BallotStatus
from ..services import casting
from ..services.casting import VoteRefused


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _vote(request, ballot, elector, *, token: str | None = None):
    if elector is None:
        raise Http404
    questions = list(selectors.ballot_questions(ballot))
    voted = selectors.questions_voted(elector, own_only=True)
    by_proxy = bool(selectors.questions_voted(elector)) and not voted
    changing = bool(voted) and ballot.change_allowed
    form = BallotPaperForm(request.POST if request.method == "POST" else None,
                           questions=questions, elector=elector)
    receipt_form = ReceiptForm(request.POST if request.method == "POST" and changing
                               else None)
    context = {"ballot": ballot, "elector": elector, "form": form, "token": token,
               "voted": voted, "changing": changing, "receipt_form": receipt_form,
               "by_proxy": by_proxy,
               "open": ballot.status == BallotStatus.OPEN}
    step = request.POST.get("step")
    if request.method == "POST" and form.is_valid() and (not changing or
                                                         receipt_form.is_valid()):
        answers = form.answers()
        if not answers:
            form.add_error(None, "Answer at least one question.")
        elif step == "confirm":
            try:
                if changing:
                    casting.vote_change(ballot=ballot, elector=elector, answers=answers,
                                        receipt=receipt_form.cleaned_data["receipt"])
                    receipt = receipt_form.cleaned_data["receipt"].upper()
                else:
                    receipt = casting.vote_cast(ballot=ballot, elector=elector,
                                                answers=answers)
            except VoteRefused as exc:
                form.add_error(None, exc.message)
            else:
                return _private(render(request, "ballots/receipt.html", {
                    **context, "receipt": receipt, "summary": form.summary()}))
        else:
            return _private(render(request, "ballots/review.html", {
                **context, "summary": form.summary(), "posted": _posted_answers(request)}))
    status = 400 if request.method == "POST" else 200
    return _private(render(request, "ballots/paper.html", context, status=status))


def _posted_answers(request) -> list[tuple[str, str]]:
    """The answers as hidden fields for the confirm step."""
    return [(key, value) for key in request.POST if key.startswith("q") or key == "receipt"
            for value in request.POST.getlist(key)]


@access(*MEMBER)
def ballot_vote(request, pk: int):
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    member = member_for_user(user=request.user)
    return _vote(request, ballot, selectors.elector_for(ballot=ballot, member=member))


@access(PUBLIC)
def link_vote(request, token: str):
    found = member_link_read(token)
    if found is None:
        raise Http404
    member_id, meeting_id = found
    ballot = selectors.ballot_of_meeting(meeting_id)
    if ballot is None:
        raise Http404
    return _vote(request, ballot, selectors.elector_by_member_id(
        ballot=ballot, member_id=member_id), token=token)


@access(PUBLIC)
def receipt_check(request, pk: int):
    """Anyone holding a receipt can check that the ballot it belongs to is stored (and,
    once closed, counted). It shows nothing about how anyone voted."""
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    form = ReceiptForm(request.GET if "receipt" in request.GET else None)
    found = None
    if form.is_bound and form.is_valid():
        found = casting.receipt_counted(ballot=ballot, receipt=form.cleaned_data["receipt"])
    return _private(render(request, "ballots/check.html", {
        "ballot": ballot, "form": form, "found": found}))


@access(PUBLIC)
def voter_link(request, token: str):
    """A ballot of the members or a written resolution, through the link in its email."""
    found = voter_link_read(token)
    ballot = selectors.ballot_get(found[1]) if found else None
    if ballot is None:
        raise Http404
    return _vote(request, ballot, selectors.elector_by_member_id(
        ballot=ballot, member_id=found[0]), token=token)
