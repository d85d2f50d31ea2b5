"""The secretary's back office, and the board's decisions on applications and members:
one page per subject, one POST endpoint per service action. A page shows an action's form
only to the roles that may take it; the endpoint checks again."""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, SECRETARY
from governance.exceptions import DomainError
from governance.formatting import money, plural
from governance.http import form_error, form_submit, posted, status_for
from governance.selectors import organisation_get

from .. import forms, selectors
from ..services import (
    applications,
    inspection,
    invitations,
    ledger,
    members,
    register_import,
    sale_notices,
    transfers,
    withdrawals,
)


def _found(thing):
    if thing is None:
        raise Http404
    return thing


@access(*SECRETARY)
def office(request):
    organisation = organisation_get()
    return render(request, "membership/office.html", {
        "summary": selectors.office_summary(today=timezone.localdate(),
                                            is_society=bool(organisation and
                                                            organisation.is_society))})


# --- Applications ----------------------------------------------------------------------


@access(*BOARD)
def application_list(request):
    return render(request, "membership/applications.html", {
        "waiting": selectors.applications_waiting(),
        "recent": selectors.applications_recent()})


def _application(pk: int):
    return _found(selectors.application(pk=pk))


def _application_page(request, application, **bound):
    page_forms = {
        "decision_form": forms.DecisionForm(
            claims_registered_society=application.is_registered_society),
        "payment_form": forms.PaymentForm(initial={"amount": application.amount_due}),
        "allot_form": forms.AllotForm(),
        **bound,
    }
    return render(request, "membership/application.html", {
        "application": application, "payment_made": getattr(application, "payment", None),
        "is_secretary": acting_as(request, *SECRETARY), **page_forms,
    }, status=status_for(*bound.values()) if bound else 200)


@access(*BOARD)
def application_detail(request, pk: int):
    return _application_page(request, _application(pk))


@access(*BOARD)
@require_POST
def application_decide(request, pk: int):
    application = _application(pk)
    form = forms.DecisionForm(request.POST,
                              claims_registered_society=application.is_registered_society)

    def decide(data):
        if data["decision"] == "approve":
            applications.application_approve(
                actor=request.user, application=application, decided_on=data["decided_on"],
                minute_reference=data["minute_reference"],
                registered_society_confirmed=data.get("registered_society_confirmed", False))
        else:
            applications.application_reject(
                actor=request.user, application=application, decided_on=data["decided_on"],
                minute_reference=data["minute_reference"], reason=data["reason"],
                refund_amount=data["refund_amount"])

    if form_submit(request, form, decide):
        messages.success(request, "The application is "
                         + ("approved." if form.cleaned_data["decision"] == "approve"
                            else "rejected."))
        return redirect("membership:application", pk=pk)
    return _application_page(request, _application(pk), decision_form=form)


@access(*SECRETARY)
@require_POST
def application_payment(request, pk: int):
    application = _application(pk)
    form = forms.PaymentForm(request.POST)
    if form_submit(request, form, lambda data: applications.payment_record(
            actor=request.user, application=application, **data)):
        messages.success(request, "The payment is recorded.")
        return redirect("membership:application", pk=pk)
    return _application_page(request, _application(pk), payment_form=form)


@access(*SECRETARY)
@require_POST
def application_allot(request, pk: int):
    application = _application(pk)
    form = forms.AllotForm(request.POST)
    admitted = []
    if form_submit(request, form, lambda data: admitted.append(applications.application_allot(
            actor=request.user, application=application, allotted_on=data["allotted_on"]))):
        member = admitted[0]
        messages.success(request, f"Shares allotted to {member.full_name}, member number "
                                  f"{member.member_number}. The welcome email and certificate "
                                  "are on their way.")
        return redirect("membership:application", pk=pk)
    return _application_page(request, _application(pk), allot_form=form)


# --- Withdrawals -----------------------------------------------------------------------


