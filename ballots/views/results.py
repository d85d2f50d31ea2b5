"""Results and scrutiny. Results stay hidden until the secretary publishes them: before
that only the secretary (who checks them before publishing) and the scrutineer see a
counted ballot's results. Once published, members see them signed in or through the
personal link in their results email; the board sees them too. The scrutineer's report is
for the scrutineer and the board once the ballot has closed; its outcomes and the signed
bundle are for the scrutineer and the secretary until the results are published."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import PUBLIC, access, acting_as
from accounts.roles import BOARD, MEMBER, SCRUTINY, SECRETARY
from governance.exceptions import DomainError
from governance.http import personal_page
from governance.services import audit_chain_check
from meetings.links import member_link_read

from .. import reports, selectors
from ..forms import CastingVoteForm
from ..links import voter_link_read
from ..models import BallotStatus, BundleStatus
from ..pdf import results_pdf
from ..results import question_view
from ..services.scrutiny import scrutiny_bundle_issue, scrutiny_bundle_request


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


def _outcomes_visible(request, ballot) -> bool:
    """Until the results are published, the outcomes and the bundle (which carries them)
    are for the scrutineer and the secretary only: board members are often candidates."""
    return ballot.results_published_at is not None or acting_as(request, *SECRETARY,
                                                                *SCRUTINY)


@access(*SCRUTINY, *BOARD)
def scrutiny(request, pk: int):
    """The scrutineer's report (with a quick check of the audit chain: the entries since
    the last check) and the signed bundle, made on a worker when asked for."""
    ballot = _ballot(pk)
    report = chain = None
    if ballot.status == BallotStatus.CLOSED:
        chain = audit_chain_check()
        report = reports.scrutiny_report(ballot, chain=chain)
    outcomes = _outcomes_visible(request, ballot)
    bundle = selectors.scrutiny_bundle_latest(ballot) if outcomes else None
    return render(request, "ballots/scrutiny.html", {
        "ballot": ballot, "report": report, "chain": chain, "outcomes_visible": outcomes,
        "bundle": bundle, "progress": selectors.bundle_progress(bundle) if bundle else None,
        "key_fingerprint": reports.signing_key_fingerprint(),
        "is_board": acting_as(request, *BOARD),
        "spoilt_papers": selectors.spoilt_papers(ballot),
        "paper_entries": selectors.paper_votes(ballot)})


def _bundle_allowed(request, ballot) -> None:
    if not _outcomes_visible(request, ballot):
        raise PermissionDenied("Until the results are published the bundle is for the "
                               "scrutineer and the secretary.")


@access(*SCRUTINY, *BOARD)
@require_POST
def scrutiny_bundle(request, pk: int):
    """Ask for the signed bundle: a worker makes it, and the scrutiny page shows its
    progress, then the download."""
    ballot = _ballot(pk)
    _bundle_allowed(request, ballot)
    try:
        scrutiny_bundle_request(actor=request.user, ballot=ballot)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The bundle is being made. This page shows its progress; "
                                  "you can leave it and come back.")
    return redirect(reverse("ballots:scrutiny", args=[pk]) + "#bundle")


@access(*SCRUTINY, *BOARD)
def scrutiny_bundle_progress(request, pk: int, bundle: int):
    ballot = _ballot(pk)
    _bundle_allowed(request, ballot)
    found = selectors.scrutiny_bundle_of(ballot=ballot, pk=bundle)
    if found is None:
        raise Http404
    return JsonResponse(selectors.bundle_progress(found))


@access(*SCRUTINY, *BOARD)
def scrutiny_bundle_download(request, pk: int, bundle: int):
    ballot = _ballot(pk)
    _bundle_allowed(request, ballot)
    found = selectors.scrutiny_bundle_of(ballot=ballot, pk=bundle)
    if found is None or found.status != BundleStatus.READY:
        raise Http404
    return _download(scrutiny_bundle_issue(actor=request.user, bundle=found),
                     filename=f"ballot-{ballot.pk}-scrutiny-{found.pk}.zip",
                     content_type="application/zip")
