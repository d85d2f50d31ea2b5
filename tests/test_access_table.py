"""Every URL against every role. A view of the platform that declares no access rule, or
that is missing from TABLE, fails this test."""

import datetime
from urllib.parse import urlparse

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from governance.models import OfficerAppointment
from membership.models import Application, ImportRun, InspectionRequest
from membership.services.ledger import ledger_post
from tests.factories import MemberFactory, ShareClassFactory

PLATFORM_NAMESPACES = {"governance", "membership", "ballots"}
ROLES = ["anonymous", "member", "secretary", "chair", "board", "scrutineer", "admin",
         "officer_without_mfa", "no_role"]

LOGIN = "login"  # 302 to the login page
MFA = "mfa"  # 302 to two-factor set-up

EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN_ONLY = {**EVERYONE, "anonymous": LOGIN}


def only(*allowed, fallback=403):
    """200 for the roles given, LOGIN for anonymous, MFA for an officer without it,
    `fallback` for everyone else."""
    answers = {role: (200 if role in allowed else fallback) for role in ROLES}
    answers["anonymous"] = LOGIN
    answers["officer_without_mfa"] = MFA if "secretary" in allowed else fallback
    return answers


BOARD = ("secretary", "chair", "board", "admin")


def _certificate_kwargs(users):
    """A certificate belonging to someone other than the member in the table."""
    other = MemberFactory(stakeholder_class=users["member"].member.stakeholder_class)
    share_class = ShareClassFactory(code="table")
    other.stakeholder_class.share_classes.add(share_class)
    with transaction.atomic():
        entry = ledger_post(member=other, share_class=share_class, kind="allotment", shares=5,
                            effective_on=other.admitted_on, actor=None, certificate=True)
    return {"number": entry.certificate_number}


def _application(users):
    member = users["member"].member
    share_class = ShareClassFactory(code="table-app")
    member.stakeholder_class.share_classes.add(share_class)
    return Application.objects.create(
        full_name="Applicant", address="1 Road", email="applicant@example.org",
        stakeholder_class=member.stakeholder_class, share_class=share_class, shares=3,
        price_per_share=share_class.par_value, email_token="token-for-table")


def _application_kwargs(users):
    return {"pk": _application(users).pk}


def _application_token_kwargs(users):
    return {"token": _application(users).email_token}


def _member_kwargs(users):
    return {"pk": users["member"].member.pk}


def _inspection_kwargs(users):
    request = InspectionRequest.objects.create(
        requester_name="A Person", requester_address="1 Road", purpose="research",
        received_on=datetime.date(2025, 1, 6))
    return {"pk": request.pk}


def _import_run_kwargs(users):
    return {"pk": ImportRun.objects.create(file_name="r.csv", file_sha256="0" * 64).pk}


def _retire_kwargs(users):
    appointment = OfficerAppointment.objects.get(user=users["board"])
    return {"pk": appointment.pk}


# url name -> (method, kwargs factory or None, expected answer per role)
TABLE = {
    "governance:home": ("get", None, EVERYONE),
    "governance:dashboard": ("get", None, SIGNED_IN_ONLY),
    "governance:audit_log": ("get", None, only("secretary", "chair", "scrutineer", "admin")),
    "governance:officers": ("get", None, only("secretary", "chair", "board", "admin")),
    # POST with no data: 302 back to the list with an error message, never a change.
    "governance:officer_retire": ("post", _retire_kwargs,
                                  {**only("secretary", "admin"), "secretary": 302,
                                   "admin": 302}),
    "governance:scrutiny": ("get", None, only("scrutineer", "admin")),
    "membership:portal": ("get", None, only("member")),
    "membership:buy_shares": ("get", None, only("member")),
    "membership:withdraw": ("get", None, only("member")),
    # A member may open only their own certificate: another member's is 404.
    "membership:certificate": ("get", _certificate_kwargs,
                               {**only("member", *BOARD), "member": 404}),
    "membership:members_register": ("get", None, only("member", *BOARD)),
    "membership:apply": ("get", None, EVERYONE),
    "membership:apply_sent": ("get", None, EVERYONE),
    "membership:apply_confirm": ("get", _application_token_kwargs, EVERYONE),
    "membership:office": ("get", None, only("secretary", "admin")),
    "membership:applications": ("get", None, only("secretary", "chair", "board", "admin")),
    "membership:application": ("get", _application_kwargs,
                               only("secretary", "chair", "board", "admin")),
    "membership:withdrawals": ("get", None, only("secretary", "chair", "board", "admin")),
    "membership:member": ("get", _member_kwargs, only(*BOARD)),
    "membership:import": ("get", None, only("secretary", "admin")),
    "membership:import_run": ("get", _import_run_kwargs, only("secretary", "admin")),
    "membership:inspections": ("get", None, only("secretary", "admin")),
    "membership:inspection_close": ("post", _inspection_kwargs,
                                    {**only("secretary", "admin"), "secretary": 302,
                                     "admin": 302}),
    "membership:register": ("get", None, only(*BOARD)),
    "membership:register_csv": ("get", None, only(*BOARD)),
    "membership:register_pdf": ("get", None, only(*BOARD)),
    "membership:suspension": ("get", None, only("secretary", "chair", "board", "admin")),
    "membership:classes": ("get", None, only(*BOARD)),
    # Third-party pages that people reach: checked too, though not required.
    "account_login": ("get", None, {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}}),
    "account_signup": ("get", None, {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}}),
    "mfa_index": ("get", None, SIGNED_IN_ONLY),
    "admin:index": ("get", None, {**{r: 302 for r in ROLES}, "admin": 200}),
}
# The health page runs live checks against the worker; it has its own test.
NOT_IN_TABLE = {"governance:health"}


def platform_url_names() -> dict[str, object]:
    """name -> view callback for every named URL in the platform's own apps."""
    found = {}

    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in PLATFORM_NAMESPACES:
                found[f"{namespace}:{entry.name}"] = entry.callback

    walk(get_resolver().url_patterns)
    return found


def test_every_platform_view_declares_who_may_use_it():
    names = platform_url_names()
    assert names, "no platform URLs found"
    undeclared = [name for name, view in names.items() if not hasattr(view, "access_rule")]
    assert not undeclared, f"views without @access: {undeclared}"
    missing = sorted(set(names) - set(TABLE) - NOT_IN_TABLE)
    assert not missing, f"URLs missing from the role table: {missing}"


def _answer(response) -> object:
    if response.status_code == 302:
        location = urlparse(response["Location"]).path
        if location == reverse("account_login"):
            return LOGIN
        if location == reverse("mfa_activate_totp"):
            return MFA
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TABLE))
def test_role_table(client, users, name):
    method, kwargs_factory, expected = TABLE[name]
    url = reverse(name, kwargs=kwargs_factory(users) if kwargs_factory else None)
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        response = getattr(client, method)(url)
        got[role] = _answer(response)
    assert got == {role: expected[role] for role in ROLES}


@pytest.mark.django_db
def test_unknown_url_is_404_with_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
