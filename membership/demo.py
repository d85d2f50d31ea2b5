"""Demo members for the fictional mutual in governance.demo, made through the same
services as real ones, so the demo shows real ledgers, certificates and audit rows."""

import datetime as dt
from decimal import Decimal

from .models import (
    Application,
    CessationReason,
    Member,
    PaymentMethod,
    ShareClass,
    StakeholderClass,
)
from .services import applications, members, withdrawals

CLASSES = [
    ("staff", "Staff", "People employed by the society on a permanent contract."),
    ("service-users", "Service users",
     "People who use the society's services, and their carers."),
    ("community", "Community", "People who live or work in the Brookvale area."),
]

# name, email, class, shares, admitted
PEOPLE = [
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


def _admit(*, actor, full_name, email, klass, share_class, shares, on, date_of_birth=None):
    application = applications.application_submit(
        full_name=full_name, address=f"{len(full_name)} Station Road, Brookvale BV2 {shares % 9}QT",
        email=email, stakeholder_class=klass, share_class=share_class, shares=shares,
        rules_accepted=True, data_use_accepted=True, risk_accepted=True,
        date_of_birth=date_of_birth or dt.date(1980, 1, 1))
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


def seed_membership(*, organisation, users: dict, member_emails: list[str], actor) -> None:
    share_class, _ = ShareClass.objects.get_or_create(
        code="ordinary",
        defaults={"name": "Ordinary £1 shares", "par_value": Decimal("1.00"), "min_holding": 1,
                  "max_holding": 20000, "withdrawable": True, "transferable": False,
                  "withdrawal_notice_months": 3},
    )
    classes = {}
    for position, (slug, name, eligibility) in enumerate(CLASSES):
        classes[slug], _ = StakeholderClass.objects.get_or_create(
            slug=slug, defaults={"name": name, "eligibility": eligibility,
                                 "position": position},
        )
        classes[slug].share_classes.add(share_class)
    if Member.objects.exists():
        return  # already seeded: seed_demo is idempotent
    for index, email in enumerate(member_emails):
        _admit(actor=actor, full_name=users[email].full_name, email=email,
               klass=classes["staff" if index else "community"], share_class=share_class,
               shares=[50, 1, 1][index % 3], on=dt.date(2018, 4, 3 + index))
    admitted = {}
    for full_name, email, slug, shares, on in PEOPLE:
        admitted[email] = _admit(actor=actor, full_name=full_name, email=email,
                                 klass=classes[slug], share_class=share_class, shares=shares,
                                 on=on)
    members.member_change_class(actor=actor, member=admitted["bea.lindqvist@example.org"],
                                stakeholder_class=classes["community"],
                                changed_on=dt.date(2024, 2, 1))
    members.member_cease(actor=actor, member=admitted["hugh.pritchard@example.org"],
                         ceased_on=dt.date(2024, 8, 9), reason=CessationReason.DIED)
    members.member_cease(actor=actor, member=admitted["farid.haddad@example.org"],
                         ceased_on=dt.date(2025, 1, 31), reason=CessationReason.RESIGNED)
    paid = withdrawals.withdrawal_request(
        actor=actor, member=admitted["grace.nwosu@example.org"], share_class=share_class,
        shares=200, requested_on=dt.date(2024, 5, 1))
    withdrawals.withdrawal_pay(actor=actor, withdrawal=paid, paid_on=dt.date(2024, 8, 1))
    withdrawals.withdrawal_request(
        actor=actor, member=admitted["chidi.okonkwo@example.org"], share_class=share_class,
        shares=100, requested_on=dt.date(2025, 6, 2))
    withdrawals.withdrawal_request(
        actor=actor, member=admitted["dana.whitfield@example.org"], share_class=share_class,
        shares=15, requested_on=dt.date.today())
    # Applications at each stage, for the secretary's queue.
    def apply(full_name, address, email, slug, shares, born):
        return applications.application_submit(
            full_name=full_name, address=address, email=email,
            stakeholder_class=classes[slug], share_class=share_class, shares=shares,
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
                                     decided_on=dt.date.today(), minute_reference="BM demo")
    apply("Mo Farrell", "8 Bridge Row, Brookvale BV2 2MF", "mo.farrell@example.org",
          "service-users", 3, dt.date(1960, 10, 30))
    assert Application.objects.count() >= 3
