"""The member's ballot: the paper, a review of the answers, the vote and its tracker; a
vote changed with the tracker where the rules allow. Reached signed in, or through the
personal link in the notice (members without a login vote that way); a member that is an
organisation votes through the login of its representative. Works without JavaScript."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.access import PUBLIC, SIGNED_IN, access
from governance.http import personal_page, posted, status_for
from meetings.links import member_link_read
from membership.selectors import member_for_user

from .. import selectors
from ..crypto.answers import tracker_display
from ..forms import BallotPaperForm, TrackerForm
from ..links import voter_link_read
from ..models import BallotStatus
from ..services import casting
from ..services.casting import VoteRefused


def _vote(request, ballot, elector, *, token: str | None = None, represented=None,
          choices: list | None = None):
    """The paper, its review, the vote and the tracker. `represented` is the organisation
    the signed-in person votes for as its representative; `choices` the places on the
    roll they may vote for, when there is more than one."""
    if elector is None:
        raise Http404
    questions = list(selectors.ballot_questions(ballot))
    voted = selectors.questions_voted(elector, own_only=True)
    by_proxy = bool(selectors.questions_voted(elector)) and not voted
    # A paper entered for them by the secretary cannot be changed online: they never had
    # its tracker. They are told it was entered, with its number, and how to dispute it.
    paper = selectors.paper_vote_current(elector)
    changing = bool(voted) and ballot.change_allowed and paper is None
    form = BallotPaperForm(request.POST if request.method == "POST" else None,
                           questions=questions, elector=elector)
    tracker_form = TrackerForm(request.POST if request.method == "POST" and changing
                               else None)
    context = {"ballot": ballot, "elector": elector, "form": form, "token": token,
               "voted": voted, "changing": changing, "tracker_form": tracker_form,
               "by_proxy": by_proxy, "paper_entry": paper, "represented": represented,
               "choices": choices or [],
               "for_number": elector.member_number if represented or choices else None,
               "open": ballot.status == BallotStatus.OPEN}
    step = request.POST.get("step")
    if request.method == "POST" and paper is None and form.is_valid() and (not changing or
                                                         tracker_form.is_valid()):
        answers = form.answers()
        if not answers:
            form.add_error(None, "Answer at least one question.")
        elif step == "confirm":
            try:
                if changing:
                    tracker = casting.vote_change(
                        ballot=ballot, elector=elector, answers=answers,
                        tracker=tracker_form.cleaned_data["tracker"])
                else:
                    tracker = casting.vote_cast(ballot=ballot, elector=elector,
                                                answers=answers)
            except VoteRefused as exc:
                form.add_error(None, exc.message)
            else:
                return personal_page(render(request, "ballots/receipt.html", {
                    **context, "tracker": tracker_display(tracker) if tracker else "",
                    "summary": form.summary()}))
        else:
            return personal_page(render(request, "ballots/review.html", {
                **context, "summary": form.summary(), "posted": _posted_answers(request)}))
    status = 400 if request.method == "POST" else 200
    return personal_page(render(request, "ballots/paper.html", context, status=status))


def _posted_answers(request) -> list[tuple[str, str]]:
    """The answers as hidden fields for the confirm step."""
    return [(key, value) for key in request.POST
            if key.startswith("q") or key in ("tracker", "for")
            for value in request.POST.getlist(key)]


@access(SIGNED_IN)
def ballot_vote(request, pk: int):
    """A member's paper, signed in. A member that is an organisation votes through its
    representative: the person whose login the secretary linked to it. Someone who may vote
    for more than one place on the roll (themselves and an organisation, or several
    organisations) chooses which on the page (`for`, a member number); their own comes
    first. Open to members and representatives alone, as a member's page is."""
    member = member_for_user(user=request.user)
    ballot = selectors.ballot_get(pk)
    electors = selectors.electors_for_user(ballot=ballot, user=request.user) if ballot else []
    if member is None and not electors and not selectors.represents_a_member(
            user=request.user):
        raise PermissionDenied("Your role does not give access to this page.")
    if ballot is None:
        raise Http404
    wanted = request.POST.get("for") or request.GET.get("for")
    if wanted:
        elector = next((e for e in electors if str(e.member_number) == wanted), None)
    else:
        elector = electors[0] if electors else None
    own = member is not None and elector is not None and elector.member_id == member.pk
    url = reverse("ballots:vote", args=[ballot.pk])
    choices = [{"url": f"{url}?for={e.member_number}", "current": e == elector,
                "label": (f"Yourself (member {e.member_number})"
                          if member is not None and e.member_id == member.pk else
                          f"{e.member.full_name} (member {e.member_number}), which you "
                          "represent")}
               for e in electors] if len(electors) > 1 else []
    return _vote(request, ballot, elector, choices=choices,
                 represented=None if own or elector is None else elector.member)


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
@require_http_methods(["GET", "POST"])
def receipt_check(request, pk: int):
    """Anyone holding a ballot tracker can check that the paper it belongs to is in the
    ballot box (and, once closed, counted). It shows nothing about how anyone voted. The
    tracker is sent by
    POST, never in the address, so that it stays out of access logs and browser history."""
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    form = TrackerForm(posted(request))
    found = None
    if form.is_bound and form.is_valid():
        found = casting.tracker_in_box(ballot=ballot, tracker=form.cleaned_data["tracker"])
    return personal_page(render(request, "ballots/check.html", {
        "ballot": ballot, "form": form, "found": found}, status=status_for(form)))


@access(PUBLIC)
def voter_link(request, token: str):
    """A ballot of the members or a written resolution, through the link in its email."""
    found = voter_link_read(token)
    ballot = selectors.ballot_get(found[1]) if found else None
    if ballot is None:
        raise Http404
    return _vote(request, ballot, selectors.elector_by_member_id(
        ballot=ballot, member_id=found[0]), token=token)
