import datetime as dt
from decimal import Decimal

import pytest

from governance.exceptions import DomainError
from governance.models import AuditEvent
from membership.exceptions import AlreadyRecorded, HoldingLimitExceeded, NotEligible, WrongState
from membership.models import (
    ApplicationStatus,
    Counter,
    Member,
    PaymentMethod,
    ShareTransaction,
)
from membership.services import applications

pytestmark = pytest.mark.django_db

ALLOTTED_ON = dt.date(2025, 4, 10)


def apply(community, pounds, **overrides):
    data = dict(full_name="Jo Bloggs", address="3 Lane, Town", email="Jo@Example.org",
                stakeholder_class=community, share_class=pounds, shares=25,
                rules_accepted=True, data_use_accepted=True, risk_accepted=True)
    data.update(overrides)
    return applications.application_submit(**data)


def approve_and_pay(application, officer, amount=None):
    applications.application_confirm_email(token=application.email_token)
    application.refresh_from_db()
    applications.application_approve(actor=officer, application=application,
                                     decided_on=dt.date(2025, 4, 1), minute_reference="BM 25/4")
    applications.payment_record(actor=officer, application=application,
                                method=PaymentMethod.BANK_TRANSFER, reference="FPS 123",
                                amount=amount or application.amount_due,
                                received_on=dt.date(2025, 4, 2))
    application.refresh_from_db()
    return application


def test_the_whole_way_from_application_to_member(society, community, pounds, officer):
    application = apply(community, pounds)
    assert application.status == ApplicationStatus.AWAITING_EMAIL
    assert application.email == "jo@example.org"
    applications.application_confirm_email(token=application.email_token)
    again = applications.application_confirm_email(token=application.email_token)
    assert again.status == ApplicationStatus.SUBMITTED
    application = approve_and_pay(application, officer)
    member = applications.application_allot(actor=officer, application=application,
                                            allotted_on=ALLOTTED_ON)
    assert member.member_number == 1
    assert member.admitted_on == ALLOTTED_ON
    assert member.user.email == "jo@example.org"
    assert member.class_periods.get().stakeholder_class == community
    entry = ShareTransaction.objects.get(member=member)
    assert (entry.kind, entry.shares, entry.paid_up, entry.consideration) == (
        "allotment", 25, Decimal("25.00"), Decimal("25.00"))
    assert entry.certificate_number == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ALLOTTED and application.member == member
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"application.submitted", "application.email_confirmed", "application.approved",
            "payment.recorded", "member.admitted", "ledger.allotment"} <= actions


def test_payment_is_recorded_once(society, community, pounds, officer):
    application = approve_and_pay(apply(community, pounds), officer)
    with pytest.raises(AlreadyRecorded, match="already recorded"):
        applications.payment_record(actor=officer, application=application,
                                    method=PaymentMethod.BANK_TRANSFER, reference="FPS 123",
                                    amount=Decimal("25.00"), received_on=dt.date(2025, 4, 2))


def test_payment_must_equal_shares_times_price(society, community, pounds, officer):
    application = apply(community, pounds)
    applications.application_confirm_email(token=application.email_token)
    with pytest.raises(DomainError, match=r"must be £25.00 \(25 shares at £1.00\)"):
        applications.payment_record(actor=officer, application=application, method="cash",
                                    reference="R1", amount=Decimal("20.00"),
                                    received_on=dt.date(2025, 4, 2))


def test_a_refused_allotment_leaves_nothing_and_uses_no_member_number(
        society, community, pounds, officer, make_member):
    application = approve_and_pay(apply(community, pounds, shares=500), officer)
    pounds.max_holding = 100  # the rules changed after the application was approved
    pounds.save()
    counters = list(Counter.objects.values_list("name", "value"))
    with pytest.raises(HoldingLimitExceeded):
        applications.application_allot(actor=officer, application=application,
                                       allotted_on=ALLOTTED_ON)
    assert not Member.objects.exists()
    assert not ShareTransaction.objects.exists()
    assert list(Counter.objects.values_list("name", "value")) == counters
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    pounds.max_holding = 1000
    pounds.save()
    member = applications.application_allot(actor=officer, application=application,
                                            allotted_on=ALLOTTED_ON)
    assert member.member_number == 1


