"""Faults found in review of the register, each as a test: leaving by the withdrawal rules,
the registered-society exception, dates that cannot contradict the ledger, reversals that
pass the checks of what they restore, and the smaller rule faults."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from governance.exceptions import DomainError
from governance.models import AssetLockDecision, AuditEvent
from membership.exceptions import HoldingLimitExceeded, WrongState
from membership.models import (
    ApplicationStatus,
    CessationReason,
    Holding,
    Member,
    MemberClassPeriod,
    PaymentMethod,
    ShareTransaction,
    WithdrawalBatch,
    WithdrawalPayment,
    WithdrawalStatus,
)
from membership.selectors import MemberStatus, member_status, register_page
from membership.services import applications
from membership.services.classes import share_class_write_down
from membership.services.ledger import ledger_post, ledger_reverse, share_allot
from membership.services.members import (
    member_cease,
    member_change_class,
    member_confirm_registered_society,
)
from membership.services.withdrawals import (
    withdrawal_pay,
    withdrawal_request,
    withdrawals_pay,
)
from tests.factories import ShareClassFactory, StakeholderClassFactory

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 9, 1)


@pytest.fixture(autouse=True)
def _today():
    """A fixed "today", so that "not in the future" means the same on every run."""
    with time_machine.travel(dt.datetime(2025, 9, 1, 12, 0), tick=False):
        yield


def allot(officer, member, share_class, shares, on):
    return share_allot(actor=officer, member=member, share_class=share_class, shares=shares,
                       allotted_on=on, consideration=share_class.par_value * shares)


def pay_all(officer, on, **options):
    return withdrawals_pay(actor=officer, paid_on=on, solvency_confirmed=True,
                           minute_reference="BM test", **options)


# --- 3. Leaving follows the withdrawal rules ----------------------------------------


def test_leaving_queues_the_repayment_and_the_suspension_holds_it(society, pounds,
                                                                  make_member, officer):
    member = make_member()
    allot(officer, member, pounds, 500, D(2024, 2, 1))
    society.withdrawals_suspended = True
    society.save()
    member_cease(actor=officer, member=member, ceased_on=D(2025, 3, 1),
                 reason=CessationReason.RESIGNED)
    member.refresh_from_db()
    owed = member.withdrawals.get()
    assert (owed.reason, owed.shares, owed.status) == ("on_leaving", 500, "queued")
    assert member_status(member) == MemberStatus.REPAYMENT_PENDING
    assert Holding.objects.get(member=member).shares == 500
    # Before the notice period ends, nothing is due; after it, the suspension holds it.
    assert pay_all(officer, D(2025, 5, 31)).paid == []
    result = pay_all(officer, D(2025, 6, 2))
    assert result.paid == [] and result.held_back[0][1] == "withdrawals are suspended"
    with pytest.raises(WrongState, match="solvent"):
        withdrawals_pay(actor=officer, paid_on=D(2025, 6, 2), solvency_confirmed=False,
                        minute_reference="BM 1")
    society.withdrawals_suspended = False
    society.save()
    pay_all(officer, D(2025, 6, 2))
    member.refresh_from_db()
    assert member_status(member) == MemberStatus.CEASED
    # The register and the ledger agree throughout.
    on = {d: register_page(on=d, status="ceased")[0].shares
          for d in (D(2025, 3, 1), D(2025, 6, 1), D(2025, 6, 2))}
    assert on == {D(2025, 3, 1): 500, D(2025, 6, 1): 500, D(2025, 6, 2): 0}


def test_repayments_on_leaving_are_paid_in_queue_order(society, pounds, make_member, officer):
    first, second = make_member(), make_member()
    for member in (first, second):
        allot(officer, member, pounds, 100, D(2024, 2, 1))
    request = withdrawal_request(actor=officer, member=first, share_class=pounds, shares=100,
                                 requested_on=D(2025, 1, 2))
    member_cease(actor=officer, member=second, ceased_on=D(2025, 1, 1),
                 reason=CessationReason.RESIGNED)
    # Room for one of the two: the one who asked first is paid.
    result = pay_all(officer, D(2025, 5, 1), limit=Decimal("150"))
    assert [p.request_id for p in result.paid] == [second.withdrawals.get().pk]
    request.refresh_from_db()
    assert request.status == WithdrawalStatus.QUEUED


def test_an_under_16_member_can_resign_and_be_expelled_but_is_paid_only_at_16(
        society, pounds, make_member, officer):
    young = make_member(date_of_birth=D(2009, 6, 1))
    allot(officer, young, pounds, 20, D(2024, 2, 1))
    member_cease(actor=officer, member=young, ceased_on=D(2025, 1, 1),
                 reason=CessationReason.RESIGNED)
    result = pay_all(officer, D(2025, 5, 1))
    assert result.paid == [] and "under 16" in result.held_back[0][1]
    assert [p.shares for p in pay_all(officer, D(2025, 6, 1)).paid] == [20]  # now 16
    expelled = make_member(date_of_birth=D(2011, 1, 1))
    member_cease(actor=officer, member=expelled, ceased_on=D(2025, 2, 1),
                 reason=CessationReason.EXPELLED, note="GM 2025/2 resolution 3")
    assert Member.objects.get(pk=expelled.pk).ceased_on == D(2025, 2, 1)


# --- 4. The registered-society exception --------------------------------------------


def claim(community, pounds, **overrides):
    data = dict(full_name="Other Co-op Ltd", address="1 Lane", email="coop@example.org",
                stakeholder_class=community, share_class=pounds, shares=150_000,
                rules_accepted=True, data_use_accepted=True, risk_accepted=True)
    data.update(overrides)
    return applications.application_submit(**data)


def test_an_individual_cannot_claim_to_be_a_registered_society(society, community, pounds):
    with pytest.raises(DomainError, match="Only an organisation") as refused:
        claim(community, pounds, kind="person", is_registered_society=True,
              society_registration_number="RS1")
    assert refused.value.field == "is_registered_society"
    with pytest.raises(DomainError, match="registration number"):
        claim(community, pounds, kind="organisation", is_registered_society=True)


def test_a_claimed_registered_society_is_capped_until_the_board_confirms_it(
        society, community, pounds, officer):
    pounds.max_holding = None
    pounds.save()
    application = claim(community, pounds, kind="organisation", is_registered_society=True,
                        society_registration_number="RS007000")
    applications.application_confirm_email(token=application.email_token)
    with pytest.raises(HoldingLimitExceeded, match="£100,000"):
        applications.application_approve(actor=officer, application=application,
                                         decided_on=D(2025, 4, 1), minute_reference="BM 1")
    applications.application_approve(actor=officer, application=application,
                                     decided_on=D(2025, 4, 1), minute_reference="BM 1",
                                     registered_society_confirmed=True)
    applications.payment_record(actor=officer, application=application,
                                method=PaymentMethod.BANK_TRANSFER, reference="FPS",
                                amount=Decimal("150000"), received_on=D(2025, 4, 2))
    member = applications.application_allot(actor=officer, application=application,
                                            allotted_on=D(2025, 4, 3))
    assert member.is_registered_society and member.society_registration_number == "RS007000"
    assert Holding.objects.get(member=member).shares == 150_000


def test_the_database_refuses_an_individual_registered_society(society, make_member):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(kind="person", society_registration_number="RS1",
                    registered_society_confirmed_on=D(2025, 1, 1))


def test_the_board_confirms_an_organisation_member(society, pounds, make_member, officer):
    person = make_member()
    with pytest.raises(DomainError, match="individual"):
        member_confirm_registered_society(actor=officer, member=person,
                                          registration_number="RS1",
                                          confirmed_on=D(2025, 1, 1), minute_reference="BM")
    organisation = make_member(kind="organisation")
    member_confirm_registered_society(actor=officer, member=organisation,
                                      registration_number="RS2", confirmed_on=D(2025, 1, 1),
                                      minute_reference="BM 2025/1")
    assert Member.objects.get(pk=organisation.pk).is_registered_society


# --- 5. Dates that cannot contradict the ledger -------------------------------------


def test_a_cessation_cannot_be_dated_before_a_later_allotment(society, pounds, make_member,
                                                               officer):
    member = make_member(admitted_on=D(2024, 1, 15))
    allot(officer, member, pounds, 50, D(2024, 1, 15))
    allot(officer, member, pounds, 50, D(2024, 6, 1))
    with pytest.raises(DomainError, match="last entry in the share ledger") as refused:
        member_cease(actor=officer, member=member, ceased_on=D(2024, 3, 1),
                     reason=CessationReason.RESIGNED)
    assert refused.value.field == "ceased_on"
    # Nothing anywhere in the history is negative.
    for day in (D(2024, 3, 1), D(2024, 5, 1), D(2024, 7, 1)):
        assert all(row.shares >= 0 for row in register_page(on=day, status="all"))


def back_dated_withdrawal(officer, member, share_class, shares, on):
    with transaction.atomic():
        return ledger_post(member=member, share_class=share_class, kind="withdrawal",
                           shares=-shares, effective_on=on, actor=officer)


def test_a_back_dated_movement_cannot_take_shares_that_a_later_entry_relied_on(
        society, pounds, make_member, officer):
    member = make_member(admitted_on=D(2024, 1, 15))
    allot(officer, member, pounds, 100, D(2024, 6, 1))
    with pytest.raises(WrongState, match="held only 0"):
        back_dated_withdrawal(officer, member, pounds, 100, D(2024, 3, 1))
    back_dated_withdrawal(officer, member, pounds, 50, D(2024, 8, 1))
    with pytest.raises(WrongState, match="later entries rely on 50") as refused:
        back_dated_withdrawal(officer, member, pounds, 80, D(2024, 7, 1))
    assert refused.value.field == "effective_on"
    assert ShareTransaction.objects.filter(member=member).count() == 2


def test_an_allotment_and_a_withdrawal_request_cannot_precede_admission(
        society, pounds, make_member, officer):
    member = make_member(admitted_on=D(2024, 6, 1))
    with pytest.raises(DomainError, match="admitted on 1 June 2024") as refused:
        allot(officer, member, pounds, 10, D(2024, 5, 1))
    assert refused.value.field == "allotted_on"
    allot(officer, member, pounds, 10, D(2024, 6, 1))
    with pytest.raises(DomainError, match="admitted on 1 June 2024"):
        withdrawal_request(actor=officer, member=member, share_class=pounds, shares=5,
                           requested_on=D(2024, 5, 1))


def test_a_cessation_in_the_future_is_refused_and_the_member_keeps_their_role(
        society, pounds, make_member, officer):
    member = make_member()
    with pytest.raises(DomainError, match="cannot be dated in the future") as refused:
        member_cease(actor=officer, member=member, ceased_on=TODAY + dt.timedelta(days=30),
                     reason=CessationReason.RESIGNED)
    assert refused.value.field == "ceased_on"
    assert Member.objects.get(pk=member.pk).ceased_on is None


def test_a_class_change_in_the_future_is_refused(society, pounds, make_member, officer):
    staff = StakeholderClassFactory(slug="staff", name="Staff")
    staff.share_classes.add(pounds)
    member = make_member()
    with pytest.raises(DomainError, match="cannot be dated in the future"):
        member_change_class(actor=officer, member=member, stakeholder_class=staff,
                            changed_on=TODAY + dt.timedelta(days=1))
    assert Member.objects.get(pk=member.pk).stakeholder_class.slug == "community"


def test_class_periods_cannot_overlap_in_the_database(society, make_member):
    member = make_member(admitted_on=D(2024, 1, 1))  # open period from 2024-01-01
    MemberClassPeriod.objects.filter(member=member).update(ended_on=D(2024, 6, 1))
    other = StakeholderClassFactory(slug="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberClassPeriod.objects.create(member=member, stakeholder_class=other,
                                         started_on=D(2024, 3, 1), ended_on=D(2024, 9, 1))
    MemberClassPeriod.objects.create(member=member, stakeholder_class=other,
                                     started_on=D(2024, 6, 1))  # touching is fine


# --- 6. Reversals pass the checks of what they restore -------------------------------


def test_reversing_a_withdrawal_respects_the_class_maximum_and_requeues_the_request(
        society, pounds, make_member, officer):
    pounds.max_holding = 100
    pounds.save()
    member = make_member()
    allot(officer, member, pounds, 100, D(2024, 2, 1))
    request = withdrawal_request(actor=officer, member=member, share_class=pounds, shares=60,
                                 requested_on=D(2024, 3, 1))
    withdrawal_pay(actor=officer, withdrawal=request, paid_on=D(2024, 6, 1),
                   minute_reference="BM 6")
    payment = request.payments.get()
    allot(officer, member, pounds, 60, D(2024, 7, 1))  # back at the maximum
    with pytest.raises(HoldingLimitExceeded, match="at most 100"):
        ledger_reverse(actor=officer, entry=payment.transaction, reason="paid in error")
    request.refresh_from_db()
    assert request.status == WithdrawalStatus.PAID
    # With room again, the reversal goes through and puts the request back in the queue.
    later = withdrawal_request(actor=officer, member=member, share_class=pounds, shares=60,
                               requested_on=D(2024, 8, 1))
    withdrawal_pay(actor=officer, withdrawal=later, paid_on=D(2024, 11, 1),
                   minute_reference="BM 11")
    ledger_reverse(actor=officer, entry=payment.transaction, reason="paid in error",
                   reversed_on=D(2024, 11, 2))
    request.refresh_from_db()
    assert (request.status, request.shares_paid) == (WithdrawalStatus.QUEUED, 0)


def test_reversing_a_withdrawal_respects_the_statutory_cap(society, pounds, make_member,
                                                             officer):
    pounds.max_holding = None
    pounds.save()
    member = make_member()
    allot(officer, member, pounds, 60_000, D(2024, 2, 1))
    request = withdrawal_request(actor=officer, member=member, share_class=pounds,
                                 shares=50_000, requested_on=D(2024, 3, 1))
    withdrawal_pay(actor=officer, withdrawal=request, paid_on=D(2024, 6, 1),
                   minute_reference="BM 6")
    allot(officer, member, pounds, 50_000, D(2024, 7, 1))
    with pytest.raises(HoldingLimitExceeded, match="£100,000"):
        ledger_reverse(actor=officer, entry=request.payments.get().transaction,
                       reason="paid in error")


def test_reversing_an_allotment_sends_the_application_back_to_approved(
        society, community, pounds, officer):
    application = applications.application_submit(
        full_name="Jo Bloggs", address="3 Lane", email="jo@example.org",
        stakeholder_class=community, share_class=pounds, shares=25, rules_accepted=True,
        data_use_accepted=True, risk_accepted=True)
    applications.application_confirm_email(token=application.email_token)
    applications.application_approve(actor=officer, application=application,
                                     decided_on=D(2025, 4, 1), minute_reference="BM 1")
    applications.payment_record(actor=officer, application=application,
                                method=PaymentMethod.CASH, reference="R1",
                                amount=Decimal("25"), received_on=D(2025, 4, 1))
    member = applications.application_allot(actor=officer, application=application,
                                            allotted_on=D(2025, 4, 2))
    application.refresh_from_db()
    ledger_reverse(actor=officer, entry=application.allotment, reason="wrong class")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.allotment is None
    applications.application_allot(actor=officer, application=application,
                                   allotted_on=D(2025, 4, 3))
    assert Holding.objects.get(member=member).shares == 25


def cancel(officer, member, share_class, shares, on):
    """Cancel some of a current member's shares with an entry on the ledger."""
    with transaction.atomic():
        return ledger_post(member=member, share_class=share_class, kind="cancellation",
                           shares=-shares, effective_on=on, actor=officer)


