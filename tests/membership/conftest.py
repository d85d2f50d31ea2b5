import datetime as dt
from decimal import Decimal

import pytest

from governance.models import AssetLock, LegalForm, Organisation
from membership.models import MemberClassPeriod
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory, UserFactory


@pytest.fixture
def society(db):
    return Organisation.objects.create(
        name="Test Society", legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY,
        asset_lock=AssetLock.STATUTORY, minimum_age=None)


@pytest.fixture
def pounds(db):
    """£1 withdrawable shares with the rule cap at the statutory £100,000."""
    return ShareClassFactory(code="ordinary", name="Ordinary shares", par_value=Decimal("1.00"),
                             max_holding=100_000, withdrawable=True,
                             withdrawal_notice_months=3)


@pytest.fixture
def community(db, pounds):
    klass = StakeholderClassFactory(slug="community", name="Community")
    klass.share_classes.add(pounds)
    return klass


@pytest.fixture
def officer(db):
    return UserFactory(email="officer@example.org")


@pytest.fixture
def make_member(db, community):
    def make(*, admitted_on=dt.date(2024, 1, 15), stakeholder_class=None, **fields):
        member = MemberFactory(stakeholder_class=stakeholder_class or community,
                               admitted_on=admitted_on, **fields)
        MemberClassPeriod.objects.create(member=member,
                                         stakeholder_class=member.stakeholder_class,
                                         started_on=admitted_on)
        return member
    return make
