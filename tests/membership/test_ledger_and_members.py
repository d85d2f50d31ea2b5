import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from governance.asset_lock import AssetLockViolation, asset_lock_check_share_payout
from governance.exceptions import DomainError
from membership.exceptions import HoldingLimitExceeded, NotEligible, WrongState
from membership.models import (
    CessationReason,
    Holding,
    ShareTransaction,
    WithdrawalStatus,
)
from membership.selectors import holdings_replayed
from membership.services.ledger import ledger_reverse, share_allot
from membership.services.members import member_cease, member_change_class
from membership.services.transfers import share_transfer
from membership.services.withdrawals import withdrawal_pay, withdrawal_request, withdrawals_pay
from tests.factories import ShareClassFactory, StakeholderClassFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def transferable(db, community):
    share_class = ShareClassFactory(code="transferable", name="Transferable shares",
                                    withdrawable=False, transferable=True, max_holding=50)
    community.share_classes.add(share_class)
    return share_class


def allot(officer, member, share_class, shares, on=None):
    on = on or D(2024, 2, 1)
    return share_allot(actor=officer, member=member, share_class=share_class, shares=shares,
                       allotted_on=on, consideration=share_class.par_value * shares)


def test_ledger_rows_cannot_be_changed_or_deleted(society, pounds, make_member, officer):
    entry = allot(officer, make_member(), pounds, 10)
    entry.note = "changed"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ShareTransaction.objects.filter(pk=entry.pk).update(shares=99)


def test_the_database_refuses_a_negative_holding(society, pounds, make_member):
    member = make_member()
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(member=member, share_class=pounds, shares=-1)


def test_a_mistake_is_corrected_by_a_reversing_entry(society, pounds, make_member, officer):
    member = make_member()
    wrong = allot(officer, member, pounds, 100)
    allot(officer, member, pounds, 10, on=D(2024, 3, 1))
    reversal = ledger_reverse(actor=officer, entry=wrong, reason="keyed 100 for 10")
    assert reversal.shares == -100 and reversal.reverses == wrong
    assert reversal.effective_on == wrong.effective_on
    assert Holding.objects.get(member=member).shares == 10
    assert ShareTransaction.objects.filter(member=member).count() == 3
    with pytest.raises(WrongState, match="already been reversed"):
        ledger_reverse(actor=officer, entry=wrong, reason="again")


def test_transfer_only_in_a_transferable_class(society, pounds, make_member, officer):
    giver, receiver = make_member(), make_member()
    allot(officer, giver, pounds, 10)
    with pytest.raises(NotEligible, match="cannot be transferred"):
        share_transfer(actor=officer, from_member=giver, to_member=receiver, share_class=pounds,
                       shares=5, transferred_on=D(2025, 1, 1))


def test_transfer_moves_shares_and_respects_the_receivers_limits(
        society, transferable, make_member, officer):
    giver, receiver = make_member(), make_member()
    allot(officer, giver, transferable, 40)
    allot(officer, receiver, transferable, 30)
    with pytest.raises(HoldingLimitExceeded, match="at most 50"):
        share_transfer(actor=officer, from_member=giver, to_member=receiver,
                       share_class=transferable, shares=25, transferred_on=D(2025, 1, 1))
    out, into = share_transfer(actor=officer, from_member=giver, to_member=receiver,
                               share_class=transferable, shares=20,
                               transferred_on=D(2025, 1, 1))
    assert (out.shares, into.shares) == (-20, 20)
    assert into.certificate_number is not None and out.counterparty == receiver
    assert Holding.objects.get(member=giver).shares == 20
    assert Holding.objects.get(member=receiver).shares == 50


def test_transfer_only_to_someone_eligible_to_hold_the_class(society, transferable,
                                                             make_member, officer):
    staff = StakeholderClassFactory(slug="staff", name="Staff")
    giver, receiver = make_member(), make_member(stakeholder_class=staff)
    allot(officer, giver, transferable, 10)
    with pytest.raises(NotEligible, match="Staff class cannot hold"):
        share_transfer(actor=officer, from_member=giver, to_member=receiver,
                       share_class=transferable, shares=5, transferred_on=D(2025, 1, 1))


def pay(officer, request, on):
    return withdrawal_pay(actor=officer, withdrawal=request, paid_on=on,
                          minute_reference="BM test")


def test_death_repays_withdrawable_shares_to_the_estate_through_the_queue(
        society, pounds, transferable, make_member, officer):
    member = make_member(date_of_birth=D(2012, 5, 1))  # under 16: the estate still gets paid
    allot(officer, member, pounds, 300)
    allot(officer, member, transferable, 5)
    member_cease(actor=officer, member=member, ceased_on=D(2025, 5, 1),
                 reason=CessationReason.DIED)
    member.refresh_from_db()
    assert member.ceased_on == D(2025, 5, 1)
    assert ShareTransaction.objects.get(member=member, kind="cancellation").shares == -5
    owed = member.withdrawals.get()
    assert (owed.shares, owed.reason, owed.eligible_on) == (300, "on_leaving", D(2025, 8, 1))
    assert owed.payee == f"the estate of {member.full_name}"
    assert member.class_periods.get().ended_on == D(2025, 5, 1)
    pay(officer, owed, D(2025, 8, 1))
    entry = ShareTransaction.objects.get(member=member, kind="withdrawal")
    assert entry.consideration == Decimal("300.00")
    assert entry.note == f"repaid to the estate of {member.full_name}"
    assert all(h.shares == 0 for h in member.holdings.all())


