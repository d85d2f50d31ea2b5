"""Small helpers every app's views share: turning a refusal from a service into a message
in the right place, and the status code of a page that shows a form."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from .exceptions import DomainError


def form_error(form, exc: DomainError) -> None:
    """Attach a refusal from a service to the right field, or to the form as a whole."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def refusal(request, form, exc: DomainError) -> None:
    """A refusal about a field goes next to it; one about the state of things (already
    paid, not yet approved) goes at the top of the page too, where it is seen even when
    the form that caused it is no longer shown."""
    if exc.field and exc.field in form.fields:
        form_error(form, exc)
    else:
        form.add_error(None, exc.message)
        messages.error(request, exc.message)


def status_for(*forms) -> int:
    """400 when a form that was sent has errors, so that a script or a test sees the
    refusal; 200 otherwise."""
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200


def form_submit(request, form, action) -> bool:
    """Validate the form and, if it is valid, call `action(cleaned_data)` (a service).
    A refusal from the service lands on the form. Returns whether the action was done."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except DomainError as exc:
        refusal(request, form, exc)
        return False
    return True


def posted(request):
    """The form data of a POST (even an empty one), or None for a GET: `request.POST or
    None` would treat an empty POST as a GET and show no errors."""
    return request.POST if request.method == "POST" else None


def personal_page(response):
    """Headers for a page reached by a personal link or holding one person's vote: it must
    not leak to other sites through the Referer header, be indexed, or be kept in a shared
    cache. ("no-referrer" would make browsers send "Origin: null" with forms.)"""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def redirect_back(request, back: str | None, *, default: str = "/"):
    """Redirect to `back` (a page of this site the form came from), or to `default` if it
    points anywhere else: a link someone else made must not send the user to another site
    (`//evil.example`, `/\\evil.example`, `https://evil.example/`)."""
    safe = back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if safe else default)
