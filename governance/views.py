from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import PUBLIC, SIGNED_IN, access
from accounts.roles import Role, user_roles

from . import health, selectors, services
from .exceptions import DomainError
from .forms import OfficerAppointForm, OfficerRetireForm
from .models import AuditEvent, OfficerAppointment

AUDIT_READERS = (Role.SECRETARY, Role.CHAIR, Role.SCRUTINEER, Role.ADMIN)
OFFICER_REGISTER_READERS = (Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.ADMIN)
OFFICER_REGISTER_WRITERS = (Role.SECRETARY, Role.ADMIN)


def form_error(form, exc: DomainError) -> None:
    """Attach a refusal from a service to the right field, or to the form as a whole."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@access(PUBLIC)
def home(request):
    return render(request, "governance/home.html")


@access(SIGNED_IN)
def dashboard(request):
    return render(request, "governance/dashboard.html", {"roles": user_roles(request.user)})


@access(PUBLIC)
def health_page(request):
    checks = health.run_checks()
    healthy = all(check.ok for check in checks if check.name != "beat")
    status = 200 if healthy else 503
    if request.GET.get("format") == "json" or "application/json" in request.headers.get(
            "Accept", ""):
        return JsonResponse({"ok": healthy, "checks": [c.__dict__ for c in checks]},
                            status=status)
    return render(request, "governance/health.html", {"checks": checks, "healthy": healthy},
                  status=status)


@access(*AUDIT_READERS)
def audit_log(request):
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    report = selectors.audit_chain_verify() if request.GET.get("verify") else None
    return render(request, "governance/audit_log.html",
                  {"page": page, "action": action, "report": report})


@access(*OFFICER_REGISTER_READERS)
@require_http_methods(["GET", "POST"])
def officers(request):
    can_appoint = bool(user_roles(request.user) & set(OFFICER_REGISTER_WRITERS))
    form = OfficerAppointForm(request.POST or None) if can_appoint else None
    if request.method == "POST":
        if not can_appoint:
            raise PermissionDenied("Only the secretary can appoint officers.")
        if form.is_valid():
            try:
                appointment = services.officer_appoint(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"{appointment.full_name} was appointed "
                                          f"{appointment.get_role_display()}.")
                return redirect("governance:officers")
    today = timezone.localdate()
    return render(request, "governance/officers.html", {
        "current": selectors.officers_on(on=today),
        "former": OfficerAppointment.objects.filter(ended_on__lt=today),
        "form": form,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


@access(*OFFICER_REGISTER_WRITERS)
@require_POST
def officer_retire(request, pk: int):
    appointment = get_object_or_404(OfficerAppointment, pk=pk)
    form = OfficerRetireForm(request.POST)
    if form.is_valid():
        try:
            services.officer_retire(actor=request.user, appointment=appointment,
                                    ended_on=form.cleaned_data["ended_on"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{appointment.full_name}'s appointment has ended.")
    else:
        messages.error(request, "Enter the date the appointment ended.")
    return redirect("governance:officers")


@access(Role.SCRUTINEER, Role.ADMIN)
def scrutiny(request):
    return render(request, "governance/scrutiny.html", {
        "report": selectors.audit_chain_verify(),
        "recent": AuditEvent.objects.all()[:20],
    })


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_500(request):
    return render(request, "500.html", status=500)


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