def test_expulsion_needs_the_decision_and_forfeits_non_withdrawable_shares(
        society, transferable, make_member, officer):
    member = make_member()
    allot(officer, member, transferable, 5)
    with pytest.raises(DomainError, match="decision to expel"):
        member_cease(actor=officer, member=member, ceased_on=D(2025, 5, 1),
                     reason=CessationReason.EXPELLED)
    member_cease(actor=officer, member=member, ceased_on=D(2025, 5, 1),
                 reason=CessationReason.EXPELLED, note="GM 2025/3 resolution 4")
    assert ShareTransaction.objects.get(member=member, kind="forfeiture").shares == -5


def test_withdrawing_everything_ends_the_membership(society, pounds, make_member, officer):
    member = make_member()
    allot(officer, member, pounds, 50)
    request = withdrawal_request(actor=officer, member=member, share_class=pounds, shares=50,
                                 requested_on=D(2025, 1, 6))
    pay(officer, request, D(2025, 4, 6))
    member.refresh_from_db()
    assert member.ceased_on == D(2025, 4, 6)
    assert member.cessation_reason == CessationReason.WITHDREW_ALL


def test_falling_below_the_minimum_ends_the_membership_when_the_rules_say_so(
        society, pounds, make_member, officer):
    pounds.min_holding = 10
    pounds.save()
    member = make_member()
    allot(officer, member, pounds, 15)
    request = withdrawal_request(actor=officer, member=member, share_class=pounds, shares=8,
                                 requested_on=D(2025, 1, 6))
    pay(officer, request, D(2025, 4, 6))
    member.refresh_from_db()
    assert member.cessation_reason == CessationReason.BELOW_MINIMUM
    # The 7 shares left are owed to the former member, through the queue.
    owed = member.withdrawals.get(reason="on_leaving")
    assert owed.shares == 7 and Holding.objects.get(member=member).shares == 7
    withdrawals_pay(actor=officer, paid_on=D(2025, 7, 6), solvency_confirmed=True,
                    minute_reference="BM 2025/7")
    assert Holding.objects.get(member=member).shares == 0


def test_on_leaving_a_waiting_withdrawal_keeps_its_place_and_the_rest_joins_the_queue(
        society, pounds, make_member, officer):
    member = make_member()
    allot(officer, member, pounds, 50)
    request = withdrawal_request(actor=officer, member=member, share_class=pounds, shares=20,
                                 requested_on=D(2025, 1, 6))
    member_cease(actor=officer, member=member, ceased_on=D(2025, 2, 1),
                 reason=CessationReason.RESIGNED)
    request.refresh_from_db()
    assert request.status == WithdrawalStatus.QUEUED
    rest = member.withdrawals.get(reason="on_leaving")
    assert (rest.shares, rest.requested_on, rest.eligible_on) == (30, D(2025, 2, 1),
                                                                 D(2025, 5, 1))


def test_class_change_is_dated_and_kept(society, pounds, make_member, officer):
    staff = StakeholderClassFactory(slug="staff", name="Staff")
    staff.share_classes.add(pounds)
    member = make_member(admitted_on=D(2020, 1, 1))
    member_change_class(actor=officer, member=member, stakeholder_class=staff,
                        changed_on=D(2023, 6, 1))
    periods = list(member.class_periods.order_by("started_on").values_list(
        "stakeholder_class__slug", "started_on", "ended_on"))
    assert periods == [("community", D(2020, 1, 1), D(2023, 6, 1)),
                       ("staff", D(2023, 6, 1), None)]
    with pytest.raises(DomainError, match="after 1 June 2023"):
        member_change_class(actor=officer, member=member,
                            stakeholder_class=member.class_periods.first().stakeholder_class,
                            changed_on=D(2023, 1, 1))


def test_asset_lock_refuses_a_payout_above_par(society, pounds):
    asset_lock_check_share_payout(organisation=society, share_class=pounds, shares=100,
                                  amount=Decimal("100.00"))
    with pytest.raises(AssetLockViolation, match="asset lock"):
        asset_lock_check_share_payout(organisation=society, share_class=pounds, shares=100,
                                      amount=Decimal("100.01"))


def test_cic_buys_back_at_no_more_than_paid_up(db, pounds):
    from governance.models import LegalForm, Organisation

    cic = Organisation.objects.create(name="Care CIC", legal_form=LegalForm.CIC_SHARES)
    with pytest.raises(AssetLockViolation):
        asset_lock_check_share_payout(organisation=cic, share_class=pounds, shares=1,
                                      amount=Decimal("1.50"))


def test_holdings_replay_matches_the_holding_rows(society, pounds, make_member, officer):
    member = make_member()
    allot(officer, member, pounds, 10)
    allot(officer, member, pounds, 5, on=D(2024, 6, 1))
    assert holdings_replayed(member=member) == {pounds.pk: (15, Decimal("15.00"))}
    assert holdings_replayed(member=member, on=D(2024, 3, 1)) == {pounds.pk: (10, Decimal("10.00"))}