def _withdrawals_page(request, **bound):
    organisation = organisation_get()
    page_forms = {"form": forms.PayDueForm(), **bound}
    return render(request, "membership/withdrawals.html", {
        "queue": selectors.withdrawals_queue_valued(on=timezone.localdate()),
        "today": timezone.localdate(),
        "batches": selectors.withdrawal_batches()[:10],
        "suspended": bool(organisation and organisation.withdrawals_suspended),
        "is_secretary": acting_as(request, *SECRETARY), **page_forms,
    }, status=status_for(*bound.values()) if bound else 200)


@access(*BOARD)
def withdrawal_queue(request):
    return _withdrawals_page(request)


@access(*SECRETARY)
@require_POST
def withdrawals_pay(request):
    form = forms.PayDueForm(request.POST)
    done = []
    if form_submit(request, form, lambda data: done.append(withdrawals.withdrawals_pay(
            actor=request.user, **data))):
        result = done[0]
        text = (f"{plural(len(result.paid), 'payment')} made, {money(result.batch.total)} "
                "in all.")
        if result.held_back:
            text += (f" {plural(len(result.held_back), 'request')} held back: "
                     + "; ".join(f"{r.member.full_name} ({why})" for r, why in result.held_back))
        messages.success(request, text)
        return redirect("membership:withdrawals")
    return _withdrawals_page(request, form=form)


@access(*SECRETARY)
@require_POST
def withdrawal_cancel(request, pk: int):
    withdrawal = _found(selectors.queued_withdrawal(pk=pk))
    form = forms.WithdrawalCancelForm(request.POST)
    if form_submit(request, form, lambda data: withdrawals.withdrawal_cancel(
            actor=request.user, withdrawal=withdrawal, note=data["note"])):
        messages.success(request, "The withdrawal request is cancelled.")
    elif "note" in form.errors:
        messages.error(request, "Say why the request is cancelled.")
    return redirect("membership:member", pk=withdrawal.member_id)


# --- A member's entry ------------------------------------------------------------------


def _member(pk: int):
    return _found(selectors.member(pk=pk))


def _member_page(request, member, **bound):
    page_forms = {
        "cease_form": forms.CeaseForm(),
        "class_form": forms.ClassChangeForm(),
        "transfer_form": forms.TransferForm(member=member),
        "reverse_form": forms.ReverseForm(),
        "society_form": forms.ConfirmSocietyForm(
            initial={"registration_number": member.society_registration_number}),
        "left_form": forms.LeftEligibilityForm(),
        "representative_form": forms.RepresentativeForm(initial={
            "full_name": member.representative,
            "email": member.representative_user.email if member.representative_user else ""}),
        "cancel_form": forms.WithdrawalCancelForm(),
        "login_email_form": forms.LoginEmailForm(),
        **bound,
    }
    return render(request, "membership/member.html", {
        "member": member, "status": selectors.member_status(member),
        "holdings": selectors.member_holdings(member=member),
        "ledger": selectors.member_ledger(member=member),
        "periods": selectors.member_class_periods(member=member),
        "withdrawals": selectors.member_withdrawals(member=member),
        "sale_notices": selectors.member_sale_notices(member=member),
        "sells_on_leaving": selectors.member_holds_shares_sold_on_leaving(member=member),
        "login_email_pending": selectors.member_login_email_pending(member=member),
        "is_secretary": acting_as(request, *SECRETARY), **page_forms,
    }, status=status_for(*bound.values()) if bound else 200)


@access(*BOARD)
def member_detail(request, pk: int):
    return _member_page(request, _member(pk))


def _member_action(request, pk: int, *, form_name: str, form, action, done: str):
    member = _member(pk)
    if form_submit(request, form, lambda data: action(member, data)):
        messages.success(request, done)
        return redirect("membership:member", pk=pk)
    return _member_page(request, _member(pk), **{form_name: form})


@access(*SECRETARY)
@require_POST
def member_cease(request, pk: int):
    return _member_action(
        request, pk, form_name="cease_form", form=forms.CeaseForm(request.POST),
        action=lambda member, data: members.member_cease(actor=request.user, member=member,
                                                          **data),
        done="The membership has ended. Withdrawable shares wait in the withdrawal queue "
             "until they are repaid.")


