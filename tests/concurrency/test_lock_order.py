"""Writes that can meet, run at the same moment on PostgreSQL: with one lock order for the
whole platform (docs/architecture.md) none of them deadlocks, and the end state is the
same whichever goes first."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.models import LegalForm, Organisation
from governance.selectors import audit_chain_verify
from membership.models import (
    Counter,
    Holding,
    Member,
    MemberClassPeriod,
    PaymentMethod,
    WithdrawalStatus,
)
from membership.selectors import holdings_replayed
from membership.services import applications
from membership.services.ledger import share_allot
from membership.services.members import member_cease
from membership.services.register_import import register_import_apply
from membership.services.transfers import share_transfer
from membership.services.withdrawals import withdrawal_request, withdrawals_pay
from tests.concurrency.helpers import run_together
from tests.factories import (
    MemberFactory,
    ShareClassFactory,
    StakeholderClassFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = dt.date
ROUNDS = 4


@pytest.fixture
def society():
    Organisation.objects.create(name="Race Society",
                                legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY)
    shares = ShareClassFactory(code="race", name="Race shares", max_holding=60,
                               withdrawal_notice_months=0, transferable=True)
    klass = StakeholderClassFactory(slug="racers", name="Racers")
    klass.share_classes.add(shares)
    return shares, klass, UserFactory()


def member_in(klass, number):
    member = MemberFactory(stakeholder_class=klass, member_number=number,
                           admitted_on=D(2024, 1, 15))
    MemberClassPeriod.objects.create(member=member, stakeholder_class=klass,
                                     started_on=member.admitted_on)
    return member


def no_errors(outcomes):
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, errors


def ledger_agrees(member):
    replayed = holdings_replayed(member=member)
    for holding in Holding.objects.filter(member=member):
        assert (holding.shares, holding.paid_up) == replayed.get(
            holding.share_class_id, (0, Decimal("0")))


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_a_withdrawal_payment_and_a_cessation_of_the_same_member(society, attempt):
    shares, klass, officer = society
    member = member_in(klass, 100 + attempt)
    share_allot(actor=officer, member=member, share_class=shares, shares=50,
                allotted_on=D(2024, 2, 1), consideration=Decimal("50"))
    request = withdrawal_request(actor=officer, member=member, share_class=shares, shares=20,
                                 requested_on=D(2024, 3, 1))
    outcomes = run_together(
        lambda: withdrawals_pay(actor=officer, paid_on=D(2024, 6, 1), solvency_confirmed=True,
                                minute_reference="BM", requests=[request]),
        lambda: member_cease(actor=officer, member=member, ceased_on=D(2024, 6, 1),
                             reason="resigned"))
    no_errors(outcomes)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    # Whichever went first: the 20 requested are paid, the other 30 are owed on leaving.
    request.refresh_from_db()
    assert (request.status, request.shares_paid) == (WithdrawalStatus.PAID, 20)
    owed = member.withdrawals.get(reason="on_leaving")
    assert (owed.shares, owed.status) == (30, WithdrawalStatus.QUEUED)
    assert Holding.objects.get(member=member).shares == 30
    ledger_agrees(member)


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_a_transfer_and_an_allotment_to_the_same_member(society, attempt):
    shares, klass, officer = society
    giver, receiver = member_in(klass, 200 + 2 * attempt), member_in(klass, 201 + 2 * attempt)
    share_allot(actor=officer, member=giver, share_class=shares, shares=40,
                allotted_on=D(2024, 2, 1), consideration=Decimal("40"))
    outcomes = run_together(
        lambda: share_transfer(actor=officer, from_member=giver, to_member=receiver,
                               share_class=shares, shares=30, transferred_on=D(2024, 5, 1),
                               consideration=Decimal("30")),
        lambda: share_allot(actor=officer, member=receiver, share_class=shares, shares=50,
                            allotted_on=D(2024, 5, 1), consideration=Decimal("50")),
        # and one to the giver, locked in the other order by the transfer's pair
        lambda: share_allot(actor=officer, member=giver, share_class=shares, shares=5,
                            allotted_on=D(2024, 5, 1), consideration=Decimal("5")))
    no_errors(outcomes)
    # 30 + 50 would pass the maximum of 60: exactly one of the two gets in.
    assert sorted(kind for kind, _ in outcomes[:2]) == ["ok", "refused"]
    assert outcomes[2][0] == "ok"
    assert Holding.objects.get(member=receiver).shares in (30, 50)
    for member in (giver, receiver):
        ledger_agrees(member)


def register_file(first: int, count: int) -> bytes:
    rows = "".join(f"{n},Imported {n},{n} Road,racers,race,1,2023-05-01\n"
                   for n in range(first, first + count))
    return ("member_number,full_name,address,stakeholder_class,share_class,shares,"
            "admitted_on\n" + rows).encode()


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_an_admission_beside_an_import(society, attempt):
    shares, klass, officer = society
    application = applications.application_submit(
        full_name="New Person", address="1 Lane", email=f"new{attempt}@example.org",
        stakeholder_class=klass, share_class=shares, shares=5, rules_accepted=True,
        data_use_accepted=True, risk_accepted=True)
    applications.application_confirm_email(token=application.email_token)
    applications.application_approve(actor=officer, application=application,
                                     decided_on=D(2025, 1, 2), minute_reference="BM")
    applications.payment_record(actor=officer, application=application,
                                method=PaymentMethod.CASH, reference="R",
                                amount=Decimal("5"), received_on=D(2025, 1, 2))
    outcomes = run_together(
        lambda: applications.application_allot(actor=officer, application=application,
                                               allotted_on=D(2025, 1, 3)),
        # Numbers from 2: whichever goes first, the admission must not take one of them.
        lambda: register_import_apply(actor=officer, name="register.csv",
                                      content=register_file(2, 200)))
    no_errors(outcomes)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"] and outcomes[1][1].applied
    admitted = outcomes[0][1]
    numbers = list(Member.objects.values_list("member_number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert admitted.member_number in (1, 202)
    assert Counter.objects.get(name="member_number").value == max(numbers)
    assert audit_chain_verify().ok
