"""Applying to join: open to anyone."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import PUBLIC, access
from governance.exceptions import DomainError
from governance.http import form_error, posted, status_for
from governance.selectors import organisation_get

from .. import forms, selectors
from ..services import applications


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def apply(request):
    organisation = organisation_get()
    if organisation is None or not selectors.share_classes().exists():
        return render(request, "membership/apply_closed.html")
    form = forms.ApplicationForm(posted(request), minimum_age=organisation.minimum_age)
    if request.method == "POST" and form.is_valid():
        try:
            applications.application_submit(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("membership:apply_sent")
    return render(request, "membership/apply.html", {"form": form}, status=status_for(form))


@access(PUBLIC)
def apply_sent(request):
    return render(request, "membership/apply_sent.html")


@access(PUBLIC)
@require_http_methods(["GET", "POST"])
def apply_confirm(request, token: str):
    # GET only shows a button: mail scanners follow links, and must not confirm anything.
    application = selectors.application_by_token(token=token)
    if application is None:
        raise Http404
    if request.method == "POST":
        applications.application_confirm_email(token=token)
        return render(request, "membership/apply_confirmed.html")
    return render(request, "membership/apply_confirm.html", {"application": application})
