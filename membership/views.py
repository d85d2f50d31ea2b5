"""Membership pages: the public application, the member portal, the secretary's back
office and the board's register. Views only translate between HTTP and services."""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import PUBLIC, access
from accounts.roles import Role
from governance.exceptions import DomainError
from governance.selectors import organisation_get
from governance.services import audit_record, organisation_update
from governance.views import form_error

from . import forms, selectors
from .models import (
    Application,
    ApplicationStatus,
    ImportRun,
    InspectionRequest,
    Member,
    ShareClass,
    ShareTransaction,
    StakeholderClass,
)
from .services import (
    applications,
    inspection,
    ledger,
    members,
    register_import,
    withdrawals,
)

SECRETARY = (Role.SECRETARY, Role.ADMIN)
BOARD = (Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.ADMIN)
DECIDERS = (Role.SECRETARY, Role.CHAIR, Role.BOARD)
PDF_REGISTER_LIMIT = 5000


def _refusal(request, form, exc: DomainError) -> None:
    """A refusal about a field goes next to it; one about the state of things (already
    paid, not yet approved) goes at the top of the page, where it is seen even when the
    form that caused it is no longer shown."""
    if exc.field and exc.field in form.fields:
        form_error(form, exc)
    else:
        messages.error(request, exc.message)
        form.refused = True


