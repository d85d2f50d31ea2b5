"""The key's trustees: the secretary's page naming them (and following the ceremony), and
each trustee's own pages, where they download what the trustee command reads and upload
what it writes, for the key ceremony and for the count. Trustee is an officer role: every
page here needs two-factor."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import access
from accounts.roles import SECRETARY, TRUSTEES
from governance.http import form_submit, posted

from .. import selectors
from ..forms import TrusteeCountForm, TrusteeFileForm, TrusteesForm
from ..models import CeremonyStage
from ..services import ceremony, counting


def _ballot(pk: int):
    ballot = selectors.ballot_get(pk)
    if ballot is None:
        raise Http404
    return ballot


@access(*SECRETARY)
def trustees_plan(request, pk: int):
    ballot = _ballot(pk)
    form = TrusteesForm(posted(request))
    if request.method == "POST" and form_submit(request, form, lambda data: (
            ceremony.ceremony_plan(actor=request.user, ballot=ballot, trustees=data["trustees"],
                                   threshold=data["threshold"],
                                   platform_share=data["platform_share"]))):
        messages.success(request, "The trustees are named. Each has been told what to do.")
        return redirect("ballots:trustees_plan", pk=pk)
    made = selectors.key_ceremony(ballot)
    return render(request, "ballots/trustees_plan.html", {
        "ballot": ballot, "ceremony": made, "form": form,
        "trustees": list(made.trustees.order_by("index")) if made else [],
        "can_lose": made.size - made.threshold if made else None},
        status=400 if request.method == "POST" else 200)


@access(*SECRETARY)
@require_POST
def ceremony_restart(request, pk: int):
    ballot = _ballot(pk)
    try:
        ceremony.ceremony_restart(actor=request.user, ballot=ballot)
    except ceremony.CeremonyRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The key ceremony starts again: each trustee makes a new "
                                  "key.")
    return redirect("ballots:trustees_plan", pk=pk)


@access(*TRUSTEES)
def trustee_home(request):
    return render(request, "ballots/trustee_home.html",
                  {"trusteeships": selectors.trusteeships(request.user)})


def _trusteeship(request, pk: int):
    trustee = selectors.trusteeship(request.user, pk)
    if trustee is None:
        raise Http404
    return trustee


ROUND = {CeremonyStage.KEYS: "keygen", CeremonyStage.SHARES: "shares",
         CeremonyStage.FINISH: "finish"}


@access(*TRUSTEES)
def trustee(request, pk: int):
    trustee = _trusteeship(request, pk)
    made, ballot = trustee.ceremony, trustee.ceremony.ballot
    form = TrusteeFileForm(posted(request), request.FILES or None)
    if request.method == "POST" and form_submit(request, form, lambda data: (
            ceremony.ceremony_upload(actor=request.user, trustee=trustee, data=data["file"]))):
        messages.success(request, "Your file is checked and kept.")
        return redirect("ballots:trustee", pk=pk)
    trustee.refresh_from_db()
    done = {CeremonyStage.KEYS: trustee.public_file, CeremonyStage.SHARES: trustee.shares_file,
            CeremonyStage.FINISH: trustee.finish_file}.get(made.stage)
    return render(request, "ballots/trustee.html", {
        "trustee": trustee, "ceremony": made, "ballot": ballot, "form": form,
        "round": ROUND.get(made.stage), "round_done": done is not None,
        "count_needs": counting.trustee_needs(ballot, trustee) if ballot.count_stage ==
        "trustees" else {}, "count_form": TrusteeCountForm()},
        status=400 if request.method == "POST" else 200)


def _file(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@access(*TRUSTEES)
def trustee_download(request, pk: int, name: str):
    trustee = _trusteeship(request, pk)
    made = trustee.ceremony
    if name == "invitation":
        return _file(ceremony.invitation(trustee), "invitation.json")
    if name == "publics" and made.stage in (CeremonyStage.SHARES, CeremonyStage.FINISH,
                                            CeremonyStage.COMPLETE):
        return _file(ceremony.publics_file(made), "publics.json")
    if name == "relayed" and made.stage == CeremonyStage.FINISH:
        return _file(ceremony.relayed_file(trustee), "relayed.json")
    if name == "count" and made.ballot.count_stage == "trustees":
        package = counting.count_package(made.ballot, trustee)
        return _file(json.dumps(package).encode(), "count-package.json")
    raise Http404


@access(*TRUSTEES)
@require_POST
def trustee_count(request, pk: int):
    trustee = _trusteeship(request, pk)
    form = TrusteeCountForm(request.POST, request.FILES)
    if form_submit(request, form, lambda data: counting.trustee_count_upload(
            actor=request.user, trustee=trustee, response=data["file"])):
        messages.success(request, "Your part of the count is received; it is checked on "
                                  "the counting worker before it is used.")
        return redirect("ballots:trustee", pk=pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("ballots:trustee", pk=pk)