def test_reversing_a_cancellation_respects_the_class_maximum(society, pounds, make_member,
                                                             officer):
    pounds.max_holding = 100
    pounds.save()
    member = make_member()
    allot(officer, member, pounds, 100, D(2024, 2, 1))
    cancelled = cancel(officer, member, pounds, 60, D(2024, 3, 1))
    allot(officer, member, pounds, 60, D(2024, 4, 1))  # back at the maximum
    with pytest.raises(HoldingLimitExceeded, match="at most 100"):
        ledger_reverse(actor=officer, entry=cancelled, reason="cancelled in error")
    assert Holding.objects.get(member=member).shares == 100
    assert not ShareTransaction.objects.filter(reverses=cancelled).exists()
    # With room again, the reversal goes through.
    cancel(officer, member, pounds, 60, D(2024, 5, 1))
    reversal = ledger_reverse(actor=officer, entry=cancelled, reason="cancelled in error",
                              reversed_on=D(2024, 5, 2))
    assert (reversal.shares, reversal.effective_on) == (60, D(2024, 5, 2))
    assert Holding.objects.get(member=member).shares == 100


def test_reversing_a_cancellation_respects_the_statutory_cap(society, pounds, make_member,
                                                               officer):
    pounds.max_holding = None
    pounds.save()
    member = make_member()
    allot(officer, member, pounds, 60_000, D(2024, 2, 1))
    cancelled = cancel(officer, member, pounds, 50_000, D(2024, 3, 1))
    allot(officer, member, pounds, 50_000, D(2024, 7, 1))
    with pytest.raises(HoldingLimitExceeded, match="£100,000"):
        ledger_reverse(actor=officer, entry=cancelled, reason="cancelled in error")
    assert Holding.objects.get(member=member).shares == 60_000


