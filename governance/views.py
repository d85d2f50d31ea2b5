from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import PUBLIC, SIGNED_IN, access, acting_as
from accounts.roles import AUDIT_READERS, BOARD, SCRUTINY, SECRETARY, SYSTEM, user_roles

from . import health, outbox, selectors, services
from .forms import ASSET_LOCK_FORMS, OfficerAppointForm, OfficerRetireForm, OrganisationForm
from .http import form_submit, posted, status_for
from .models import DecisionKind


@access(PUBLIC)
def home(request):
    return render(request, "governance/home.html")


@access(SIGNED_IN)
def dashboard(request):
    return render(request, "governance/dashboard.html", {"roles": user_roles(request.user)})


def _wants_json(request) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", "")


@access(PUBLIC)
def health_page(request):
    """Yes or no, for anyone (a load balancer): cached, sends no task, shows no detail.
    The site administrator's system page has the detail."""
    ok = health.public_status()
    status = 200 if ok else 503
    if _wants_json(request):
        return JsonResponse({"ok": ok}, status=status)
    return render(request, "governance/health.html", {"healthy": ok}, status=status)


@access(*SYSTEM)
def system(request):
    checks = health.run_checks()
    healthy = all(check.ok for check in checks if check.name != "beat")
    if _wants_json(request):
        return JsonResponse({"ok": healthy, "checks": [c.__dict__ for c in checks]},
                            status=200 if healthy else 503)
    return render(request, "governance/system.html", {
        "checks": checks, "healthy": healthy,
        "chain": services.audit_chain_check(full=True) if request.GET.get("verify") else None,
    })


@access(*AUDIT_READERS)
def audit_log(request):
    action = request.GET.get("action", "").strip()
    page = Paginator(selectors.audit_events(action_prefix=action), 50).get_page(
        request.GET.get("page"))
    report = services.audit_chain_check() if request.GET.get("verify") else None
    return render(request, "governance/audit_log.html",
                  {"page": page, "action": action, "report": report})


def _officers_page(request, form=None):
    today = timezone.localdate()
    can_appoint = acting_as(request, *SECRETARY)
    if can_appoint and form is None:
        form = OfficerAppointForm()
    return render(request, "governance/officers.html", {
        "current": selectors.officers_on(on=today),
        "former": selectors.officers_former(on=today),
        "form": form if can_appoint else None,
    }, status=status_for(form))


@access(*BOARD)
def officers(request):
    return _officers_page(request)


@access(*SECRETARY)
@require_POST
def officer_appoint(request):
    form = OfficerAppointForm(request.POST)
    done = []
    if form_submit(request, form, lambda data: done.append(services.officer_appoint(
            actor=request.user, **data))):
        appointment = done[0]
        messages.success(request, f"{appointment.full_name} was appointed "
                                  f"{appointment.get_role_display()}.")
        return redirect("governance:officers")
    return _officers_page(request, form)


@access(*SECRETARY)
@require_POST
def officer_retire(request, pk: int):
    appointment = selectors.officer_appointment(pk=pk)
    if appointment is None:
        raise Http404
    form = OfficerRetireForm(request.POST)
    if form_submit(request, form, lambda data: services.officer_retire(
            actor=request.user, appointment=appointment, ended_on=data["ended_on"])):
        messages.success(request, f"{appointment.full_name}'s appointment has ended.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors)
                       or "Enter the date the appointment ended.")
    return redirect("governance:officers")


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def organisation(request):
    """The organisation's details, for the secretary."""
    current = selectors.organisation_get()
    if current is None:
        raise Http404
    form = OrganisationForm(posted(request), initial={
        name: getattr(current, name) for name in services.ORGANISATION_FIELDS})
    if request.method == "POST" and form_submit(
            request, form, lambda data: services.organisation_update(
                actor=request.user, organisation=current, note=data.pop("note", ""),
                **data)):
        messages.success(request, "The organisation's details are saved.")
        return redirect("governance:organisation")
    return render(request, "governance/organisation.html", {
        "form": form, "organisation": current}, status=status_for(form))


@access(*SECRETARY)
def mailing(request, pk: int):
    """A mailing's progress (JSON for the page's script), and its failures to resend."""
    found = selectors.mailing(pk=pk)
    if found is None:
        raise Http404
    progress = outbox.mailing_progress(mailing=found)
    progress["preparing"] = found.prepared_at is None
    if request.GET.get("format") == "json":
        return JsonResponse(progress)
    return render(request, "governance/mailing.html", {
        "mailing": found, "progress": progress,
        "failures": selectors.mailing_failures(mailing=found)})


@access(*SECRETARY)
@require_POST
def delivery_resend(request, pk: int):
    delivery = selectors.delivery(pk=pk)
    if delivery is None:
        raise Http404
    if services.delivery_resend(actor=request.user, delivery=delivery):
        messages.success(request, f"The email to {delivery.to_email} will be sent again.")
    else:
        messages.info(request, f"The email to {delivery.to_email} had not failed: there is "
                               "nothing to send again.")
    if delivery.mailing_id:
        return redirect("governance:mailing", pk=delivery.mailing_id)
    return redirect("governance:dashboard")


@access(*SCRUTINY)
def scrutiny(request):
    return render(request, "governance/scrutiny.html", {
        "report": services.audit_chain_check(),
        "recent": selectors.audit_events()[:20],
    })


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_500(request):
    return render(request, "500.html", status=500)


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


# --- The asset lock: the board proposes, the gate decides --------------------------------


@access(*BOARD)
def asset_lock(request):
    return render(request, "governance/asset_lock/list.html", {
        "organisation": selectors.organisation_get(),
        "decisions": selectors.asset_lock_decisions()[:100],
        "kinds": [(code, DecisionKind(code).label) for code in ASSET_LOCK_FORMS]})


@access(*BOARD)
@require_http_methods(["GET", "POST"])
def asset_lock_propose(request, kind: str):
    if kind not in ASSET_LOCK_FORMS:
        raise Http404
    form = ASSET_LOCK_FORMS[kind](posted(request))
    decided = []
    if request.method == "POST" and form_submit(request, form, lambda data: decided.append(
            services.asset_lock_propose(actor=request.user, kind=kind, facts=data))):
        return redirect("governance:asset_lock_decision", pk=decided[0].pk)
    return render(request, "governance/asset_lock/propose.html", {
        "form": form, "kind": DecisionKind(kind).label,
        "organisation": selectors.organisation_get()}, status=status_for(form))


@access(*BOARD)
def asset_lock_decision(request, pk: int):
    decision = selectors.asset_lock_decision(pk=pk)
    if decision is None:
        raise Http404
    form = ASSET_LOCK_FORMS.get(decision.kind)
    labels = {name: field.label for name, field in form.base_fields.items()} if form else {}
    facts = [(labels.get(key, key.replace("_", " ").capitalize()), value)
             for key, value in decision.facts.items()]
    return render(request, "governance/asset_lock/decision.html", {"decision": decision,
                                                                    "facts": facts})
