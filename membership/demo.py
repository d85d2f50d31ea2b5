"""Fictional mutuals for demonstrations and `make run`, made through the same services as
real ones, so the demo shows real ledgers, certificates and audit rows. Two presets:

- `cbs`: Brookvale Community Health, a community benefit society spun out of the NHS,
  with staff, service-user and community classes and £1 withdrawable shares;
- `cic-staff`: Riverside Community Care CIC, a community interest company limited by
  shares owned by its staff: each permanent member of staff may buy one £1 voting share,
  transfers need the board's approval at par, and leaving employment is a notice to sell
  (21 days, then transfer or buy-back at no more than £1).

Running it twice changes nothing."""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import Role
from governance.calendar import Nation
from governance.exceptions import DomainError
from governance.models import AssetLock, LegalForm, OfficerAppointment
from governance.selectors import organisation_get
from governance.services import audit_record, organisation_set_up
from governance.transactions import atomic

from .models import CessationReason, PaymentMethod
from .services import (
    applications,
    classes,
    members,
    sale_notices,
    withdrawals,
)

DEMO_PASSWORD = "demo-password-2026"
# A fixed authenticator secret for the demo officers, so that a demonstrator can add it to
# an authenticator app (or run `manage.py demo_totp EMAIL`). Never used outside the demo.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PRESETS = ("cbs", "cic-staff")

DEMO_LOGINS = [
    # email, full name, officer role (None for a plain member), also a member?
    ("member@example.org", "Priya Shah", None, True),
    ("secretary@example.org", "Tom Okafor", Role.SECRETARY, False),
    ("chair@example.org", "Margaret Ellis", Role.CHAIR, True),
    ("board@example.org", "Dev Patel", Role.BOARD, True),
    ("scrutineer@example.org", "Ruth Adeyemi", Role.SCRUTINEER, False),
    ("admin@example.org", "Sam Clarke", None, False),
]
SINCE_THE_START = dt.date(2010, 1, 1)


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


def seed_demo(*, preset: str = "cbs") -> dict:
    if preset not in PRESETS:
        raise DomainError(f"Unknown preset {preset!r}: choose {' or '.join(PRESETS)}.")
    with atomic():
        organisation = organisation_get()
        names = {"cbs": "Brookvale Community Health", "cic-staff": "Riverside Community Care CIC"}
        if organisation is not None and organisation.name != names[preset]:
            raise DomainError(f"This database already holds {organisation.name}. One "
                              "installation serves one mutual: use an empty database for "
                              f"the {preset} demo (for example delete var/db.sqlite3).")
        users = {}
        for email, full_name, role, _is_member in DEMO_LOGINS:
            is_admin = email.startswith("admin@")
            users[email] = demo_user(email, full_name, admin=is_admin,
                                     mfa=role is not None or is_admin)
            if role is not None:
                OfficerAppointment.objects.get_or_create(
                    user=users[email], role=role, ended_on=None,
                    defaults={"full_name": full_name, "started_on": dt.date(2024, 9, 20),
                              "address": "c/o the registered office"})
        actor = users["secretary@example.org"]
        member_emails = [e for e, _n, _r, is_member in DEMO_LOGINS if is_member]
        if organisation is None:
            if preset == "cbs":
                organisation = _seed_cbs(actor=actor, users=users, member_emails=member_emails)
            else:
                organisation = _seed_cic_staff(actor=actor, users=users,
                                               member_emails=member_emails)
        return {"organisation": organisation, "users": users}


def _admit(*, actor, full_name, email, klass, share_class, shares, on, date_of_birth=None,
           address=None):
    application = applications.application_submit(
        full_name=full_name,
        address=address or f"{len(full_name)} Station Road, Brookvale BV2 {shares % 9}QT",
        email=email, stakeholder_class=klass, share_class=share_class, shares=shares,
        rules_accepted=True, data_use_accepted=True, risk_accepted=True,
        email_notices_accepted=True, date_of_birth=date_of_birth or dt.date(1980, 1, 1))
    applications.application_confirm_email(token=application.email_token)
    application.refresh_from_db()
    applications.application_approve(actor=actor, application=application, decided_on=on,
                                     minute_reference=f"BM {on:%Y/%m}")
    applications.payment_record(actor=actor, application=application,
                                method=PaymentMethod.BANK_TRANSFER,
                                reference=f"FPS {application.pk:05d}",
                                amount=application.amount_due, received_on=on)
    return applications.application_allot(actor=actor, application=application,
                                          allotted_on=on)


# --- A community benefit society ---------------------------------------------------------

CBS_CLASSES = [
    ("staff", "Staff", "People employed by the society on a permanent contract."),
    ("service-users", "Service users",
     "People who use the society's services, and their carers."),
    ("community", "Community", "People who live or work in the Brookvale area."),
]