def test_shares_are_not_allotted_before_approval_or_payment(society, community, pounds,
                                                            officer):
    application = apply(community, pounds)
    applications.application_confirm_email(token=application.email_token)
    with pytest.raises(WrongState, match="approved"):
        applications.application_allot(actor=officer, application=application,
                                       allotted_on=ALLOTTED_ON)
    applications.application_approve(actor=officer, application=application,
                                     decided_on=dt.date(2025, 4, 1), minute_reference="BM 1")
    with pytest.raises(WrongState, match="Record the payment of £25.00"):
        applications.application_allot(actor=officer, application=application,
                                       allotted_on=ALLOTTED_ON)


def test_rejection_records_reason_and_refund(society, community, pounds, officer):
    application = apply(community, pounds)
    applications.application_confirm_email(token=application.email_token)
    applications.payment_record(actor=officer, application=application, method="cheque",
                                reference="000123", amount=Decimal("25.00"),
                                received_on=dt.date(2025, 4, 2))
    with pytest.raises(DomainError, match="record a refund of £25.00"):
        applications.application_reject(actor=officer, application=application,
                                        decided_on=dt.date(2025, 4, 5), minute_reference="BM 2",
                                        reason="Lives outside the area of benefit")
    rejected = applications.application_reject(
        actor=officer, application=application, decided_on=dt.date(2025, 4, 5),
        minute_reference="BM 2", reason="Lives outside the area of benefit",
        refund_amount=Decimal("25.00"))
    assert rejected.status == ApplicationStatus.REJECTED
    assert rejected.refunded_on == dt.date(2025, 4, 5)


def test_declarations_are_required(society, community, pounds):
    with pytest.raises(DomainError) as refused:
        apply(community, pounds, risk_accepted=False)
    assert refused.value.field == "risk_accepted"


def test_minimum_age_needs_a_date_of_birth(society, community, pounds):
    society.minimum_age = 16
    society.save()
    with pytest.raises(NotEligible, match="date of birth"):
        apply(community, pounds)
    with pytest.raises(NotEligible, match="at least 16"):
        twelve_years_ago = dt.date.today().replace(year=dt.date.today().year - 12)
        apply(community, pounds, date_of_birth=twelve_years_ago)


def test_share_class_must_be_open_to_the_stakeholder_class(society, community, officer):
    from tests.factories import ShareClassFactory

    investor_shares = ShareClassFactory(code="investor", name="Investor shares")
    with pytest.raises(NotEligible, match="cannot hold Investor shares"):
        apply(community, investor_shares)


def test_one_member_one_share(society, community, pounds, officer):
    pounds.max_holding = 1
    pounds.save()
    with pytest.raises(HoldingLimitExceeded, match="only one"):
        apply(community, pounds, shares=2)


def test_existing_member_buys_more_shares(society, community, pounds, officer, make_member):
    member = make_member()
    from membership.services.ledger import share_allot

    share_allot(actor=officer, member=member, share_class=pounds, shares=10,
                allotted_on=dt.date(2024, 2, 1), consideration=Decimal("10"))
    application = applications.application_for_more_shares(
        actor=officer, member=member, share_class=pounds, shares=15, risk_accepted=True)
    assert application.status == ApplicationStatus.SUBMITTED
    applications.application_approve(actor=officer, application=application,
                                     decided_on=dt.date(2025, 4, 1), minute_reference="BM 5")
    applications.payment_record(actor=officer, application=application, method="card",
                                reference="card-99", amount=Decimal("15.00"),
                                received_on=dt.date(2025, 4, 1))
    same = applications.application_allot(actor=officer, application=application,
                                          allotted_on=ALLOTTED_ON)
    assert same.pk == member.pk
    assert member.holdings.get().shares == 25
