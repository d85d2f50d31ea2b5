"""A member's own pages: their entry, shares and certificates, buying more, withdrawing,
and the register without holdings that members may inspect."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, MEMBER
from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.http import form_error, form_submit, posted, status_for
from governance.selectors import organisation_get

from .. import forms, selectors
from ..models import Member
from ..services import applications, consents, inspection, withdrawals


def _own_member(request) -> Member:
    member = selectors.member_for_user(user=request.user)
    if member is None:
        raise Http404
    return member


@access(*MEMBER)
def portal(request):
    member = _own_member(request)
    return render(request, "membership/portal.html", {
        "member": member,
        "holdings": selectors.member_holdings(member=member),
        "ledger": selectors.member_ledger(member=member),
        "withdrawals": selectors.member_withdrawals(member=member),
        "pending": selectors.member_applications_pending(member=member),
        "earlier": selectors.member_entries_for_user(user=request.user).exclude(pk=member.pk),
        "consent": selectors.email_consent(member=member),
        "consent_form": forms.EmailConsentForm(initial={"email": member.email}),
    })


@access(*MEMBER)
@require_POST
def email_notices(request):
    """The member chooses email (at an address) or post for their notices."""
    member = _own_member(request)
    if request.POST.get("choice") == "post":
        try:
            consents.email_consent_withdraw(actor=request.user, member=member)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Notices will come to you by post.")
        return redirect("membership:portal")
    form = forms.EmailConsentForm(request.POST)
    if form_submit(request, form, lambda data: consents.email_consent_give(
            actor=request.user, member=member, email=data["email"])):
        messages.success(request, "Notices will come to you by email.")
    else:
        for error in form.errors.get("email", []) + form.non_field_errors():
            messages.error(request, error)
    return redirect("membership:portal")


@access(*MEMBER, *BOARD)
def certificate(request, number: int):
    entry = selectors.certificate_entry(number=number)
    if entry is None:
        raise Http404
    if not acting_as(request, *BOARD):
        # A member sees only their own certificates (from any of their entries).
        if entry.member.user_id != request.user.pk:
            raise Http404
    from ..pdf import share_certificate_pdf  # fpdf2 is loaded only when a PDF is asked for

    pdf = share_certificate_pdf(entry=entry, organisation=organisation_get())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="share-certificate-{number}.pdf"'
    return response


@access(*MEMBER)
@require_http_methods(["GET", "POST"])
def buy_shares(request):
    member = _own_member(request)
    form = forms.MoreSharesForm(posted(request), member=member)
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
                  status=status_for(form))


@access(*MEMBER)
@require_http_methods(["GET", "POST"])
def request_withdrawal(request):
    member = _own_member(request)
    form = forms.WithdrawalForm(posted(request), member=member)
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
                                      f"{long_date(made.eligible_on)}.")
            return redirect("membership:portal")
    organisation = organisation_get()
    return render(request, "membership/withdraw.html", {
        "form": form, "member": member,
        "suspended": bool(organisation and organisation.withdrawals_suspended),
    }, status=status_for(form))


@access(*MEMBER, *BOARD)
def members_register(request):
    """The register without holdings, which members may inspect (CCBSA s.30(2)), searched
    by name or member number. Every inspection is logged."""
    form = forms.RegisterFilterForm(request.GET or None, search_email=False)
    data = form.cleaned_data if form.is_valid() else {"q": "", "after": None}
    rows = selectors.register_page(on=timezone.localdate(), search=data.get("q") or "",
                                   after=data.get("after"), search_email=False)
    inspection.register_inspection_record(actor=request.user, view="without holdings",
                                          filters={"search": data.get("q") or ""})
    return render(request, "membership/members_register.html", {
        "rows": rows, "form": form, "next_after": rows[-1].member_number if len(rows) == 50
        else None})
