"""Proxies on the member's side: appointing (signed in or through the personal link) and
revoking; and the holder's page, listing their principals, with a ballot paper for each."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import PUBLIC, SIGNED_IN, access
from accounts.roles import CHAIR, MEMBER
from governance.exceptions import DomainError
from governance.http import form_submit, personal_page, posted, redirect_back, status_for
from meetings.links import member_link_read
from membership.selectors import member_for_user

from .. import selectors
from ..forms import BallotPaperForm, ProxyForm
from ..services import proxies


def _ballot(pk: int):
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    return ballot


def _appoint_page(request, ballot, elector, *, back: str, token: str = ""):
    if elector is None:
        raise Http404
    questions = list(selectors.ballot_questions(ballot))
    form = ProxyForm(posted(request), questions=questions)
    if request.method == "POST" and form_submit(request, form, lambda data: (
            proxies.proxy_appoint(actor=request.user if request.user.is_authenticated
                                  else None, ballot=ballot, principal=elector,
                                  holder=data["holder"], holder_name=data["holder_name"],
                                  holder_email=data["holder_email"],
                                  instructions=form.instructions()))):
        messages.success(request, "Your proxy is appointed.")
        return redirect(back)
    try:
        deadline = proxies.proxy_deadline(ballot)
    except DomainError as exc:
        return personal_page(render(request, "ballots/proxy.html", {
            "ballot": ballot, "refused": exc.message}))
    return personal_page(render(request, "ballots/proxy.html", {
        "ballot": ballot, "form": form, "deadline": deadline, "back": back, "token": token,
        "current": selectors.proxy_current(elector)}, status=status_for(form)))


@access(*MEMBER)
@require_http_methods(["GET", "POST"])
def proxy_appoint(request, pk: int):
    ballot = _ballot(pk)
    elector = selectors.elector_for(ballot=ballot, member=member_for_user(user=request.user))
    return _appoint_page(request, ballot, elector,
                         back=reverse("ballots:proxy", args=[ballot.pk]))


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def link_proxy_appoint(request, token: str):
    found = member_link_read(token)
    ballot = selectors.ballot_of_meeting(found[1]) if found else None
    if ballot is None:
        raise Http404
    elector = selectors.elector_by_member_id(ballot=ballot, member_id=found[0])
    return _appoint_page(request, ballot, elector,
                         back=reverse("ballots:link_proxy", args=[token]), token=token)


@access(PUBLIC)
@require_POST
def proxy_revoke(request, pk: int, appointment: int):
    """Revoke from the appointment page (signed in or by link): the appointment is found
    only among the requester's own."""
    found = selectors.proxy_appointment(pk=appointment, ballot_id=pk)
    back = request.POST.get("back")
    token = request.POST.get("token", "")
    owner = None
    if token:
        read = member_link_read(token)
        owner = read[0] if read else None
    elif request.user.is_authenticated:
        member = member_for_user(user=request.user)
        owner = member.pk if member else None
    if found is None or owner is None or found.principal.member_id != owner:
        raise Http404
    try:
        proxies.proxy_revoke(actor=request.user if request.user.is_authenticated else None,
                             appointment=found)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your proxy appointment is revoked.")
    return redirect_back(request, back)


def _held_page(request, ballot, held, *, as_chair: bool):
    """Each principal, their instructions, and a ballot paper."""
    questions = list(selectors.ballot_questions(ballot))
    voting_for = request.POST.get("appointment") if request.method == "POST" else None
    rows = []
    for appointment in held:
        bound = voting_for == str(appointment.pk)
        form = BallotPaperForm(request.POST if bound else None, questions=questions,
                               elector=appointment.principal,
                               prefix=f"p{appointment.pk}",
                               initial={f"q{qid}": choice for qid, choice
                                        in appointment.instructions.items()
                                        if choice != "discretion"})
        if bound and form.is_valid():
            try:
                proxies.proxy_vote(actor=request.user, appointment=appointment,
                                   answers=form.answers())
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Your vote for member "
                                          f"{appointment.principal.member_number} is "
                                          "recorded.")
                return redirect("ballots:chair_proxies" if as_chair
                                else "ballots:proxies_held", pk=ballot.pk)
        rows.append((appointment, form))
    bound_here = any(str(a.pk) == voting_for for a, _form in rows)
    return personal_page(render(request, "ballots/proxies_held.html", {
        "ballot": ballot, "rows": rows, "as_chair": as_chair},
        status=400 if bound_here else 200))


@access(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def proxies_held(request, pk: int):
    """The page of a proxy named by a member: anyone signed in with the email address the
    member gave."""
    ballot = _ballot(pk)
    return _held_page(request, ballot, list(proxies.proxies_held_by(
        ballot=ballot, user=request.user)), as_chair=False)


@access(*CHAIR)
@require_http_methods(["GET", "POST"])
def chair_proxies(request, pk: int):
    """The proxies held by the chair of the meeting, voted by the chair: an officer page,
    so two-factor is needed, as everywhere an officer role is used."""
    ballot = _ballot(pk)
    return _held_page(request, ballot, list(proxies.proxies_held_by_chair(ballot=ballot)),
                      as_chair=True)