def test_the_cancellation_made_when_a_member_left_is_not_reversed_while_they_are_gone(
        society, community, make_member, officer):
    fixed = ShareClassFactory(code="fixed", name="Fixed shares", withdrawable=False,
                              transferable=True, max_holding=50)
    community.share_classes.add(fixed)
    member = make_member()
    allot(officer, member, fixed, 5, D(2024, 2, 1))
    member_cease(actor=officer, member=member, ceased_on=D(2025, 1, 1),
                 reason=CessationReason.RESIGNED)
    cancelled = ShareTransaction.objects.get(member=member, kind="cancellation")
    with pytest.raises(WrongState, match="no longer a member"):
        ledger_reverse(actor=officer, entry=cancelled, reason="left in error")
    assert Holding.objects.get(member=member, share_class=fixed).shares == 0


# --- 7. Smaller rule faults ----------------------------------------------------------


def test_a_write_down_is_a_resolution_and_never_negative(society, pounds, officer):
    with pytest.raises(DomainError, match="below £0"):
        share_class_write_down(actor=officer, share_class=pounds,
                               value_per_share=Decimal("-0.10"), resolved_on=D(2025, 1, 1),
                               minute_reference="BM 1")
    with pytest.raises(DomainError, match="minute reference"):
        share_class_write_down(actor=officer, share_class=pounds,
                               value_per_share=Decimal("0.50"), resolved_on=D(2025, 1, 1),
                               minute_reference="")
    with pytest.raises(DomainError, match="never repaid above par"):
        share_class_write_down(actor=officer, share_class=pounds,
                               value_per_share=Decimal("1.20"), resolved_on=D(2025, 1, 1),
                               minute_reference="BM 1")
    share_class_write_down(actor=officer, share_class=pounds, value_per_share=Decimal("0.50"),
                           resolved_on=D(2025, 1, 1), minute_reference="BM 2025/1")
    assert pounds.payout_per_share(D(2024, 12, 31)) == Decimal("1.00")
    assert pounds.payout_per_share(D(2025, 1, 1)) == Decimal("0.50")


