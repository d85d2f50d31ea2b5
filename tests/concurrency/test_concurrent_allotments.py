"""Races on PostgreSQL with real threads: the row locks must keep every limit."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.models import LegalForm, Organisation
from membership.models import Holding, MemberClassPeriod, Payment, ShareTransaction
from membership.services.applications import payment_record
from membership.services.ledger import share_allot
from tests.concurrency.helpers import run_together
from tests.factories import (
    MemberFactory,
    ShareClassFactory,
    StakeholderClassFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup_member():
    Organisation.objects.create(name="Race Society",
                                legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY)
    share_class = ShareClassFactory(code="race", name="Race shares", max_holding=1000)
    klass = StakeholderClassFactory(slug="racers")
    klass.share_classes.add(share_class)
    member = MemberFactory(stakeholder_class=klass)
    MemberClassPeriod.objects.create(member=member, stakeholder_class=klass,
                                     started_on=member.admitted_on)
    return member, share_class, UserFactory()


@pytest.mark.parametrize("attempt", range(3))
def test_two_allotments_that_each_fit_cannot_together_exceed_the_maximum(setup_member,
                                                                         attempt):
    member, share_class, officer = setup_member

    def allot():
        return share_allot(actor=officer, member=member, share_class=share_class, shares=600,
                           allotted_on=dt.date(2025, 1, 1), consideration=Decimal("600"))

    outcomes = run_together(allot, allot)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    refusal = next(value for kind, value in outcomes if kind == "refused")
    assert "you can apply for 400 more" in str(refusal)
    assert Holding.objects.get(member=member).shares == 600
    assert ShareTransaction.objects.filter(member=member).count() == 1


def test_a_payment_submitted_twice_at_once_is_recorded_once(setup_member):
    from membership.models import Application

    member, share_class, officer = setup_member
    application = Application.objects.create(
        status="submitted", full_name="Racer", address="1 Track", email="r@example.org",
        stakeholder_class=member.stakeholder_class, share_class=share_class, shares=10,
        price_per_share=Decimal("1.00"), email_token="race-token")

    def pay():
        return payment_record(actor=officer, application=application, method="cash",
                              reference="R-1", amount=Decimal("10.00"),
                              received_on=dt.date(2025, 1, 1))

    outcomes = run_together(pay, pay)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert Payment.objects.count() == 1