def _status_for(form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- Public: applying to join -------------------------------------------------------


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def apply(request):
    organisation = organisation_get()
    if organisation is None or not ShareClass.objects.exists():
        return render(request, "membership/apply_closed.html")
    form = forms.ApplicationForm(request.POST or None, minimum_age=organisation.minimum_age)
    if request.method == "POST" and form.is_valid():
        try:
            applications.application_submit(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("membership:apply_sent")
    return render(request, "membership/apply.html", {"form": form},
                  status=_status_for(form))


@access(PUBLIC)
def apply_sent(request):
    return render(request, "membership/apply_sent.html")


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def apply_confirm(request, token: str):
    # GET only shows a button: mail scanners follow links, and must not confirm anything.
    application = Application.objects.filter(email_token=token).first()
    if application is None:
        raise Http404
    if request.method == "POST":
        applications.application_confirm_email(token=token)
        return render(request, "membership/apply_confirmed.html")
    return render(request, "membership/apply_confirm.html", {"application": application})


# --- The member's own portal ------------------------------------------------------------


def _own_member(request) -> Member:
    member = selectors.member_for_user(user=request.user)
    if member is None:
        raise Http404
    return member


@access(Role.MEMBER)
def portal(request):
    member = _own_member(request)
    return render(request, "membership/portal.html", {
        "member": member,
        "holdings": selectors.member_holdings(member=member),
        "ledger": selectors.member_ledger(member=member),
        "withdrawals": selectors.member_withdrawals(member=member),
        "pending": member.applications.filter(status__in=[ApplicationStatus.SUBMITTED,
                                                          ApplicationStatus.APPROVED]),
    })


@access(Role.MEMBER, *BOARD)
def certificate(request, number: int):
    entry = get_object_or_404(ShareTransaction.objects.select_related("member", "share_class"),
                              certificate_number=number)
    own = selectors.member_for_user(user=request.user)
    is_officer = bool(getattr(request, "granted_roles", set()) & set(BOARD))
    if not is_officer and (own is None or own.pk != entry.member_id):
        raise Http404  # a member sees only their own certificates
    from .pdf import share_certificate_pdf  # fpdf2 is loaded only when a PDF is asked for

    pdf = share_certificate_pdf(entry=entry, organisation=organisation_get())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="share-certificate-{number}.pdf"'
    return response


@access(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def buy_shares(request):
    member = _own_member(request)
    form = forms.MoreSharesForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            applications.application_for_more_shares(actor=request.user, member=member,
                                                     **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Your application for more shares has gone to the "
                                      "board. We will tell you how to pay.")
            return redirect("membership:portal")
    return render(request, "membership/buy_shares.html", {"form": form, "member": member},
                  status=_status_for(form))


@access(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def request_withdrawal(request):
    member = _own_member(request)
    form = forms.WithdrawalForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            made = withdrawals.withdrawal_request(actor=request.user, member=member,
                                                  requested_on=timezone.localdate(),
                                                  **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"Your request to withdraw {made.shares:,} shares is in "
                                      f"the queue. The notice period ends on "
                                      f"{made.eligible_on:%d %B %Y}.")
            return redirect("membership:portal")
    organisation = organisation_get()
    return render(request, "membership/withdraw.html", {
        "form": form, "member": member,
        "suspended": bool(organisation and organisation.withdrawals_suspended),
    }, status=_status_for(form))


@access(Role.MEMBER, *BOARD)
def members_register(request):
    """The register without holdings, which members may inspect (CCBSA s.30(2)). Every
    inspection is logged."""
    form = forms.RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"on": timezone.localdate(),
                                                      "stakeholder_class": None,
                                                      "status": "current", "q": "",
                                                      "after": None}
    rows = selectors.register_page(on=timezone.localdate(), search=data.get("q") or "",
                                   after=data.get("after"))
    audit_record(actor=request.user, action="register.inspected",
                 changes={"view": "without holdings", "search": data.get("q") or ""})
    return render(request, "membership/members_register.html", {
        "rows": rows, "form": form, "next_after": rows[-1].member_number if len(rows) == 50
        else None})


# --- The board's register -------------------------------------------------------------


def _register_filters(request):
    form = forms.RegisterFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {"on": timezone.localdate(), "stakeholder_class": None, "status": "current",
                  "q": "", "after": None}


@access(*BOARD)
def register(request):
    form, data = _register_filters(request)
    rows = selectors.register_page(on=data["on"], stakeholder_class=data["stakeholder_class"],
                                   status=data["status"], search=data["q"],
                                   after=data["after"])
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "membership/register.html", {
        "form": form, "rows": rows, "on": data["on"],
        "next_after": rows[-1].member_number if len(rows) == 50 else None,
        "query": query.urlencode(), "first_page": data["after"] is None,
    }, status=_status_for(form))


@access(*BOARD)
def register_csv(request):
    form, data = _register_filters(request)
    if form.errors:
        return render(request, "membership/register.html", {"form": form, "rows": []},
                      status=400)
    stakeholder = data["stakeholder_class"]
    audit_record(actor=request.user, action="register.exported", changes={
        "format": "csv", "on": data["on"], "status": data["status"],
        "class": stakeholder.slug if stakeholder else "all"})
    response = StreamingHttpResponse(
        selectors.register_export_chunks(on=data["on"], status=data["status"],
                                         stakeholder_class_id=stakeholder.pk if stakeholder
                                         else None),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="register-'
                                       f'{data["on"]:%Y-%m-%d}.csv"')
    return response


@access(*BOARD)
def register_pdf_view(request):
    form, data = _register_filters(request)
    stakeholder = data["stakeholder_class"]
    class_id = stakeholder.pk if stakeholder else None
    total = selectors.register_count(on=data["on"], stakeholder_class_id=class_id,
                                     status=data["status"])
    if total > PDF_REGISTER_LIMIT:
        messages.error(request, f"The register has {total:,} entries for these filters; a PDF "
                                f"is limited to {PDF_REGISTER_LIMIT:,}. Choose a class, or "
                                "download the CSV.")
        return redirect(f"{reverse('membership:register')}?{request.GET.urlencode()}")
    rows = selectors.register_rows(on=data["on"], stakeholder_class_id=class_id,
                                   status=data["status"])
    audit_record(actor=request.user, action="register.exported", changes={
        "format": "pdf", "on": data["on"], "status": data["status"]})
    from .pdf import register_pdf

    pdf = register_pdf(rows=rows, organisation=organisation_get(), as_at=data["on"],
                       with_holdings=True, total_rows=total)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="register-{data["on"]}.pdf"'
    return response


@access(*DECIDERS, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def suspension(request):
    organisation = organisation_get()
    if organisation is None:
        raise Http404
    form = forms.SuspensionForm(request.POST or None, initial={
        "withdrawals_suspended": organisation.withdrawals_suspended})
    if request.method == "POST" and form.is_valid():
        organisation_update(actor=request.user, organisation=organisation,
                            note=f"board minute {form.cleaned_data['minute_reference']}",
                            withdrawals_suspended=form.cleaned_data["withdrawals_suspended"])
        messages.success(request, "Withdrawals are now "
                         + ("suspended." if form.cleaned_data["withdrawals_suspended"]
                            else "allowed."))
        return redirect("membership:withdrawals")
    return render(request, "membership/suspension.html", {"form": form,
                                                          "organisation": organisation},
                  status=_status_for(form))


# --- The secretary's back office ------------------------------------------------------


@access(*SECRETARY)
def office(request):
    today = timezone.localdate()
    organisation = organisation_get()
    return render(request, "membership/office.html", {
        "below_statutory_minimum": bool(organisation and organisation.is_society
                                        and not selectors.society_has_statutory_minimum()),
        "awaiting_board": Application.objects.filter(
            status=ApplicationStatus.SUBMITTED).count(),
        "awaiting_allotment": Application.objects.filter(
            status=ApplicationStatus.APPROVED).count(),
        "withdrawals_due": withdrawals.withdrawals_due(on=today).count(),
        "withdrawals_waiting": selectors.withdrawals_queue().count(),
        "member_count": selectors.current_member_count(),
        "inspections_open": InspectionRequest.objects.filter(
            status=InspectionRequest.Status.OPEN).count(),
    })


@access(*SECRETARY, Role.CHAIR, Role.BOARD)
def application_list(request):
    return render(request, "membership/applications.html", {
        "waiting": selectors.applications_waiting(),
        "recent": Application.objects.exclude(status__in=[
            ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]).select_related(
            "share_class").order_by("-submitted_at")[:20],
    })


@access(*SECRETARY, Role.CHAIR, Role.BOARD)
@require_http_methods(["GET", "POST"])
def application_detail(request, pk: int):
    application = get_object_or_404(Application.objects.select_related(
        "share_class", "stakeholder_class", "member"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    decision = forms.DecisionForm(request.POST if action == "decide" else None)
    payment = forms.PaymentForm(request.POST if action == "pay" else None,
                                initial={"amount": application.amount_due})
    allot = forms.AllotForm(request.POST if action == "allot" else None)
    is_secretary = bool(getattr(request, "granted_roles", set()) & set(SECRETARY))
    if action in ("pay", "allot") and not is_secretary:
        raise Http404
    bound = {"decide": decision, "pay": payment, "allot": allot}.get(action)
    if bound is not None and bound.is_valid():
        try:
            if action == "decide":
                data = decision.cleaned_data
                if data["decision"] == "approve":
                    applications.application_approve(
                        actor=request.user, application=application,
                        decided_on=data["decided_on"],
                        minute_reference=data["minute_reference"])
                    messages.success(request, "The application is approved.")
                else:
                    applications.application_reject(
                        actor=request.user, application=application,
                        decided_on=data["decided_on"],
                        minute_reference=data["minute_reference"], reason=data["reason"],
                        refund_amount=data["refund_amount"])
                    messages.success(request, "The application is rejected.")
            elif action == "pay":
                applications.payment_record(actor=request.user, application=application,
                                            **payment.cleaned_data)
                messages.success(request, "The payment is recorded.")
            else:
                member = applications.application_allot(
                    actor=request.user, application=application,
                    allotted_on=allot.cleaned_data["allotted_on"])
                messages.success(request, f"Shares allotted to {member.full_name}, member "
                                          f"number {member.member_number}. The welcome email "
                                          "and certificate are on their way.")
            return redirect("membership:application", pk=application.pk)
        except DomainError as exc:
            _refusal(request, bound, exc)
    application.refresh_from_db()
    return render(request, "membership/application.html", {
        "application": application, "payment_made": getattr(application, "payment", None),
        "decision_form": decision, "payment_form": payment, "allot_form": allot,
        "is_secretary": is_secretary,
    }, status=400 if bound is not None and (bound.errors or getattr(bound, "refused", False))
        else 200)


@access(*SECRETARY, Role.CHAIR, Role.BOARD)
@require_http_methods(["GET", "POST"])
def withdrawal_queue(request):
    form = forms.PayDueForm(request.POST or None)
    is_secretary = bool(getattr(request, "granted_roles", set()) & set(SECRETARY))
    if request.method == "POST":
        if not is_secretary:
            raise Http404
        if form.is_valid():
            try:
                paid = withdrawals.withdrawals_pay_due(
                    actor=request.user, paid_on=form.cleaned_data["paid_on"],
                    solvency_confirmed=form.cleaned_data["solvency_confirmed"],
                    limit=form.cleaned_data["limit"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                total = sum(w.amount_paid for w in paid)
                messages.success(request, f"{len(paid)} withdrawal{'s' if len(paid) != 1 else ''}"
                                          f" paid, £{total:,.2f} in all.")
                return redirect("membership:withdrawals")
    organisation = organisation_get()
    today = timezone.localdate()
    return render(request, "membership/withdrawals.html", {
        "queue": selectors.withdrawals_queue(), "form": form, "today": today,
        "suspended": bool(organisation and organisation.withdrawals_suspended),
        "is_secretary": is_secretary,
    }, status=_status_for(form))


@access(*BOARD)
@require_http_methods(["GET", "POST"])
def member_detail(request, pk: int):
    member = get_object_or_404(Member.objects.select_related("stakeholder_class"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    is_secretary = bool(getattr(request, "granted_roles", set()) & set(SECRETARY))
    if action and not is_secretary:
        raise Http404
    cease = forms.CeaseForm(request.POST if action == "cease" else None)
    change = forms.ClassChangeForm(request.POST if action == "class" else None)
    transfer = forms.TransferForm(request.POST if action == "transfer" else None, member=member)
    reverse_form = forms.ReverseForm(request.POST if action == "reverse" else None)
    bound = {"cease": cease, "class": change, "transfer": transfer,
             "reverse": reverse_form}.get(action)
    if bound is not None and bound.is_valid():
        try:
            if action == "cease":
                members.member_cease(actor=request.user, member=member, **cease.cleaned_data)
                messages.success(request, "The membership has ended.")
            elif action == "class":
                members.member_change_class(actor=request.user, member=member,
                                            **change.cleaned_data)
                messages.success(request, "The class is changed.")
            elif action == "transfer":
                data = transfer.cleaned_data
                receiver = Member.objects.filter(
                    member_number=data.pop("to_member_number")).first()
                if receiver is None:
                    raise DomainError("There is no member with that number.",
                                      field="to_member_number")
                ledger.share_transfer(actor=request.user, from_member=member,
                                      to_member=receiver, **data)
                messages.success(request, f"{data['shares']:,} shares transferred to "
                                          f"{receiver.full_name}.")
            else:
                entry = get_object_or_404(ShareTransaction, pk=reverse_form.cleaned_data["entry"],
                                          member=member)
                ledger.ledger_reverse(actor=request.user, entry=entry,
                                      reason=reverse_form.cleaned_data["reason"])
                messages.success(request, "The entry is reversed.")
            return redirect("membership:member", pk=member.pk)
        except DomainError as exc:
            _refusal(request, bound, exc)
    member.refresh_from_db()
    return render(request, "membership/member.html", {
        "member": member, "holdings": selectors.member_holdings(member=member),
        "ledger": selectors.member_ledger(member=member),
        "periods": member.class_periods.select_related("stakeholder_class"),
        "withdrawals": selectors.member_withdrawals(member=member),
        "cease_form": cease, "class_form": change, "transfer_form": transfer,
        "reverse_form": reverse_form, "is_secretary": is_secretary,
    }, status=400 if bound is not None and (bound.errors or getattr(bound, "refused", False))
        else 200)


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def import_register(request):
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = register_import.register_import_check(name=upload.name, content=content)
            if report.ok and form.cleaned_data["apply"]:
                run = register_import.register_import_start(actor=request.user,
                                                            name=upload.name, content=content)
                return redirect("membership:import_run", pk=run.pk)
        except DomainError as exc:
            form_error(form, exc)
    return render(request, "membership/import.html", {
        "form": form, "report": report,
        "runs": ImportRun.objects.defer("content").order_by("-applied_at")[:10],
    }, status=400 if form.errors or (report and not report.ok) else 200)


@access(*SECRETARY)
def import_run(request, pk: int):
    """A real import's progress (JSON for the page's script) and, once done, its result."""
    run = get_object_or_404(ImportRun.objects.defer("content"), pk=pk)
    progress = cache.get(register_import.progress_key(run.pk)) or {}
    if request.GET.get("format") == "json":
        return JsonResponse({"status": run.status, "status_label": run.get_status_display(),
                             "stage": progress.get("stage", ""),
                             "done": progress.get("done", 0),
                             "total": progress.get("total", 0), "created": run.created,
                             "finished": run.status in (ImportRun.Status.DONE,
                                                        ImportRun.Status.FAILED)})
    return render(request, "membership/import_run.html", {"run": run, "progress": progress})


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def inspections(request):
    form = forms.InspectionForm(request.POST or None,
                                initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            inspection.inspection_request_record(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The request is logged.")
            return redirect("membership:inspections")
    return render(request, "membership/inspections.html", {
        "form": form, "requests": InspectionRequest.objects.all()[:100],
        "close_form": forms.InspectionCloseForm(), "today": timezone.localdate(),
    }, status=_status_for(form))


@access(*SECRETARY)
@require_POST
def inspection_close(request, pk: int):
    request_row = get_object_or_404(InspectionRequest, pk=pk)
    form = forms.InspectionCloseForm(request.POST)
    if form.is_valid():
        try:
            inspection.inspection_request_close(actor=request.user, request=request_row,
                                                **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The request is closed.")
    else:
        messages.error(request, "Choose the outcome and the date.")
    return redirect("membership:inspections")


@access(*BOARD)
def classes(request):
    return render(request, "membership/classes.html", {
        "stakeholder_classes": StakeholderClass.objects.prefetch_related("share_classes"),
        "share_classes": ShareClass.objects.all(),
    })
