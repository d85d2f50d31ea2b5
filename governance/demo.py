"""A fictional public service mutual for demonstrations and `make run`.

Everything is created through get-or-create on natural keys, so running it twice changes
nothing."""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.roles import Role

from .models import LegalForm, OfficerAppointment, Organisation
from .services import audit_record

DEMO_PASSWORD = "demo-password-2026"
# A fixed authenticator secret for the demo officers, so that a demonstrator can add it to
# an authenticator app (or run `manage.py demo_totp EMAIL`). Never used outside the demo.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DEMO_LOGINS = [
    # email, full name, officer role (None for a plain member), also a member?
    ("member@example.org", "Priya Shah", None, True),
    ("secretary@example.org", "Tom Okafor", Role.SECRETARY, False),
    ("chair@example.org", "Margaret Ellis", Role.CHAIR, True),
    ("board@example.org", "Dev Patel", Role.BOARD, True),
    ("scrutineer@example.org", "Ruth Adeyemi", Role.SCRUTINEER, False),
    ("admin@example.org", "Sam Clarke", None, False),
]


def demo_user(email: str, full_name: str, *, admin: bool = False, mfa: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = admin
        user.save()
        audit_record(actor=None, action="demo.user_created", target=user)
    EmailAddress.objects.get_or_create(user=user, email=email,
                                       defaults={"primary": True, "verified": True})
    if mfa and not Authenticator.objects.filter(user=user,
                                                type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP,
            data={"secret": get_mfa_adapter().encrypt(DEMO_TOTP_SECRET)},
        )
    return user


@transaction.atomic
def seed_demo() -> dict:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        organisation = Organisation.objects.create(
            name="Brookvale Community Health",
            legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY,
            registration_number="RS009999",
            registered_office="Unit 4, Mill Lane, Brookvale BV1 2AB",
            statutory_asset_lock=True,
            minimum_age=16,
            spun_out_of="Brookvale Primary Care Trust (fictional)",
            spun_out_on=dt.date(2011, 4, 1),
        )
        audit_record(actor=None, action="demo.organisation_created", target=organisation)
    users = {}
    for email, full_name, role, _is_member in DEMO_LOGINS:
        is_admin = email.startswith("admin@")
        users[email] = demo_user(email, full_name, admin=is_admin,
                                 mfa=role is not None or is_admin)
        if role is not None:
            OfficerAppointment.objects.get_or_create(
                user=users[email], role=role, ended_on=None,
                defaults={"full_name": full_name, "started_on": dt.date(2024, 9, 20),
                          "address": "c/o the registered office"},
            )
    from membership.demo import seed_membership

    seed_membership(organisation=organisation, users=users,
                    member_emails=[e for e, _n, _r, is_member in DEMO_LOGINS if is_member],
                    actor=users["secretary@example.org"])
    return {"organisation": organisation, "users": users}
