"""The secretary's ballot console: make the ballot of a meeting, open it (the roll is
frozen then), follow the turnout, close it. The board may look. While a secret ballot is
open nobody sees how anyone voted or any count of the options: turnout only."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, SECRETARY
from governance.exceptions import DomainError
from governance.http import form_submit
from meetings.selectors import meeting_with_items

from .. import selectors
from ..forms import BallotTimesForm
from ..services import ballots


def _ballot(pk: int):
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    return ballot


@access(*SECRETARY)
@require_POST
def ballot_create(request, meeting: int):
    found = meeting_with_items(meeting)
    if found is None:
        raise Http404
    form = BallotTimesForm(request.POST)
    made = []
    if form_submit(request, form, lambda data: made.append(ballots.ballot_for_meeting(
            actor=request.user, meeting=found, **data))):
        messages.success(request, "The ballot is made. Check it, then open it.")
        return redirect("ballots:ballot", pk=made[0].pk)
    for error in form.errors.get("__all__", []) + [e for name, errs in form.errors.items()
                                                   if name != "__all__" for e in errs]:
        messages.error(request, error)
    return redirect("meetings:meeting", pk=meeting)


@access(*BOARD)
def ballot_detail(request, pk: int):
    ballot = _ballot(pk)
    return render(request, "ballots/console.html", {
        "ballot": ballot, "questions": selectors.ballot_questions(ballot),
        "turnout": selectors.turnout(ballot), "is_secretary": acting_as(request, *SECRETARY)})


def _act(request, pk, action, done):
    try:
        action(actor=request.user, ballot=_ballot(pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("ballots:ballot", pk=pk)


@access(*SECRETARY)
@require_POST
def ballot_open(request, pk: int):
    return _act(request, pk, ballots.ballot_open,
                "The ballot is open: the roll is frozen from the register at the record "
                "date.")


@access(*SECRETARY)
@require_POST
def ballot_close(request, pk: int):
    return _act(request, pk, ballots.ballot_close, "The ballot is closed.")