@access(*SECRETARY)
@require_POST
def member_change_class(request, pk: int):
    return _member_action(
        request, pk, form_name="class_form", form=forms.ClassChangeForm(request.POST),
        action=lambda member, data: members.member_change_class(
            actor=request.user, member=member, **data),
        done="The class is changed.")


@access(*SECRETARY)
@require_POST
def member_transfer(request, pk: int):
    member = _member(pk)

    def transfer(member, data):
        data = dict(data)
        receiver = selectors.member_by_number(number=data.pop("to_member_number"))
        if receiver is None:
            raise DomainError("There is no member with that number.",
                              field="to_member_number")
        transfers.share_transfer(actor=request.user, from_member=member, to_member=receiver,
                                 **data)

    return _member_action(
        request, pk, form_name="transfer_form",
        form=forms.TransferForm(request.POST, member=member), action=transfer,
        done="The shares are transferred.")


@access(*SECRETARY)
@require_POST
def member_reverse(request, pk: int):
    def reverse_entry(member, data):
        entry = selectors.ledger_entry(pk=data["entry"], member=member)
        if entry is None:
            raise DomainError("That entry is not in this member's ledger.")
        ledger.ledger_reverse(actor=request.user, entry=entry, reason=data["reason"])

    return _member_action(
        request, pk, form_name="reverse_form", form=forms.ReverseForm(request.POST),
        action=reverse_entry, done="The entry is reversed.")


@access(*BOARD)
@require_POST
def member_confirm_society(request, pk: int):
    return _member_action(
        request, pk, form_name="society_form", form=forms.ConfirmSocietyForm(request.POST),
        action=lambda member, data: members.member_confirm_registered_society(
            actor=request.user, member=member, **data),
        done="The member is recorded as a registered society.")


@access(*SECRETARY)
@require_POST
def member_representative(request, pk: int):
    return _member_action(
        request, pk, form_name="representative_form",
        form=forms.RepresentativeForm(request.POST),
        action=lambda member, data: members.member_representative_set(
            actor=request.user, member=member, **data),
        done="The representative is recorded: they vote for the organisation signed in.")


@access(*SECRETARY)
@require_POST
def member_login_email(request, pk: int):
    return _member_action(
        request, pk, form_name="login_email_form", form=forms.LoginEmailForm(request.POST),
        action=lambda member, data: members.member_login_email_change(
            actor=request.user, member=member, **data),
        done="A link to confirm the new address is on its way there, and the old address "
             "is told. The member signs in with the new address once they follow the link.")


@access(*SECRETARY)
@require_POST
def member_left_eligibility(request, pk: int):
    return _member_action(
        request, pk, form_name="left_form", form=forms.LeftEligibilityForm(request.POST),
        action=lambda member, data: sale_notices.member_left_eligibility(
            actor=request.user, member=member, **data),
        done="A notice to sell is open; the shares can be transferred or bought back when "
             "it has run.")


# --- Notices to sell -------------------------------------------------------------------


def _sale_notices_page(request, *, bound=None, notice_id=None):
    """Each open notice with its two forms (buy back, transfer); a form that was sent and
    refused is shown again, bound, next to its notice."""
    rows = []
    for notice in selectors.sale_notices_open():
        buy_back = forms.BuyBackForm(prefix=f"n{notice.pk}", initial={
            "price_per_share": notice.share_class.par_value})
        transfer = forms.SaleTransferForm(prefix=f"t{notice.pk}")
        if notice.pk == notice_id and isinstance(bound, forms.BuyBackForm):
            buy_back = bound
        elif notice.pk == notice_id:
            transfer = bound
        rows.append((notice, buy_back, transfer))
    return render(request, "membership/sale_notices.html", {
        "rows": rows, "today": timezone.localdate(),
        "is_secretary": acting_as(request, *SECRETARY),
    }, status=status_for(bound))


@access(*BOARD)
def sale_notice_list(request):
    return _sale_notices_page(request)


def _notice(pk: int):
    return _found(selectors.open_sale_notice(pk=pk))


