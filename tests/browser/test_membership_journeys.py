import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from membership.models import Application, Member, MemberClassPeriod
from membership.services.ledger import share_allot
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory, totp_now

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def classes(users):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares", max_holding=20000)
    community = StakeholderClassFactory(slug="community", name="Community",
                                        eligibility="People who live in the area.")
    staff = StakeholderClassFactory(slug="staff", name="Staff",
                                    eligibility="People employed by the society.")
    for klass in (community, staff):
        klass.share_classes.add(shares)
    return shares, community, staff


def test_apply_approve_pay_allot(page, users, classes):
    shares, community, _staff = classes
    page.goto("/join/")
    page.get_by_label("Full name").fill("Nia Jones")
    page.get_by_label("Postal address").fill("9 Quay, Brookvale")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Community: People who live in the area.").check()
    page.get_by_label("Number of shares").fill("25000")
    page.get_by_role("button", name="Send my application").click()
    page.check()
    # Every refusal is summarised and explained.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("I have read the rules")
    page.get_by_label("Number of shares").fill("30")
    page.get_by_label("I have read the rules and agree to them").check()
    page.get_by_label("I agree that my name").check()
    page.get_by_label("I understand that shares are not a savings account").check()
    page.get_by_role("button", name="Send my application").click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    application = Application.objects.get(email="nia@example.org")
    page.goto(f"/join/confirm/{application.email_token}/")
    page.get_by_role("button", name="Confirm my application").click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("confirmed")

    sign_in(page, "secretary@example.org", PASSWORD, totp=totp_now())
    page.goto("/office/applications/")
    page.get_by_role("link", name="Nia Jones").click()
    page.check()
    page.get_by_label("Approve").check()
    page.get_by_label("Date of the decision").fill("2025-05-01")
    page.get_by_label("Minute reference").fill("BM 25/05")
    page.get_by_role("button", name="Record the decision").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("approved")
    page.get_by_label("Bank transfer").check()
    page.get_by_label("Reference", exact=True).fill("FPS 1234")
    page.get_by_label("Amount received (£)").fill("30.00")
    page.get_by_label("Date received").fill("2025-05-02")
    page.get_by_role("button", name="Record the payment").click()
    page.check()
    page.get_by_label("Date of allotment").fill("2025-05-03")
    page.get_by_role("button", name="Allot the shares and admit the member").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("member number")
    member = Member.objects.get(email="nia@example.org")
    assert member.holdings.get().shares == 30


def test_board_reads_the_register_as_at_a_date_on_a_phone(phone_page, users, classes):
    shares, community, staff = classes
    secretary = users["secretary"]
    for number, (name, klass, admitted) in enumerate([
            ("Ann Able", community, dt.date(2020, 1, 1)),
            ("Ben Baker", staff, dt.date(2021, 1, 1)),
            ("Cat Cole", community, dt.date(2024, 1, 1))], start=500):
        member = MemberFactory(member_number=number, full_name=name, stakeholder_class=klass,
                               admitted_on=admitted)
        MemberClassPeriod.objects.create(member=member, stakeholder_class=klass,
                                         started_on=admitted)
        share_allot(actor=secretary, member=member, share_class=shares, shares=10,
                    allotted_on=admitted, consideration=Decimal("10"))
    page = phone_page
    sign_in(page, "board@example.org", PASSWORD, totp=totp_now())
    page.goto("/board/register/")
    page.get_by_label("As at").fill("2022-06-30")
    page.get_by_label("Class").select_option(label="Community")
    page.get_by_role("button", name="Show").click()
    page.check()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Ann Able")
    expect(table).not_to_contain_text("Ben Baker")  # staff
    expect(table).not_to_contain_text("Cat Cole")  # admitted later
    expect(page.get_by_role("caption")).to_contain_text("30 June 2022")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    content = open(download.value.path()).read()
    assert "Ann Able" in content and "Cat Cole" not in content
