"""Setting up the mutual's classes: share classes and stakeholder classes, what carries
votes from when, and share write-downs. The secretary makes the changes; the board sees
them on the classes page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import SECRETARY
from governance.http import form_submit, posted, status_for

from .. import forms, selectors
from ..services import classes

SHARE_CLASS_EDITABLE = ("name", "code", "par_value", "min_holding", "max_holding",
                        "withdrawable", "transferable", "withdrawal_notice_months",
                        "withdrawal_notice_days", "max_interest_rate",
                        "transfer_needs_board_approval", "transfer_at_par_only",
                        "sale_notice_days")


def _share_class(pk: int):
    share_class = selectors.share_class(pk=pk)
    if share_class is None:
        raise Http404
    return share_class


def _stakeholder_class(pk: int):
    klass = selectors.stakeholder_class(pk=pk)
    if klass is None:
        raise Http404
    return klass


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def share_class_new(request):
    form = forms.ShareClassForm(posted(request))
    if request.method == "POST" and form_submit(
            request, form, lambda data: classes.share_class_create(actor=request.user,
                                                                    **data)):
        messages.success(request, f"{form.cleaned_data['name']} are set up.")
        return redirect("membership:classes")
    return render(request, "membership/class_form.html", {
        "form": form, "title": "New share class"}, status=status_for(form))


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def share_class_edit(request, pk: int):
    share_class = _share_class(pk)
    if request.method == "GET":
        return _share_class_page(request, share_class)
    form = forms.ShareClassForm(request.POST, editing=True)
    if form_submit(request, form, lambda data: classes.share_class_update(
            actor=request.user, share_class=share_class, **data)):
        messages.success(request, "The share class is changed.")
        return redirect("membership:classes")
    return _share_class_page(request, share_class, form=form)


def _share_class_page(request, share_class, *, form=None, voting=None, write_down=None):
    form = form or forms.ShareClassForm(editing=True, initial={
        name: getattr(share_class, name) for name in SHARE_CLASS_EDITABLE})
    voting = voting or forms.VotingChangeForm(prefix="voting")
    write_down = write_down or forms.WriteDownForm(prefix="value")
    return render(request, "membership/share_class.html", {
        "share_class": share_class, "form": form, "voting_form": voting,
        "write_down_form": write_down,
    }, status=status_for(form, voting, write_down))


@access(*SECRETARY)
@require_POST
def share_class_voting(request, pk: int):
    share_class = _share_class(pk)
    form = forms.VotingChangeForm(request.POST, prefix="voting")
    if form_submit(request, form, lambda data: classes.share_class_voting_change(
            actor=request.user, share_class=share_class, carries_votes=data["value"],
            effective_from=data["effective_from"],
            minute_reference=data["minute_reference"])):
        messages.success(request, "The change is recorded.")
        return redirect("membership:share_class", pk=pk)
    return _share_class_page(request, share_class, voting=form)


@access(*SECRETARY)
@require_POST
def share_class_write_down(request, pk: int):
    share_class = _share_class(pk)
    form = forms.WriteDownForm(request.POST, prefix="value")
    if form_submit(request, form, lambda data: classes.share_class_write_down(
            actor=request.user, share_class=share_class, **data)):
        messages.success(request, "The board's resolution is recorded.")
        return redirect("membership:share_class", pk=pk)
    return _share_class_page(request, share_class, write_down=form)


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def stakeholder_class_new(request):
    form = forms.StakeholderClassForm(posted(request))
    if request.method == "POST" and form_submit(
            request, form, lambda data: classes.stakeholder_class_create(actor=request.user,
                                                                          **data)):
        messages.success(request, f"The {form.cleaned_data['name']} class is set up.")
        return redirect("membership:classes")
    return render(request, "membership/class_form.html", {
        "form": form, "title": "New stakeholder class"}, status=status_for(form))


def _stakeholder_class_page(request, klass, *, form=None, voting=None):
    form = form or forms.StakeholderClassForm(editing=True, initial={
        "name": klass.name, "eligibility": klass.eligibility,
        "share_classes": list(klass.share_classes.all())})
    voting = voting or forms.VotingChangeForm(prefix="voting")
    return render(request, "membership/stakeholder_class.html", {
        "klass": klass, "form": form, "voting_form": voting,
    }, status=status_for(form, voting))


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def stakeholder_class_edit(request, pk: int):
    klass = _stakeholder_class(pk)
    if request.method == "GET":
        return _stakeholder_class_page(request, klass)
    form = forms.StakeholderClassForm(request.POST, editing=True)
    if form_submit(request, form, lambda data: classes.stakeholder_class_update(
            actor=request.user, stakeholder_class=klass, **data)):
        messages.success(request, "The class is changed.")
        return redirect("membership:classes")
    return _stakeholder_class_page(request, klass, form=form)


@access(*SECRETARY)
@require_POST
def stakeholder_class_voting(request, pk: int):
    klass = _stakeholder_class(pk)
    form = forms.VotingChangeForm(request.POST, prefix="voting")
    if form_submit(request, form, lambda data: classes.stakeholder_class_voting_change(
            actor=request.user, stakeholder_class=klass, votes=data["value"],
            effective_from=data["effective_from"],
            minute_reference=data["minute_reference"])):
        messages.success(request, "The change is recorded.")
        return redirect("membership:stakeholder_class", pk=pk)
    return _stakeholder_class_page(request, klass, voting=form)
