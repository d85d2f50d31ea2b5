"""The secretary's ballot console: make the ballot of a meeting, open it (the roll is
frozen then), follow the turnout, close it. The board may look. While a secret ballot is
open nobody sees how anyone voted or any count of the options: turnout only."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, CHAIR, SCRUTINY, SECRETARY
from governance.exceptions import DomainError
from governance.http import form_submit, posted, refusal, status_for
from meetings.selectors import meeting_with_items

from .. import selectors
from ..forms import (
    BallotPaperForm,
    BallotTimesForm,
    CastingVoteForm,
    NewBallotForm,
    PaperProxyForm,
    PaperWithdrawForm,
    QuestionForm,
    RoomVoteForm,
    ShowOfHandsForm,
    SpoiltPaperForm,
)
from ..services import ballots, casting, counting, papers, proxies


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


def _detail(request, ballot, question_form=None):
    return render(request, "ballots/console.html", {
        "ballot": ballot, "questions": selectors.ballot_questions(ballot),
        "turnout": selectors.turnout(ballot), "is_secretary": acting_as(request, *SECRETARY),
        "is_chair": acting_as(request, *CHAIR),
        "progress": selectors.count_progress(ballot),
        "count_trustees_in": selectors.count_trustees_in(ballot),
        "question_form": question_form or QuestionForm()}, status=status_for(question_form))


@access(*BOARD)
def ballot_detail(request, pk: int):
    return _detail(request, _ballot(pk))


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
    try:
        ballots.ballot_close(actor=request.user, ballot=_ballot(pk))
    except ballots.CloseDelayed as exc:
        messages.warning(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The ballot is closed.")
    return redirect("ballots:ballot", pk=pk)


@access(*SECRETARY)
@require_POST
def results_publish(request, pk: int):
    try:
        counting.results_publish(actor=request.user, ballot=_ballot(pk))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ballots:ballot", pk=pk)
    messages.success(request, "The results are published: members can see them, and those "
                              "who agreed to email are being sent them.")
    return redirect("ballots:results", pk=pk)


@access(*BOARD)
def count_progress(request, pk: int):
    return JsonResponse(selectors.count_progress(_ballot(pk)))


@access(*SECRETARY)
@require_POST
def casting_vote(request, pk: int, question: int):
    """The chair's casting vote on a tied resolution, as declared at the meeting."""
    ballot = _ballot(pk)
    found = selectors.question_of_ballot(ballot=ballot, pk=question)
    if found is None:
        raise Http404
    form = CastingVoteForm(request.POST, question_id=question)
    if form_submit(request, form, lambda data: counting.casting_vote_record(
            actor=request.user, question=found, choice=data["choice"])):
        messages.success(request, "The casting vote is recorded and the resolution counted "
                                  "with it.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("ballots:results", pk=pk)


@access(*SECRETARY)
@require_POST
def spoilt_paper(request, pk: int):
    ballot = _ballot(pk)
    form = SpoiltPaperForm(request.POST)
    if form_submit(request, form, lambda data: ballots.spoilt_paper_record(
            actor=request.user, ballot=ballot, **data)):
        messages.success(request, "The spoilt paper is recorded.")
        return redirect("ballots:room", pk=pk)
    return _room_page(request, ballot, spoilt=form)


def _room_page(request, ballot, *, questions=None, who=None, paper=None, hands=None,
               spoilt=None, withdrawing=None):
    """The page of votes in the room and by post, with whichever of its forms was sent
    (and its errors) and fresh ones for the others. `withdrawing` is (entry id, form)."""
    questions = questions if questions is not None else list(
        selectors.ballot_questions(ballot))
    entries = []
    for entry in selectors.paper_votes(ballot):
        form = withdrawing[1] if withdrawing and withdrawing[0] == entry.pk else \
            PaperWithdrawForm(paper_id=entry.pk)
        entries.append((entry, form))
    forms = [f for f in (who, paper, hands, spoilt, withdrawing and withdrawing[1]) if f]
    return render(request, "ballots/room.html", {
        "ballot": ballot, "who": who or RoomVoteForm(),
        "paper": paper or BallotPaperForm(questions=questions, elector=None),
        "hands": hands or ShowOfHandsForm(questions=questions),
        "spoilt": spoilt or SpoiltPaperForm(), "entries": entries,
        "recorded": selectors.shows_of_hands(ballot),
        "spoilt_papers": selectors.spoilt_papers(ballot)}, status=status_for(*forms))


@access(*BOARD)
@require_http_methods(["GET", "POST"])
def proxy_register(request, pk: int):
    """The proxy register: every appointment, revocation and how it was used; the secretary
    records paper appointments here."""
    ballot = _ballot(pk)
    questions = list(selectors.ballot_questions(ballot))
    form = PaperProxyForm(posted(request) if acting_as(request, *SECRETARY) else None,
                          questions=questions)

    def record(data):
        elector = selectors.elector_by_number(ballot=ballot, number=data["member_number"])
        if elector is None:
            raise DomainError("That member is not on the roll of this ballot.",
                              field="member_number")
        proxies.proxy_appoint(actor=request.user, ballot=ballot, principal=elector,
                              holder=data["holder"], holder_name=data["holder_name"],
                              holder_email=data["holder_email"],
                              instructions=form.instructions(), on_paper=True)

    if request.method == "POST" and acting_as(request, *SECRETARY) and form_submit(
            request, form, record):
        messages.success(request, "The paper appointment is recorded.")
        return redirect("ballots:proxy_register", pk=pk)
    return render(request, "ballots/proxy_register.html", {
        "ballot": ballot, "appointments": selectors.proxy_register(ballot), "form": form,
        "is_secretary": acting_as(request, *SECRETARY)}, status=status_for(form))


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def room_votes(request, pk: int):
    """Poll cards in the room and postal ballots, entered one elector at a time with the
    paper's reference; they join the same ballot as the votes online and by proxy, and a
    member who voted already is refused."""
    ballot = _ballot(pk)
    questions = list(selectors.ballot_questions(ballot))
    who = RoomVoteForm(posted(request))
    paper = BallotPaperForm(posted(request), questions=questions, elector=None)
    if request.method == "POST" and who.is_valid() and paper.is_valid():
        elector = selectors.elector_by_number(ballot=ballot,
                                              number=who.cleaned_data["member_number"])
        try:
            if elector is None:
                raise DomainError("That member is not on the roll of this ballot.",
                                  field="member_number")
            entered = papers.paper_vote_enter(
                actor=request.user, ballot=ballot, elector=elector,
                channel=who.cleaned_data["channel"],
                reference=who.cleaned_data["reference"], answers=paper.answers())
        except DomainError as exc:
            refusal(request, who, exc)
        else:
            messages.success(request, f"The vote of member {elector.member_number} is "
                                      f"recorded ({entered}).")
            return redirect("ballots:room", pk=pk)
    return _room_page(request, ballot, questions=questions, who=who, paper=paper)


@access(*SECRETARY)
@require_POST
def paper_withdraw(request, pk: int, paper: int):
    """Withdraw a paper entered in error, with its votes, while the ballot is open."""
    ballot = _ballot(pk)
    entry = selectors.paper_vote(ballot=ballot, pk=paper)
    if entry is None:
        raise Http404
    form = PaperWithdrawForm(request.POST, paper_id=entry.pk)
    if form_submit(request, form, lambda data: papers.paper_vote_withdraw(
            actor=request.user, paper=entry, because=data["because"])):
        messages.success(request, f"The entry of {entry} for member "
                                  f"{entry.elector.member_number} is withdrawn; the member "
                                  "may vote.")
        return redirect("ballots:room", pk=pk)
    return _room_page(request, ballot, withdrawing=(entry.pk, form))


@access(*SECRETARY)
@require_POST
def show_of_hands(request, pk: int):
    ballot = _ballot(pk)
    questions = list(selectors.ballot_questions(ballot))
    form = ShowOfHandsForm(request.POST, questions=questions)

    def record(data):
        question_id = data.pop("question")
        question = next(q for q in questions if q.pk == question_id)
        casting.show_of_hands_record(actor=request.user, ballot=ballot, question=question,
                                     **data)

    if form_submit(request, form, record):
        messages.success(request, "The show of hands is recorded.")
        return redirect("ballots:room", pk=pk)
    return _room_page(request, ballot, questions=questions, hands=form)


@access(*BOARD, *SCRUTINY)
def ballot_list(request):
    return render(request, "ballots/list.html", {
        "ballots": selectors.ballots_all()[:100],
        "is_secretary": acting_as(request, *SECRETARY),
        "is_board": acting_as(request, *BOARD)})


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def ballot_new(request):
    form = NewBallotForm(posted(request))
    made = []
    if request.method == "POST" and form_submit(request, form, lambda data: made.append(
            ballots.ballot_create(actor=request.user, **data))):
        messages.success(request, "The ballot is made. Add its questions, then open it.")
        return redirect("ballots:ballot", pk=made[0].pk)
    return render(request, "ballots/new.html", {"form": form}, status=status_for(form))


@access(*SECRETARY)
@require_POST
def question_add(request, pk: int):
    ballot = _ballot(pk)
    form = QuestionForm(request.POST)
    if form_submit(request, form, lambda data: ballots.question_add(
            actor=request.user, ballot=ballot, kind=data["kind"], title=data["title"],
            text=data["text"], seats=data["seats"],
            candidates=data["candidates"].splitlines())):
        messages.success(request, "The question is added.")
        return redirect("ballots:ballot", pk=pk)
    return _detail(request, ballot, question_form=form)
