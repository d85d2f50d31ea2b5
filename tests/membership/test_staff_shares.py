"""The staff-owned CIC pattern (rules guide B8, B9): each permanent member of staff may buy
one £1 voting share; transfers need the board's approval at par; leaving employment is a
notice to sell, and after 21 days the share is transferred or bought back at no more than
its paid-up value."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.asset_lock import AssetLockViolation
from governance.exceptions import DomainError
from governance.models import AssetLock, AuditEvent, LegalForm, Organisation
from membership.exceptions import HoldingLimitExceeded, WrongState
from membership.models import (
    CessationReason,
    Holding,
    Member,
    MemberClassPeriod,
    SaleNotice,
    ShareTransaction,
)
from membership.services.classes import share_class_create, stakeholder_class_create
from membership.services.ledger import ledger_reverse, share_allot
from membership.services.members import member_cease
from membership.services.sale_notices import (
    member_left_eligibility,
    sale_notice_buy_back,
    sale_notice_transfer,
)
from membership.services.transfers import share_transfer
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def cic(db):
    Organisation.objects.create(name="Care CIC", legal_form=LegalForm.CIC_SHARES,
                                asset_lock=AssetLock.CIC)
    officer = UserFactory()
    share = share_class_create(
        actor=officer, name="Staff voting share", par_value=Decimal("1.00"), carries_votes=True,
        votes_from=D(2020, 1, 1), min_holding=1, max_holding=1, withdrawable=False,
        transferable=True, transfer_needs_board_approval=True, transfer_at_par_only=True,
        sale_notice_days=21)
    staff = stakeholder_class_create(actor=officer, name="Staff", eligibility="Permanent staff",
                                     votes=True, votes_from=D(2020, 1, 1), share_classes=[share])
    return share, staff, officer


JOINED = D(2024, 1, 15)


def staff_member(staff, share, officer, number, on=JOINED):
    member = MemberFactory(stakeholder_class=staff, member_number=number, admitted_on=on)
    MemberClassPeriod.objects.create(member=member, stakeholder_class=staff, started_on=on)
    share_allot(actor=officer, member=member, share_class=share, shares=1, allotted_on=on,
                consideration=Decimal("1.00"))
    return member


def test_one_share_each(cic):
    share, staff, officer = cic
    member = staff_member(staff, share, officer, 1)
    with pytest.raises(HoldingLimitExceeded, match="only one of the Staff voting share"):
        share_allot(actor=officer, member=member, share_class=share, shares=1,
                    allotted_on=D(2024, 2, 1), consideration=Decimal("1.00"))


def test_a_company_has_no_withdrawable_shares(cic):
    _share, _staff, officer = cic
    with pytest.raises(DomainError, match="buys back or redeems") as refused:
        share_class_create(actor=officer, name="Loan stock", par_value=Decimal("1"),
                           carries_votes=False, votes_from=D(2020, 1, 1), withdrawable=True)
    assert refused.value.field == "withdrawable"


def test_transfers_need_the_board_and_are_at_par(cic):
    share, staff, officer = cic
    giver = staff_member(staff, share, officer, 1)
    receiver = MemberFactory(stakeholder_class=staff, member_number=2, admitted_on=D(2024, 1, 15))
    MemberClassPeriod.objects.create(member=receiver, stakeholder_class=staff,
                                     started_on=D(2024, 1, 15))
    with pytest.raises(DomainError, match="board's approval") as refused:
        share_transfer(actor=officer, from_member=giver, to_member=receiver, share_class=share,
                       shares=1, transferred_on=D(2024, 3, 1), consideration=Decimal("1.00"))
    assert refused.value.field == "minute_reference"
    with pytest.raises(DomainError, match="fixed at par"):
        share_transfer(actor=officer, from_member=giver, to_member=receiver, share_class=share,
                       shares=1, transferred_on=D(2024, 3, 1), consideration=Decimal("5.00"),
                       minute_reference="BM 2024/3")


def test_leaving_employment_then_buy_back_at_one_pound_after_21_days(cic):
    share, staff, officer = cic
    member = staff_member(staff, share, officer, 1)
    with pytest.raises(WrongState, match="record a notice to sell"):
        member_cease(actor=officer, member=member, ceased_on=D(2025, 3, 1),
                     reason=CessationReason.RESIGNED)
    notice, = member_left_eligibility(actor=officer, member=member, left_on=D(2025, 3, 1),
                                      reason="left employment")
    assert notice.due_on == D(2025, 3, 22) and notice.deemed
    with pytest.raises(DomainError, match="runs until 22 March 2025"):
        sale_notice_buy_back(actor=officer, notice=notice, bought_back_on=D(2025, 3, 21),
                             price_per_share=Decimal("1.00"), minute_reference="BM 1")
    with pytest.raises(AssetLockViolation, match="paid-up value"):
        sale_notice_buy_back(actor=officer, notice=notice, bought_back_on=D(2025, 3, 22),
                             price_per_share=Decimal("1.50"), minute_reference="BM 1")
    sale_notice_buy_back(actor=officer, notice=notice, bought_back_on=D(2025, 3, 22),
                         price_per_share=Decimal("1.00"), minute_reference="BM 2025/3")
    notice.refresh_from_db()
    member.refresh_from_db()
    assert notice.status == SaleNotice.Status.BOUGHT_BACK
    entry = ShareTransaction.objects.get(member=member, kind="buyback")
    assert (entry.shares, entry.consideration) == (-1, Decimal("1.00"))
    assert Holding.objects.get(member=member).shares == 0
    assert (member.ceased_on, member.cessation_reason) == (D(2025, 3, 22), "shares_sold")


def test_or_the_share_goes_to_a_new_member_of_staff(cic):
    share, staff, officer = cic
    leaver = staff_member(staff, share, officer, 1)
    joiner = MemberFactory(stakeholder_class=staff, member_number=2, admitted_on=D(2025, 3, 1))
    MemberClassPeriod.objects.create(member=joiner, stakeholder_class=staff,
                                     started_on=D(2025, 3, 1))
    notice, = member_left_eligibility(actor=officer, member=leaver, left_on=D(2025, 3, 1),
                                      reason="left employment")
    sale_notice_transfer(actor=officer, notice=notice, to_member=joiner,
                         transferred_on=D(2025, 3, 25), minute_reference="BM 2025/3")
    assert Holding.objects.get(member=joiner).shares == 1
    leaver.refresh_from_db()
    assert leaver.cessation_reason == "shares_sold"
    transfer = ShareTransaction.objects.get(member=joiner, kind="transfer_in")
    assert transfer.consideration == Decimal("1.00")
    assert transfer.reference == "board minute BM 2025/3"


# --- Reversing a buy-back ---------------------------------------------------------------


def buy_back(officer, notice, on=None, minute="BM 2025/3"):
    """The share bought back at £1, on the day the notice has run unless `on` says."""
    return sale_notice_buy_back(actor=officer, notice=notice,
                                bought_back_on=on or notice.due_on,
                                price_per_share=Decimal("1.00"), minute_reference=minute)


def test_reversing_a_buy_back_reopens_the_notice_to_sell(cic):
    share, staff, officer = cic
    supporter = share_class_create(actor=officer, name="Supporter shares",
                                   par_value=Decimal("1.00"), carries_votes=False,
                                   votes_from=D(2020, 1, 1), withdrawable=False)
    staff.share_classes.add(supporter)
    member = staff_member(staff, share, officer, 1)
    share_allot(actor=officer, member=member, share_class=supporter, shares=10,
                allotted_on=JOINED, consideration=Decimal("10.00"))
    notice, = member_left_eligibility(actor=officer, member=member, left_on=D(2025, 3, 1),
                                      reason="left employment")
    buy_back(officer, notice)
    member.refresh_from_db()
    assert member.ceased_on is None  # they still hold supporter shares
    entry = ShareTransaction.objects.get(member=member, kind="buyback")

    reversal = ledger_reverse(actor=officer, entry=entry, reason="bought back too soon")
    assert (reversal.shares, reversal.reverses) == (1, entry)
    notice.refresh_from_db()
    assert (notice.status, notice.transaction, notice.completed_on) == (
        SaleNotice.Status.OPEN, None, None)
    assert Holding.objects.get(member=member, share_class=share).shares == 1
    assert AuditEvent.objects.filter(action="sale_notice.reopened").count() == 1
    # The reopened notice is completed again, as any open notice is.
    buy_back(officer, notice, on=D(2025, 3, 25), minute="BM 2025/4")
    notice.refresh_from_db()
    assert (notice.status, notice.completed_on) == (SaleNotice.Status.BOUGHT_BACK,
                                                    D(2025, 3, 25))
    assert Holding.objects.get(member=member, share_class=share).shares == 0


def test_reversing_the_buy_back_that_ended_a_membership_puts_the_member_back(cic):
    share, staff, officer = cic
    leaver = staff_member(staff, share, officer, 1)
    notice, = member_left_eligibility(actor=officer, member=leaver, left_on=D(2025, 3, 1),
                                      reason="left employment")
    buy_back(officer, notice)
    leaver.refresh_from_db()
    assert (leaver.ceased_on, leaver.cessation_reason) == (D(2025, 3, 22), "shares_sold")

    ledger_reverse(actor=officer, entry=ShareTransaction.objects.get(member=leaver,
                                                                     kind="buyback"),
                   reason="the share is to go to the new member of staff")
    leaver.refresh_from_db()
    assert (leaver.ceased_on, leaver.cessation_reason) == (None, "")
    assert leaver.class_periods.get().ended_on is None
    assert Holding.objects.get(member=leaver).shares == 1
    notice.refresh_from_db()
    assert notice.status == SaleNotice.Status.OPEN
    assert AuditEvent.objects.filter(action="member.cessation_reversed").count() == 1

    # The notice runs its course again: the share goes to the new member of staff.
    joiner = MemberFactory(stakeholder_class=staff, member_number=2, admitted_on=D(2025, 3, 1))
    MemberClassPeriod.objects.create(member=joiner, stakeholder_class=staff,
                                     started_on=D(2025, 3, 1))
    sale_notice_transfer(actor=officer, notice=notice, to_member=joiner,
                         transferred_on=D(2025, 3, 25), minute_reference="BM 2025/4")
    leaver.refresh_from_db()
    assert (leaver.ceased_on, leaver.cessation_reason) == (D(2025, 3, 25), "shares_sold")
    assert Holding.objects.get(member=joiner).shares == 1


def test_a_buy_back_is_not_reversed_onto_an_entry_whose_login_has_rejoined(cic):
    share, staff, officer = cic
    leaver = staff_member(staff, share, officer, 1)
    leaver.user = UserFactory()
    leaver.save(update_fields=["user"])
    notice, = member_left_eligibility(actor=officer, member=leaver, left_on=D(2025, 3, 1),
                                      reason="left employment")
    buy_back(officer, notice)
    rejoined = MemberFactory(stakeholder_class=staff, member_number=3, user=leaver.user,
                             admitted_on=D(2025, 4, 1))
    with pytest.raises(WrongState, match="member number 3"):
        ledger_reverse(actor=officer, entry=ShareTransaction.objects.get(member=leaver,
                                                                         kind="buyback"),
                       reason="in error")
    leaver.refresh_from_db()
    assert leaver.ceased_on == D(2025, 3, 22)
    assert Member.objects.get(pk=rejoined.pk).ceased_on is None
    notice.refresh_from_db()
    assert notice.status == SaleNotice.Status.BOUGHT_BACK
