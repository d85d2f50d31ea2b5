"""The asset-lock gate: scenarios S9 (CIC dividend cap) and S10 (a CBS with the statutory
lock), the other kinds of event, every decision recorded and audited, and the board's
pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from governance.asset_lock import asset_lock_decide
from governance.models import AssetLock, AssetLockDecision, AuditEvent, LegalForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def cic(organisation):
    organisation.legal_form = LegalForm.CIC_SHARES
    organisation.asset_lock = AssetLock.CIC
    organisation.save()
    return organisation


@pytest.fixture
def cbs(organisation):
    organisation.asset_lock = AssetLock.STATUTORY
    organisation.save()
    return organisation


def decide(kind, organisation, **facts):
    return asset_lock_decide(kind, organisation=organisation, proposed_by=None, facts=facts)


# --- S9: a CIC's dividend --------------------------------------------------------------


def dividend(cic, amount, approved_by="ordinary", declared_on=dt.date(2025, 6, 20), **more):
    return decide("dividend", cic, amount=Decimal(amount), declared_on=declared_on,
                  distributable_profits=Decimal("200000"), approved_by=approved_by, **more)


def test_s9_a_dividend_above_35_percent_of_distributable_profits_is_blocked(cic):
    blocked = dividend(cic, "80000")
    assert not blocked.allowed and blocked.basis == "above the 35% cap"
    assert "£70,000.00" in blocked.reason and "SI 2014/2483" in blocked.citation
    allowed = dividend(cic, "70000")
    assert allowed.allowed and "approved by the members" in allowed.reason


def test_s9_a_board_decision_alone_is_blocked(cic):
    blocked = dividend(cic, "70000", approved_by="board")
    assert not blocked.allowed and blocked.basis == "no members' resolution"


def test_s9_before_october_2014_the_per_share_cap_applies_too(cic):
    early = dt.date(2014, 9, 15)
    blocked = dividend(cic, "50000", declared_on=early, amount_per_share=Decimal("0.25"),
                       paid_up_per_share=Decimal("1.00"))
    assert not blocked.allowed and blocked.basis == "above the per-share cap"
    allowed = dividend(cic, "50000", declared_on=early, amount_per_share=Decimal("0.20"),
                       paid_up_per_share=Decimal("1.00"))
    assert allowed.allowed


def test_dividends_already_declared_count_towards_the_cap(cic):
    assert not dividend(cic, "30000", already_declared=Decimal("50000")).allowed
    assert dividend(cic, "20000", already_declared=Decimal("50000")).allowed


# --- S10: a CBS with the statutory lock --------------------------------------------------


def test_s10a_deleting_the_restriction_on_use_is_ineffective(cbs):
    decision = decide("amendment", cbs, description="Delete rule 4 (restriction on use)",
                      clauses=["asset_lock"])
    assert not decision.allowed and decision.basis == "ineffective under the statutory lock"
    assert "not forwarded for registration" in decision.reason
    assert "SI 2006/264" in decision.citation


def test_s10b_and_c_the_building_for_1_pound_to_a_company_or_to_a_charity(cbs):
    building = {"description": "The community centre", "market_value": Decimal("450000"),
                "consideration": Decimal("1")}
    to_company = decide("asset_transfer", cbs, recipient="Property Ltd", **building)
    assert not to_company.allowed
    to_charity = decide("asset_transfer", cbs, recipient="Village Trust",
                        recipient_kind="charity", recipient_number="1234567", **building)
    assert to_charity.allowed and "1234567" in to_charity.reason
    assert to_charity.facts["recipient_number"] == "1234567"
    no_number = decide("asset_transfer", cbs, recipient="Village Trust",
                       recipient_kind="charity", **building)
    assert not no_number.allowed and no_number.basis == "recipient not identified"


def test_s10d_on_dissolution_members_get_no_more_than_paid_up(cbs):
    split = decide("dissolution", cbs, to_members=Decimal("62000"),
                   paid_up_value=Decimal("12000"), residual=Decimal("0"))
    assert not split.allowed and split.basis == "members above paid-up value"
    at_par = decide("dissolution", cbs, to_members=Decimal("12000"),
                    paid_up_value=Decimal("12000"), residual=Decimal("50000"),
                    residual_recipient_kind="cbs_locked")
    assert at_par.allowed
    to_a_company = decide("dissolution", cbs, to_members=Decimal("12000"),
                          paid_up_value=Decimal("12000"), residual=Decimal("50000"),
                          residual_recipient_kind="")
    assert not to_a_company.allowed


# --- Other events ------------------------------------------------------------------------


def test_a_cic_cannot_become_an_ordinary_company(cic):
    assert not decide("conversion", cic, into="company").allowed
    assert decide("conversion", cic, into="charity").allowed


def test_cic_performance_related_interest_uses_the_cap_of_the_agreement_date(cic):
    def loan(rate, agreed_on, **more):
        return decide("interest", cic, rate=Decimal(rate), performance_related=True,
                      agreed_on=agreed_on, **more)

    assert not loan("21", dt.date(2015, 1, 1)).allowed
    assert loan("20", dt.date(2015, 1, 1)).allowed
    assert not loan("12", dt.date(2012, 1, 1)).allowed
    assert loan("9", dt.date(2009, 1, 1), base_rate=Decimal("5")).allowed
    assert not loan("9.5", dt.date(2009, 1, 1), base_rate=Decimal("5")).allowed


def test_interest_on_shares_above_the_declared_cap_is_blocked(cbs):
    assert not decide("interest", cbs, rate=Decimal("5"), declared_cap=Decimal("4")).allowed
    assert decide("interest", cbs, rate=Decimal("4"), declared_cap=Decimal("4")).allowed


def test_an_entrenched_clause_changes_only_unanimously(organisation):
    organisation.asset_lock = AssetLock.RULES
    organisation.save()
    change = {"description": "Change clause 3", "clauses": ["entrenched"]}
    assert not decide("amendment", organisation, votes_for=49, eligible=50, **change).allowed
    assert decide("amendment", organisation, votes_for=50, eligible=50, **change).allowed


def test_every_decision_is_recorded_audited_and_append_only(cic):
    decision = dividend(cic, "80000")
    event = AuditEvent.objects.get(action="asset_lock.decided")
    assert event.changes["allowed"] is False and event.object_id == str(decision.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AssetLockDecision.objects.filter(pk=decision.pk).update(allowed=True)


# --- The board's pages -------------------------------------------------------------------


def test_the_board_proposes_a_dividend_and_sees_the_decision_and_why(client, users, cic):
    client.force_login(users["board"])
    assert "The asset lock" in client.get(reverse("governance:asset_lock")).content.decode()
    url = reverse("governance:asset_lock_propose", args=["dividend"])
    response = client.post(url, {"amount": "80000", "declared_on": "2025-06-20",
                                 "distributable_profits": "200000", "approved_by": "ordinary"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Dividend: blocked" in page and "£70,000.00" in page
    assert "Distributable profits for the year (£)" in page
    missing = client.post(url, {"amount": "80000"})
    assert missing.status_code == 400 and "There is a problem" in missing.content.decode()
    client.force_login(users["member"])
    assert client.get(reverse("governance:asset_lock")).status_code == 403
