"""Property tests: whatever sequence of operations is tried, holdings equal the replayed
ledger and no limit is ever broken."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.exceptions import DomainError
from membership.models import CessationReason, Holding, Member, ShareTransaction
from membership.selectors import holdings_replayed
from membership.services.ledger import (
    STATUTORY_WITHDRAWABLE_CAP,
    ledger_reverse,
    share_allot,
    share_transfer,
)
from membership.services.members import member_cease
from membership.services.withdrawals import withdrawal_pay, withdrawal_request
from tests.factories import ShareClassFactory

pytestmark = pytest.mark.django_db

member_index = st.integers(min_value=0, max_value=2)
operation = st.one_of(
    st.tuples(st.just("allot"), member_index, st.sampled_from([0, 1]),
              st.sampled_from([1, 5, 40, 999, 20_000, 60_000, 99_999])),
    st.tuples(st.just("withdraw"), member_index, st.just(0),
              st.integers(min_value=1, max_value=70_000)),
    st.tuples(st.just("transfer"), member_index, member_index,
              st.integers(min_value=1, max_value=60)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30), st.just(0),
              st.just(0)),
    st.tuples(st.just("cease"), member_index, st.just(0), st.just(0)),
)


def check_invariants(share_classes):
    for member in Member.objects.all():
        replayed = holdings_replayed(member=member)
        for holding in Holding.objects.filter(member=member):
            shares, paid_up = replayed.get(holding.share_class_id, (0, Decimal("0")))
            assert (holding.shares, holding.paid_up) == (shares, paid_up)
            assert holding.shares >= 0
            limit = holding.share_class.max_holding
            assert limit is None or holding.shares <= limit
        withdrawable = sum((h.paid_up for h in Holding.objects.filter(
            member=member, share_class__withdrawable=True)), Decimal("0"))
        if not member.is_registered_society:
            assert withdrawable <= STATUTORY_WITHDRAWABLE_CAP
        if member.ceased_on is not None:
            assert all(h.shares == 0 for h in Holding.objects.filter(member=member))


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
        members = [make_member(member_number=9000 + i) for i in range(3)]
        day = dt.date(2025, 1, 1)
        for step, (kind, a, b, n) in enumerate(operations):
            on = day + dt.timedelta(days=step)
            try:
                if kind == "allot":
                    share_allot(actor=officer, member=members[a], share_class=share_classes[b],
                                shares=n, allotted_on=on, consideration=Decimal(n))
                elif kind == "withdraw":
                    request = withdrawal_request(actor=officer, member=members[a],
                                                 share_class=pounds, shares=n, requested_on=on)
                    withdrawal_pay(actor=officer, withdrawal=request, paid_on=on)
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
            check_invariants(share_classes)
        transaction.set_rollback(True)