def test_the_solvency_minute_is_kept_with_the_batch(society, pounds, make_member, officer):
    member = make_member()
    allot(officer, member, pounds, 100, D(2024, 2, 1))
    withdrawal_request(actor=officer, member=member, share_class=pounds, shares=40,
                       requested_on=D(2024, 3, 1))
    with pytest.raises(DomainError, match="minute reference") as refused:
        withdrawals_pay(actor=officer, paid_on=D(2024, 6, 1), solvency_confirmed=True,
                        minute_reference=" ")
    assert refused.value.field == "minute_reference"
    result = withdrawals_pay(actor=officer, paid_on=D(2024, 6, 1), solvency_confirmed=True,
                             minute_reference="BM 2024/6 item 4")
    assert result.batch.minute_reference == "BM 2024/6 item 4"
    event = AuditEvent.objects.get(action="withdrawal.batch_paid")
    assert event.changes["minute_reference"] == "BM 2024/6 item 4"


def test_a_pro_rata_payment_pays_every_due_request_the_same_share(society, pounds,
                                                                    make_member, officer):
    a, b = make_member(), make_member()
    allot(officer, a, pounds, 1000, D(2024, 2, 1))
    allot(officer, b, pounds, 1000, D(2024, 2, 1))
    ra = withdrawal_request(actor=officer, member=a, share_class=pounds, shares=600,
                            requested_on=D(2024, 3, 1))
    rb = withdrawal_request(actor=officer, member=b, share_class=pounds, shares=200,
                            requested_on=D(2024, 3, 2))
    result = pay_all(officer, D(2024, 6, 2), mode=WithdrawalBatch.Mode.PRO_RATA,
                     limit=Decimal("400"))
    assert sorted((p.request_id, p.shares) for p in result.paid) == [(ra.pk, 300), (rb.pk, 100)]
    ra.refresh_from_db()
    assert (ra.status, ra.shares_paid, ra.shares_outstanding) == ("queued", 300, 300)
    # The rest is paid later, in full.
    result = pay_all(officer, D(2024, 7, 1))
    assert sorted(p.shares for p in result.paid) == [100, 300]
    ra.refresh_from_db()
    assert ra.status == WithdrawalStatus.PAID


