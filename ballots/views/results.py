"""Results and scrutiny. Results stay hidden until the secretary publishes them: before
that only the secretary (who checks them before publishing) and the scrutineer see a
counted ballot's results. Once published, members see them signed in or through the
personal link in their results email; the board sees them too. The scrutineer's report
and signed bundle are for the scrutineer and the board once the ballot has closed."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.access import PUBLIC, access, acting_as
from accounts.roles import BOARD, MEMBER, SCRUTINY, SECRETARY
from governance.http import personal_page
from meetings.links import member_link_read

from .. import reports, selectors
from ..forms import CastingVoteForm
from ..links import voter_link_read
from ..models import BallotStatus
from ..pdf import results_pdf
from ..results import question_view
from ..services.scrutiny import scrutiny_bundle_issue


def _ballot(pk: int):
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    return ballot


def _visible(request, ballot) -> bool:
    if ballot.results_published_at is not None:
        return True
    return ballot.counted_at is not None and acting_as(request, *SECRETARY, *SCRUTINY)


def _results_page(request, ballot, *, visible: bool, token_links: dict | None = None):
    questions = selectors.results_of(ballot) if visible else []
    names = selectors.class_names() if visible else {}
    views = [question_view(q, names) for q in questions]
    secretary = acting_as(request, *SECRETARY)
    for view in views:
        if secretary and view["result"] is not None and \
                view["result"].outcome == "tied_undecided":
            view["casting_form"] = CastingVoteForm(question_id=view["question"].pk)
    return render(request, "ballots/results.html", {
        "ballot": ballot, "visible": visible, "views": views, "token_links": token_links,
        "is_secretary": secretary})


@access(*MEMBER, *BOARD, *SCRUTINY)
def results(request, pk: int):
    ballot = _ballot(pk)
    return _results_page(request, ballot, visible=_visible(request, ballot))


@access(*MEMBER, *BOARD, *SCRUTINY)
def question_results(request, pk: int, question: int):
    ballot = _ballot(pk)
    found = selectors.question_of_ballot(ballot=ballot, pk=question)
    if found is None or not _visible(request, ballot):
        raise Http404
    question = next(q for q in selectors.results_of(ballot) if q.pk == found.pk)
    view = question_view(question, selectors.class_names())
    return render(request, "ballots/question_results.html", {"ballot": ballot, "view": view})


def _download(content, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access(*MEMBER, *BOARD, *SCRUTINY)
def results_csv(request, pk: int):
    ballot = _ballot(pk)
    if not _visible(request, ballot):
        raise Http404
    return _download(reports.results_csv(ballot, selectors.results_of(ballot)),
                     filename=f"results-{ballot.pk}.csv", content_type="text/csv; charset=utf-8")


@access(*MEMBER, *BOARD, *SCRUTINY)
def results_pdf_download(request, pk: int):
    ballot = _ballot(pk)
    if not _visible(request, ballot):
        raise Http404
    names = selectors.class_names()
    views = [question_view(q, names) for q in selectors.results_of(ballot)]
    return _download(results_pdf(ballot, views), filename=f"results-{ballot.pk}.pdf",
                     content_type="application/pdf")


def _by_link(request, ballot_id: int | None, member_id: int, token: str, kind: str):
    ballot = selectors.ballot_get(ballot_id) if ballot_id else None
    if ballot is None or selectors.elector_by_member_id(ballot=ballot,
                                                        member_id=member_id) is None:
        raise Http404
    return personal_page(_results_page(
        request, ballot, visible=ballot.results_published_at is not None,
        token_links={"kind": kind, "token": token}))


@access(PUBLIC)
def link_results(request, token: str):
    """The results through the personal link of a meeting's notice or results email."""
    found = member_link_read(token)
    if found is None:
        raise Http404
    member_id, meeting_id = found
    ballot = selectors.ballot_of_meeting(meeting_id)
    return _by_link(request, ballot.pk if ballot else None, member_id, token, "meeting")


@access(PUBLIC)
def voter_results(request, token: str):
    """The results through the personal link of a ballot held without a meeting."""
    found = voter_link_read(token)
    if found is None:
        raise Http404
    return _by_link(request, found[1], found[0], token, "ballot")


@access(*SCRUTINY, *BOARD)
def scrutiny(request, pk: int):
    ballot = _ballot(pk)
    report = reports.scrutiny_report(ballot) if ballot.status == BallotStatus.CLOSED else None
    return render(request, "ballots/scrutiny.html", {
        "ballot": ballot, "report": report,
        "key_fingerprint": reports.signing_key_fingerprint(),
        "is_board": acting_as(request, *BOARD),
        "spoilt_papers": selectors.spoilt_papers(ballot),
        "paper_entries": selectors.paper_votes(ballot)})


@access(*SCRUTINY, *BOARD)
def scrutiny_bundle(request, pk: int):
    ballot = _ballot(pk)
    if ballot.status != BallotStatus.CLOSED or ballot.counted_at is None:
        raise Http404
    return _download(scrutiny_bundle_issue(actor=request.user, ballot=ballot),
                     filename=f"ballot-{ballot.pk}-scrutiny.zip",
                     content_type="application/zip")
