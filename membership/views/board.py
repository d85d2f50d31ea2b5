"""The board's pages: the register of members as at any date, its exports, the
suspension of withdrawals, the classes."""

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.access import access, acting_as
from accounts.roles import BOARD, SECRETARY
from governance.http import form_submit, posted, status_for
from governance.selectors import organisation_get
from governance.services import organisation_update

from .. import forms, selectors
from ..services import inspection

PDF_REGISTER_LIMIT = 5000


def _register_filters(request):
    form = forms.RegisterFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {"on": timezone.localdate(), "stakeholder_class": None, "status": "current",
                  "q": "", "after": None}


def _filters_for_log(data) -> dict:
    stakeholder = data["stakeholder_class"]
    return {"on": data["on"], "status": data["status"],
            "class": stakeholder.slug if stakeholder else "all"}


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
    }, status=status_for(form))


@access(*BOARD)
def register_csv(request):
    form, data = _register_filters(request)
    if form.errors:
        return render(request, "membership/register.html", {"form": form, "rows": []},
                      status=400)
    stakeholder = data["stakeholder_class"]
    inspection.register_export_record(actor=request.user, format="csv",
                                      filters=_filters_for_log(data))
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
    inspection.register_export_record(actor=request.user, format="pdf",
                                      filters=_filters_for_log(data))
    from ..pdf import register_pdf

    pdf = register_pdf(rows=rows, organisation=organisation_get(), as_at=data["on"],
                       with_holdings=True, total_rows=total)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="register-{data["on"]}.pdf"'
    return response


@access(*BOARD)
@require_http_methods(["GET", "POST"])
def suspension(request):
    organisation = organisation_get()
    if organisation is None:
        raise Http404
    form = forms.SuspensionForm(posted(request), initial={
        "withdrawals_suspended": organisation.withdrawals_suspended})
    if request.method == "POST" and form_submit(
            request, form, lambda data: organisation_update(
                actor=request.user, organisation=organisation,
                note=f"board minute {data['minute_reference']}",
                withdrawals_suspended=data["withdrawals_suspended"])):
        messages.success(request, "Withdrawals are now "
                         + ("suspended." if form.cleaned_data["withdrawals_suspended"]
                            else "allowed."))
        return redirect("membership:withdrawals")
    return render(request, "membership/suspension.html", {
        "form": form, "organisation": organisation}, status=status_for(form))


@access(*BOARD)
def classes(request):
    today = timezone.localdate()
    return render(request, "membership/classes.html", {
        "stakeholder_classes": [
            (klass, selectors.stakeholder_class_votes_on(klass, today))
            for klass in selectors.stakeholder_classes()],
        "share_classes": [
            (share_class, selectors.share_class_carries_votes_on(share_class, today),
             share_class.payout_per_share(today))
            for share_class in selectors.share_classes()],
        "is_secretary": acting_as(request, *SECRETARY),
    })