# --- 8. A batch of payments is all or nothing ---------------------------------------


def test_a_refusal_half_way_through_a_batch_leaves_nothing_of_it(society, pounds, make_member,
                                                                 officer):
    staff = StakeholderClassFactory(slug="staff", name="Staff")
    staff.share_classes.add(pounds)
    first, second = make_member(), make_member()
    for member in (first, second):
        allot(officer, member, pounds, 100, D(2024, 2, 1))
    first_request = withdrawal_request(actor=officer, member=first, share_class=pounds,
                                       shares=40, requested_on=D(2024, 3, 1))
    withdrawal_request(actor=officer, member=second, share_class=pounds, shares=100,
                       requested_on=D(2024, 3, 2))
    # The second member moves class on 1 August; paying all their shares on 1 July would
    # end their membership before that move, which the register refuses. The first
    # request is paid before the second is reached.
    member_change_class(actor=officer, member=second, stakeholder_class=staff,
                        changed_on=D(2024, 8, 1))
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="start of the member's current class"):
        pay_all(officer, D(2024, 7, 1))
    assert not WithdrawalBatch.objects.exists()
    assert not WithdrawalPayment.objects.exists()
    assert not ShareTransaction.objects.filter(kind="withdrawal").exists()
    assert not AssetLockDecision.objects.exists()
    assert AuditEvent.objects.count() == audit_rows
    assert not AuditEvent.objects.filter(action__in=["withdrawal.paid",
                                                     "withdrawal.batch_paid"]).exists()
    first_request.refresh_from_db()
    assert (first_request.status, first_request.shares_paid) == (WithdrawalStatus.QUEUED, 0)
    assert Holding.objects.get(member=first).shares == 100
    assert not Member.objects.filter(ceased_on__isnull=False).exists()

    # Paid on a date the register allows, the whole batch goes through, once.
    result = pay_all(officer, D(2024, 8, 1))
    assert sorted(p.shares for p in result.paid) == [40, 100]
    assert WithdrawalBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="withdrawal.batch_paid").count() == 1
    assert Member.objects.get(pk=second.pk).ceased_on == D(2024, 8, 1)


