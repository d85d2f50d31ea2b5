import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from membership.models import (
    CommunicationConsent,
    MemberClassPeriod,
    ShareClassVoting,
    StakeholderClassVoting,
)
from membership.services.ledger import ledger_post
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory

LONDON = ZoneInfo("Europe/London")


def at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


@pytest.fixture
def community(db):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares")
    klass = StakeholderClassFactory(slug="community", name="Community")
    klass.share_classes.add(shares)
    ShareClassVoting.objects.create(share_class=shares, carries_votes=True,
                                    effective_from=dt.date(2020, 1, 1))
    StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=True,
                                          effective_from=dt.date(2020, 1, 1))
    return klass


def make_members(klass, count: int, *, emailed: int, shares: int | list[int] = 1,
                 start: int = 1):
    """`count` members of the class admitted in 2024, the first `emailed` of them with a
    current consent to be emailed; each allotted `shares` (or shares[i])."""
    members = []
    share_class = klass.share_classes.get()
    for i in range(count):
        member = MemberFactory(member_number=start + i, stakeholder_class=klass,
                               admitted_on=dt.date(2024, 1, 15))
        MemberClassPeriod.objects.create(member=member, stakeholder_class=klass,
                                         started_on=member.admitted_on)
        held = shares[i] if isinstance(shares, list) else shares
        with transaction.atomic():
            ledger_post(member=member, share_class=share_class, kind="allotment", shares=held,
                        effective_on=member.admitted_on, actor=None)
        if i < emailed:
            CommunicationConsent.objects.create(member=member, email=member.email,
                                                given_on=dt.date(2024, 1, 15))
        members.append(member)
    return members