# name, email, class, shares, admitted
CBS_PEOPLE = [
    ("Alex Morgan", "alex.morgan@example.org", "staff", 1, dt.date(2019, 5, 1)),
    ("Bea Lindqvist", "bea.lindqvist@example.org", "service-users", 10, dt.date(2019, 9, 12)),
    ("Chidi Okonkwo", "chidi.okonkwo@example.org", "community", 250, dt.date(2020, 2, 3)),
    ("Dana Whitfield", "dana.whitfield@example.org", "community", 40, dt.date(2020, 7, 20)),
    ("Eilidh Campbell", "eilidh.campbell@example.org", "staff", 1, dt.date(2021, 1, 11)),
    ("Farid Haddad", "farid.haddad@example.org", "service-users", 5, dt.date(2021, 6, 30)),
    ("Grace Nwosu", "grace.nwosu@example.org", "community", 1000, dt.date(2022, 3, 14)),
    ("Hugh Pritchard", "hugh.pritchard@example.org", "community", 25, dt.date(2022, 11, 2)),
    ("Imogen Shaw", "imogen.shaw@example.org", "staff", 1, dt.date(2023, 4, 17)),
    ("Jamal Reid", "jamal.reid@example.org", "service-users", 2, dt.date(2023, 10, 5)),
]


def _seed_cbs(*, actor, users: dict, member_emails: list[str]):
    organisation = organisation_set_up(
        actor=None, name="Brookvale Community Health",
        legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY, nation=Nation.ENGLAND_WALES,
        registration_number="RS009999", registered_office="Unit 4, Mill Lane, Brookvale BV1 2AB",
        asset_lock=AssetLock.STATUTORY, incorporated_on=dt.date(2011, 4, 1), minimum_age=16)
    organisation.spun_out_of = "Brookvale Primary Care Trust (fictional)"
    organisation.spun_out_on = dt.date(2011, 4, 1)
    organisation.save(update_fields=["spun_out_of", "spun_out_on"])
    share_class = classes.share_class_create(
        actor=actor, name="Ordinary £1 shares", code="ordinary", par_value=Decimal("1.00"),
        carries_votes=False, votes_from=SINCE_THE_START, min_holding=1, max_holding=20000,
        withdrawable=True, transferable=False, withdrawal_notice_months=3,
        minute_reference="Rule 12")
    klasses = {
        slug: classes.stakeholder_class_create(
            actor=actor, name=name, slug=slug, eligibility=eligibility, votes=True,
            votes_from=SINCE_THE_START, share_classes=[share_class],
            minute_reference="Rule 8")
        for slug, name, eligibility in CBS_CLASSES}
    for index, email in enumerate(member_emails):
        _admit(actor=actor, full_name=users[email].full_name, email=email,
               klass=klasses["staff" if index else "community"], share_class=share_class,
               shares=[50, 1, 1][index % 3], on=dt.date(2018, 4, 3 + index))
    admitted = {}
    for full_name, email, slug, shares, on in CBS_PEOPLE:
        admitted[email] = _admit(actor=actor, full_name=full_name, email=email,
                                 klass=klasses[slug], share_class=share_class, shares=shares,
                                 on=on)
    members.member_change_class(actor=actor, member=admitted["bea.lindqvist@example.org"],
                                stakeholder_class=klasses["community"],
                                changed_on=dt.date(2024, 2, 1))
    paid = withdrawals.withdrawal_request(
        actor=actor, member=admitted["grace.nwosu@example.org"], share_class=share_class,
        shares=200, requested_on=dt.date(2024, 5, 1))
    withdrawals.withdrawal_pay(actor=actor, withdrawal=paid, paid_on=dt.date(2024, 8, 1),
                               minute_reference="BM 2024/08")
    members.member_cease(actor=actor, member=admitted["hugh.pritchard@example.org"],
                         ceased_on=dt.date(2024, 8, 9), reason=CessationReason.DIED)
    members.member_cease(actor=actor, member=admitted["farid.haddad@example.org"],
                         ceased_on=dt.date(2025, 1, 31), reason=CessationReason.RESIGNED)
    withdrawals.withdrawals_pay(actor=actor, paid_on=dt.date(2025, 5, 1),
                                solvency_confirmed=True, minute_reference="BM 2025/05")
    withdrawals.withdrawal_request(
        actor=actor, member=admitted["chidi.okonkwo@example.org"], share_class=share_class,
        shares=100, requested_on=dt.date(2025, 6, 2))
    withdrawals.withdrawal_request(
        actor=actor, member=admitted["dana.whitfield@example.org"], share_class=share_class,
        shares=15, requested_on=timezone.localdate())

    # Applications at each stage, for the secretary's queue.
    def apply(full_name, address, email, slug, shares, born):
        return applications.application_submit(
            full_name=full_name, address=address, email=email,
            stakeholder_class=klasses[slug], share_class=share_class, shares=shares,
            rules_accepted=True, data_use_accepted=True, risk_accepted=True,
            date_of_birth=born)

    waiting = apply("Kofi Mensah", "12 Canal Street, Brookvale BV3 1KM",
                    "kofi.mensah@example.org", "community", 100, dt.date(1991, 2, 14))
    applications.application_confirm_email(token=waiting.email_token)
    approved = apply("Lena Fischer", "3 Orchard Close, Brookvale BV1 9LF",
                     "lena.fischer@example.org", "staff", 1, dt.date(1995, 7, 3))
    applications.application_confirm_email(token=approved.email_token)
    approved.refresh_from_db()
    applications.application_approve(actor=actor, application=approved,
                                     decided_on=timezone.localdate(),
                                     minute_reference="BM demo")
    apply("Mo Farrell", "8 Bridge Row, Brookvale BV2 2MF", "mo.farrell@example.org",
          "service-users", 3, dt.date(1960, 10, 30))
    return organisation


