"""The rules of general meetings, "When can we hold the meeting?", and the board's
composition: seats reserved for classes and when the next AGM is due."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, SECRETARY
from governance.calendar import LONDON
from governance.exceptions import DomainError
from governance.http import form_submit, status_for
from governance.selectors import organisation_get
from governance.timing import confirmation_window, notice_timing, proxy_deadlines

from .. import forms, selectors
from ..rules import PRESETS, settings_in_words
from ..services import agm, board, rulebooks


def _rulebook_page(request, preset_form=None):
    today = timezone.localdate()
    in_force = selectors.rulebook_in_force(on=today)
    return render(request, "meetings/rulebook.html", {
        "in_force": in_force, "versions": selectors.rulebooks(),
        "rows": settings_in_words(selectors.settings_of(in_force), in_force.clauses)
        if in_force else [],
        "presets": PRESETS.values(), "is_secretary": acting_as(request, *SECRETARY),
        "preset_form": preset_form or forms.RulebookPresetForm(),
    }, status=status_for(preset_form))


@access(*BOARD)
def rulebook(request):
    return _rulebook_page(request)


@access(*SECRETARY)
@require_POST
def rulebook_adopt(request):
    form = forms.RulebookPresetForm(request.POST)

    def adopt(data):
        changes = {}
        if data["notice_clear_days"] is not None:
            changes["notice_clear_days"] = data["notice_clear_days"]
        if data["casting_vote"]:
            changes["casting_vote"] = data["casting_vote"]
        if data["stv_rule"]:
            changes["stv_rule"] = data["stv_rule"]
        rulebooks.rulebook_adopt_preset(
            actor=request.user, preset=data["preset"], effective_from=data["effective_from"],
            adopted_by=data["adopted_by"], changes=changes)

    if form_submit(request, form, adopt):
        messages.success(request, "The rules are recorded.")
        return redirect("meetings:rulebook")
    return _rulebook_page(request, preset_form=form)


def _plan_initial() -> dict:
    organisation = organisation_get()
    in_force = selectors.rulebook_in_force(on=timezone.localdate())
    settings = selectors.settings_of(in_force) if in_force else None
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "legal_form": organisation.legal_form if organisation else "",
        "nation": organisation.nation if organisation else "",
        "notice_sent": now, "meeting": (now + dt.timedelta(days=28)).replace(hour=18,
                                                                            minute=0),
        "clear_days": settings.notice_clear_days if settings else None,
        "proxy_deadline_hours": settings.proxies.appointment_deadline_hours
        if settings else None,
    }


@access(*BOARD)
def plan(request):
    """The same answers as `manage.py meeting_dates`, for a secretary planning ahead."""
    form = forms.PlanForm(request.GET if "meeting" in request.GET else None,
                          initial=_plan_initial())
    answer = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        sent_at, meeting_at = (data["notice_sent"].astimezone(LONDON),
                               data["meeting"].astimezone(LONDON))
        try:
            answer = {
                "timing": notice_timing(legal_form=data["legal_form"], nation=data["nation"],
                                        sent_at=sent_at, meeting=meeting_at,
                                        clear_days=data["clear_days"]),
                "proxies": proxy_deadlines(legal_form=data["legal_form"],
                                           nation=data["nation"], meeting_at=meeting_at,
                                           appointment_hours=data["proxy_deadline_hours"],
                                           revocation_hours=None),
                "window": confirmation_window(first_meeting=data["first_meeting"],
                                              legal_form=data["legal_form"])
                if data["first_meeting"] else None,
            }
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "meetings/plan.html", {"form": form, "answer": answer},
                  status=status_for(form))


def _board_page(request, seats_form=None):
    today = timezone.localdate()
    return render(request, "meetings/board.html", {
        "directors": selectors.directors_on(on=today),
        "reserved": selectors.reserved_seats(), "agm_due": agm.agm_due(),
        "last_agm": selectors.last_agm_date(),
        "is_secretary": acting_as(request, *SECRETARY),
        "seats_form": seats_form or forms.ReservedSeatsForm(),
    }, status=status_for(seats_form))


@access(*BOARD)
def board_page(request):
    return _board_page(request)


@access(*SECRETARY)
@require_POST
def reserved_seats_set(request):
    form = forms.ReservedSeatsForm(request.POST)
    if form_submit(request, form, lambda data: board.reserved_seats_set(
            actor=request.user, **data)):
        messages.success(request, "The reserved seats are recorded.")
        return redirect("meetings:board")
    return _board_page(request, seats_form=form)