# --- 9. Privacy ---------------------------------------------------------------------


def test_members_search_the_register_by_name_or_number_never_by_email(
        client, users, society, make_member):
    other = make_member(full_name="Zed Quinn", email="zed.quinn@example.org")
    client.force_login(users["member"])
    page = client.get(reverse("membership:members_register"), {"q": "zed.quinn@example.org"})
    assert "Zed Quinn" not in page.content.decode()
    page = client.get(reverse("membership:members_register"), {"q": "Quinn"})
    assert "Zed Quinn" in page.content.decode()
    page = client.get(reverse("membership:members_register"), {"q": str(other.member_number)})
    assert "Zed Quinn" in page.content.decode()


# --- 10. Rejoining -----------------------------------------------------------------


def test_a_former_member_can_rejoin_with_a_new_entry_and_the_same_login(
        society, community, pounds, officer):
    def join(on):
        application = applications.application_submit(
            full_name="Jo Bloggs", address="3 Lane", email="jo@example.org",
            stakeholder_class=community, share_class=pounds, shares=10, rules_accepted=True,
            data_use_accepted=True, risk_accepted=True)
        applications.application_confirm_email(token=application.email_token)
        applications.application_approve(actor=officer, application=application,
                                         decided_on=on, minute_reference="BM")
        applications.payment_record(actor=officer, application=application,
                                    method=PaymentMethod.CASH, reference=f"R{on}",
                                    amount=Decimal("10"), received_on=on)
        return applications.application_allot(actor=officer, application=application,
                                               allotted_on=on)

    first = join(D(2023, 1, 10))
    member_cease(actor=officer, member=first, ceased_on=D(2024, 1, 10),
                 reason=CessationReason.RESIGNED)
    second = join(D(2025, 2, 1))
    assert second.pk != first.pk and second.member_number > first.member_number
    assert second.user_id == first.user_id
    assert Member.objects.get(pk=first.pk).ceased_on == D(2024, 1, 10)  # history kept
    assert ShareTransaction.objects.filter(member=first).exists()