# --- A staff-owned community interest company ----------------------------------------

CIC_STAFF = [
    ("Aisha Bello", "aisha.bello@example.org", dt.date(2020, 6, 1)),
    ("Ben Carter", "ben.carter@example.org", dt.date(2020, 6, 1)),
    ("Chloe Dunn", "chloe.dunn@example.org", dt.date(2021, 3, 15)),
    ("Declan Evans", "declan.evans@example.org", dt.date(2021, 9, 6)),
    ("Esther Fox", "esther.fox@example.org", dt.date(2022, 1, 10)),
    ("Femi George", "femi.george@example.org", dt.date(2023, 5, 2)),
    ("Gwen Harris", "gwen.harris@example.org", dt.date(2024, 2, 19)),
]


def _seed_cic_staff(*, actor, users: dict, member_emails: list[str]):
    organisation = organisation_set_up(
        actor=None, name="Riverside Community Care CIC", legal_form=LegalForm.CIC_SHARES,
        nation=Nation.ENGLAND_WALES, registration_number="07654321",
        registered_office="The Old Library, Quay Street, Riverside RV1 4QS",
        asset_lock=AssetLock.CIC, incorporated_on=dt.date(2020, 4, 1))
    organisation.spun_out_of = "Riverside Primary Care Trust (fictional)"
    organisation.spun_out_on = dt.date(2020, 4, 1)
    organisation.save(update_fields=["spun_out_of", "spun_out_on"])
    share = classes.share_class_create(
        actor=actor, name="Staff voting share", code="staff-share", par_value=Decimal("1.00"),
        carries_votes=True, votes_from=dt.date(2020, 4, 1), min_holding=1, max_holding=1,
        withdrawable=False, transferable=True, transfer_needs_board_approval=True,
        transfer_at_par_only=True, sale_notice_days=21, minute_reference="Articles 9-14")
    staff = classes.stakeholder_class_create(
        actor=actor, name="Staff", slug="staff",
        eligibility="Permanent members of staff of the company.", votes=True,
        votes_from=dt.date(2020, 4, 1), share_classes=[share], minute_reference="Article 9")
    people = [(users[email].full_name, email, dt.date(2020, 6, 1)) for email in member_emails]
    admitted = {}
    for full_name, email, on in people + CIC_STAFF:
        admitted[email] = _admit(actor=actor, full_name=full_name, email=email, klass=staff,
                                 share_class=share, shares=1, on=on,
                                 address=f"{len(full_name)} Quay Street, Riverside RV1 4QS")
    today = timezone.localdate()
    # Left two years ago: the share was bought back at £1 after the 21 days.
    long_gone = admitted["ben.carter@example.org"]
    left_on = dt.date(2023, 11, 30)
    notice, = sale_notices.member_left_eligibility(actor=actor, member=long_gone,
                                                   left_on=left_on, reason="left employment")
    sale_notices.sale_notice_buy_back(actor=actor, notice=notice,
                                      bought_back_on=left_on + dt.timedelta(days=21),
                                      price_per_share=Decimal("1.00"),
                                      minute_reference="BM 2023/12")
    # Left a month ago: the notice has run; the secretary can buy the share back.
    sale_notices.member_left_eligibility(actor=actor, member=admitted["chloe.dunn@example.org"],
                                         left_on=today - dt.timedelta(days=30),
                                         reason="left employment")
    # Left last week: the notice is still running.
    sale_notices.member_left_eligibility(
        actor=actor, member=admitted["declan.evans@example.org"],
        left_on=today - dt.timedelta(days=7), reason="left employment")
    # A new member of staff waiting for the board.
    application = applications.application_submit(
        full_name="Hana Ito", address="2 Mill Row, Riverside RV2 1HI",
        email="hana.ito@example.org", stakeholder_class=staff, share_class=share, shares=1,
        rules_accepted=True, data_use_accepted=True, risk_accepted=True,
        date_of_birth=dt.date(1993, 8, 8))
    applications.application_confirm_email(token=application.email_token)
    return organisation
