"""Demo members for the fictional mutual in governance.demo."""

import datetime as dt
from decimal import Decimal

from .models import Member, ShareClass, StakeholderClass

CLASSES = [
    ("staff", "Staff", "People employed by the society on a permanent contract."),
    ("service-users", "Service users",
     "People who use the society's services, and their carers."),
    ("community", "Community", "People who live or work in the Brookvale area."),
]


def seed_membership(*, organisation, users: dict, member_emails: list[str]) -> None:
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
    for number, email in enumerate(member_emails, start=1):
        user = users[email]
        Member.objects.get_or_create(
            user=user,
            defaults={"member_number": number, "full_name": user.full_name,
                      "address": f"{number} High Street, Brookvale BV1 {number}AA",
                      "email": email, "email_purpose": "Notices and ballots",
                      "stakeholder_class": classes["staff"],
                      "admitted_on": dt.date(2020, 5, 1)},
        )