@access(*SECRETARY)
@require_POST
def sale_notice_buy_back(request, pk: int):
    notice = _notice(pk)
    form = forms.BuyBackForm(request.POST, prefix=f"n{pk}")
    if form_submit(request, form, lambda data: sale_notices.sale_notice_buy_back(
            actor=request.user, notice=notice, **data)):
        messages.success(request, f"{notice.member.full_name}'s shares are bought back.")
        return redirect("membership:sale_notices")
    return _sale_notices_page(request, bound=form, notice_id=pk)


@access(*SECRETARY)
@require_POST
def sale_notice_transfer(request, pk: int):
    notice = _notice(pk)
    form = forms.SaleTransferForm(request.POST, prefix=f"t{pk}")

    def transfer(data):
        receiver = selectors.member_by_number(number=data["to_member_number"])
        if receiver is None:
            raise DomainError("There is no member with that number.",
                              field="to_member_number")
        sale_notices.sale_notice_transfer(
            actor=request.user, notice=notice, to_member=receiver,
            transferred_on=data["transferred_on"], minute_reference=data["minute_reference"])

    if form_submit(request, form, transfer):
        messages.success(request, f"{notice.member.full_name}'s shares are transferred.")
        return redirect("membership:sale_notices")
    return _sale_notices_page(request, bound=form, notice_id=pk)


# --- Importing a register and inviting its members -------------------------------------


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def import_register(request):
    form = forms.ImportForm(posted(request), request.FILES if request.method == "POST" else None)
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
        "form": form, "report": report, "runs": selectors.import_runs(),
    }, status=400 if form.errors or (report and not report.ok) else 200)


@access(*SECRETARY)
def import_run(request, pk: int):
    """A real import's progress (JSON for the page's script) and, once done, its result."""
    run = _found(selectors.import_run(pk=pk))
    progress = cache.get(register_import.progress_key(run.pk)) or {}
    if request.GET.get("format") == "json":
        return JsonResponse({"status": run.status, "status_label": run.get_status_display(),
                             "stage": progress.get("stage", ""),
                             "done": progress.get("done", 0),
                             "total": progress.get("total", 0), "created": run.created,
                             "finished": run.status in (run.Status.DONE, run.Status.FAILED)})
    return render(request, "membership/import_run.html", {"run": run, "progress": progress})


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def invitations_start(request):
    candidates = selectors.members_without_login()
    form = forms.InviteForm(posted(request), candidates=candidates)
    started = []
    if request.method == "POST" and form_submit(
            request, form, lambda data: started.append(invitations.member_invitations_start(
                actor=request.user, member_ids=None if data["everyone"]
                else [m.pk for m in data["members"]]))):
        return redirect("governance:mailing", pk=started[0].pk)
    return render(request, "membership/invitations.html", {
        "form": form, "count": candidates.count(),
        "mailings": selectors.invitation_mailings()}, status=status_for(form))


# --- Inspection requests ---------------------------------------------------------------


def _inspections_page(request, **bound):
    page_forms = {"form": forms.InspectionForm(initial={"received_on": timezone.localdate()}),
                  **bound}
    return render(request, "membership/inspections.html", {
        "requests": selectors.inspection_requests(), "today": timezone.localdate(),
        "close_form": forms.InspectionCloseForm(), **page_forms,
    }, status=status_for(*bound.values()) if bound else 200)


@access(*SECRETARY)
def inspections(request):
    return _inspections_page(request)


@access(*SECRETARY)
@require_POST
def inspection_record(request):
    form = forms.InspectionForm(request.POST)
    if form_submit(request, form, lambda data: inspection.inspection_request_record(
            actor=request.user, **data)):
        messages.success(request, "The request is logged.")
        return redirect("membership:inspections")
    return _inspections_page(request, form=form)


@access(*SECRETARY)
@require_POST
def inspection_close(request, pk: int):
    request_row = _found(selectors.inspection_request(pk=pk))
    form = forms.InspectionCloseForm(request.POST)
    if form_submit(request, form, lambda data: inspection.inspection_request_close(
            actor=request.user, request=request_row, **data)):
        messages.success(request, "The request is closed.")
    else:
        messages.error(request, "Choose the outcome and the date.")
    return redirect("membership:inspections")
