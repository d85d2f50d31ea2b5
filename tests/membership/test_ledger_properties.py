"""Property tests: whatever sequence of operations is tried, holdings equal the replayed
ledger and no limit is ever broken."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.exceptions import DomainError
from membership.models import CessationReason, Holding, Member, ShareClass, ShareTransaction
from membership.selectors import holdings_replayed
from membership.services.ledger import STATUTORY_WITHDRAWABLE_CAP, ledger_reverse, share_allot
from membership.services.members import member_cease
from membership.services.queue import queued_shares
from membership.services.transfers import share_transfer
from membership.services.withdrawals import withdrawal_request, withdrawals_pay
from tests.factories import ShareClassFactory

pytestmark = pytest.mark.django_db

member_index = st.integers(min_value=0, max_value=2)
# Days after 1 January 2025, in any order: later operations are often back-dated before
# earlier ones, which is what must never make the history contradict itself.
day = st.integers(min_value=0, max_value=60)
operation = st.one_of(
    st.tuples(st.just("allot"), member_index, st.sampled_from([0, 1]),
              st.sampled_from([1, 5, 40, 999, 20_000, 60_000, 99_999]), day),
    st.tuples(st.just("withdraw"), member_index, st.just(0),
              st.integers(min_value=1, max_value=70_000), day),
    st.tuples(st.just("pay"), st.just(0), st.just(0), st.sampled_from([None, 500, 5_000]),
              day),
    st.tuples(st.just("transfer"), member_index, member_index,
              st.integers(min_value=1, max_value=60), day),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30), st.just(0),
              st.just(0), day),
    st.tuples(st.just("cease"), member_index, st.just(0), st.just(0), day),
)
START = dt.date(2025, 1, 1)


def check_invariants():
    for member in Member.objects.all():
        replayed = holdings_replayed(member=member)
        for holding in Holding.objects.filter(member=member):
            shares, paid_up = replayed.get(holding.share_class_id, (0, Decimal("0")))
            assert (holding.shares, holding.paid_up) == (shares, paid_up)
        dates = sorted(set(member.transactions.values_list("effective_on", flat=True)))
        for on in dates:  # the register as at every date in the history
            as_at = holdings_replayed(member=member, on=on)
            withdrawable = Decimal("0")
            for share_class_id, (shares, paid_up) in as_at.items():
                share_class = ShareClass.objects.get(pk=share_class_id)
                assert shares >= 0, f"{member} held {shares} on {on}"
                assert share_class.max_holding is None or shares <= share_class.max_holding
                if share_class.withdrawable:
                    withdrawable += paid_up
            if not member.is_registered_society:
                assert withdrawable <= STATUTORY_WITHDRAWABLE_CAP
            assert on >= member.admitted_on
        if member.ceased_on is not None:
            # Nothing comes in after leaving; what is still held is owed, in the queue.
            assert not member.transactions.filter(effective_on__gt=member.ceased_on,
                                                  shares__gt=0, reverses__isnull=True
                                                  ).exists()
            for holding in Holding.objects.filter(member=member, shares__gt=0):
                assert holding.share_class.withdrawable
                assert queued_shares(member, holding.share_class) == holding.shares


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_of_operations_keeps_the_ledger_and_limits(
        operations, society, community, pounds, make_member, officer):
    pounds.max_holding = None  # only the statutory cap applies to the withdrawable class
    pounds.withdrawal_notice_months = 0
    pounds.save()
    transferable = ShareClassFactory(code="t", name="Transferable", withdrawable=False,
                                     transferable=True, max_holding=100)
    community.share_classes.add(transferable)
    share_classes = [pounds, transferable]
    with transaction.atomic():
        members = [make_member(member_number=9000 + i, admitted_on=START + dt.timedelta(i))
                   for i in range(3)]
        for kind, a, b, n, offset in operations:
            on = START + dt.timedelta(days=offset)
            try:
                if kind == "allot":
                    share_allot(actor=officer, member=members[a], share_class=share_classes[b],
                                shares=n, allotted_on=on, consideration=Decimal(n))
                elif kind == "withdraw":
                    withdrawal_request(actor=officer, member=members[a], share_class=pounds,
                                       shares=n, requested_on=on)
                elif kind == "pay":
                    withdrawals_pay(actor=officer, paid_on=on, solvency_confirmed=True,
                                    minute_reference="BM", limit=n and Decimal(n),
                                    mode="pro_rata" if n else "in_turn")
                elif kind == "transfer":
                    share_transfer(actor=officer, from_member=members[a], to_member=members[b],
                                   share_class=transferable, shares=n, transferred_on=on)
                elif kind == "reverse":
                    entries = list(ShareTransaction.objects.order_by("id"))
                    if entries:
                        ledger_reverse(actor=officer, entry=entries[a % len(entries)],
                                       reason="property test")
                else:
                    member_cease(actor=officer, member=members[a], ceased_on=on,
                                 reason=CessationReason.RESIGNED)
            except DomainError:
                pass  # a refusal must leave everything as it was: checked below
            for member in members:
                member.refresh_from_db()
            check_invariants()
        transaction.set_rollback(True)
