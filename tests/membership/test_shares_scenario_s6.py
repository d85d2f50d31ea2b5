"""Scenario S6 of the governance rules: holdings and withdrawals in a society with £1
withdrawable shares and a rule cap of £100,000."""

import datetime as dt
from decimal import Decimal

import pytest

from membership.exceptions import HoldingLimitExceeded, WithdrawalRefused, WithdrawalsSuspended
from membership.models import Holding, ShareTransaction, WithdrawalStatus
from membership.services.classes import share_class_write_down
from membership.services.ledger import share_allot
from membership.services.withdrawals import (
    withdrawal_pay,
    withdrawal_request,
    withdrawals_pay,
)

pytestmark = pytest.mark.django_db


def holding(member, share_class):
    return Holding.objects.get(member=member, share_class=share_class)


def test_s6a_application_over_the_cap_is_refused_with_the_room_left(society, pounds, make_member,
                                                                    officer):
    member = make_member()
    share_allot(actor=officer, member=member, share_class=pounds, shares=99_500,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("99500"))
    rows_before = ShareTransaction.objects.count()
    with pytest.raises(HoldingLimitExceeded) as refused:
        share_allot(actor=officer, member=member, share_class=pounds, shares=1_000,
                    allotted_on=dt.date(2024, 3, 1), consideration=Decimal("1000"))
    assert str(refused.value) == ("You can hold at most £100,000.00 in withdrawable shares; "
                                  "you can apply for £500.00 more.")
    assert ShareTransaction.objects.count() == rows_before
    assert holding(member, pounds).shares == 99_500


def test_s6b_a_registered_society_member_is_not_capped(society, pounds, make_member, officer):
    pounds.max_holding = None
    pounds.save()
    member = make_member(kind="organisation", society_registration_number="RS007000",
                         registered_society_confirmed_on=dt.date(2024, 1, 20),
                         registered_society_minute="BM 2024/1")
    share_allot(actor=officer, member=member, share_class=pounds, shares=99_500,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("99500"))
    share_allot(actor=officer, member=member, share_class=pounds, shares=1_000,
                allotted_on=dt.date(2024, 3, 1), consideration=Decimal("1000"))
    assert holding(member, pounds).paid_up == Decimal("100500.00")


def test_s6c_withdrawal_of_more_than_is_held_is_refused(society, pounds, make_member, officer):
    member = make_member()
    share_allot(actor=officer, member=member, share_class=pounds, shares=3_000,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("3000"))
    with pytest.raises(WithdrawalRefused, match="at most 3,000"):
        withdrawal_request(actor=officer, member=member, share_class=pounds, shares=5_000,
                           requested_on=dt.date(2025, 3, 1))


def test_s6d_notice_period_and_suspension_queue_the_request_and_pay_nothing(
        society, pounds, make_member, officer):
    member = make_member()
    share_allot(actor=officer, member=member, share_class=pounds, shares=3_000,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("3000"))
    request = withdrawal_request(actor=officer, member=member, share_class=pounds,
                                 shares=2_000, requested_on=dt.date(2025, 3, 1))
    assert request.eligible_on == dt.date(2025, 6, 1)
    society.withdrawals_suspended = True
    society.save()
    with pytest.raises(WithdrawalsSuspended):
        withdrawal_pay(actor=officer, withdrawal=request, paid_on=dt.date(2025, 6, 2),
                       minute_reference="BM 2025/6")
    result = withdrawals_pay(actor=officer, paid_on=dt.date(2025, 6, 2),
                             solvency_confirmed=True, minute_reference="BM 2025/6")
    assert result.paid == [] and result.batch.total == Decimal("0")
    assert [(r.pk, why) for r, why in result.held_back] == [
        (request.pk, "withdrawals are suspended")]
    request.refresh_from_db()
    assert request.status == WithdrawalStatus.QUEUED and request.shares_paid == 0
    assert holding(member, pounds).shares == 3_000


def test_s6d_not_paid_before_the_notice_period_ends(society, pounds, make_member, officer):
    member = make_member()
    share_allot(actor=officer, member=member, share_class=pounds, shares=3_000,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("3000"))
    request = withdrawal_request(actor=officer, member=member, share_class=pounds,
                                 shares=2_000, requested_on=dt.date(2025, 3, 1))
    assert withdrawals_pay(actor=officer, paid_on=dt.date(2025, 5, 31),
                           solvency_confirmed=True, minute_reference="BM 1").paid == []
    paid = withdrawals_pay(actor=officer, paid_on=dt.date(2025, 6, 1),
                           solvency_confirmed=True, minute_reference="BM 2").paid
    assert [p.request_id for p in paid] == [request.pk]
    assert paid[0].amount == Decimal("2000.00")
    assert holding(member, pounds).shares == 1_000


def test_s6e_written_down_shares_are_repaid_at_the_lower_value(society, pounds, make_member,
                                                               officer):
    member = make_member()
    share_allot(actor=officer, member=member, share_class=pounds, shares=1_500,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("1500"))
    request = withdrawal_request(actor=officer, member=member, share_class=pounds,
                                 shares=1_000, requested_on=dt.date(2025, 3, 1))
    share_class_write_down(actor=officer, share_class=pounds, value_per_share=Decimal("0.80"),
                           resolved_on=dt.date(2025, 4, 1), minute_reference="BM 2025/4")
    paid = withdrawal_pay(actor=officer, withdrawal=request, paid_on=dt.date(2025, 6, 1),
                          minute_reference="BM 2025/6").payments.get()
    assert paid.amount == Decimal("800.00") and paid.value_per_share == Decimal("0.80")
    assert paid.transaction.consideration == Decimal("800.00")
    assert paid.transaction.paid_up == Decimal("-1000.00")  # the capital cancelled is at par


def test_s6f_a_fifteen_year_old_cannot_withdraw(society, pounds, make_member, officer):
    member = make_member(date_of_birth=dt.date(2010, 1, 1))
    share_allot(actor=officer, member=member, share_class=pounds, shares=10,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("10"))
    with pytest.raises(WithdrawalRefused, match="under 16"):
        withdrawal_request(actor=officer, member=member, share_class=pounds, shares=5,
                           requested_on=dt.date(2025, 3, 1))
