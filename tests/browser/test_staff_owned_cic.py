"""The staff-owned CIC preset in the browser: a new member of staff buys their £1 share;
they leave employment; after 21 days the company buys the share back at £1 (and not a
penny more), and they leave the register."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from membership.models import Application, Member
from tests.factories import totp_now

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_buys_their_share_leaves_and_it_is_bought_back(page):
    seed_demo(preset="cic-staff")
    today = dt.date.today()
    joined, left = today - dt.timedelta(days=90), today - dt.timedelta(days=25)

    page.goto("/join/")
    page.get_by_label("Full name").fill("Hana New")
    page.get_by_label("Postal address").fill("4 Mill Row, Riverside RV2 1HN")
    page.get_by_label("Email address").fill("hana.new@example.org")
    page.get_by_label("Staff: Permanent members of staff of the company.").check()
    page.get_by_label("Number of shares").fill("1")
    page.get_by_label("I have read the rules and agree to them").check()
    page.get_by_label("I agree that my name").check()
    page.get_by_label("I understand that shares are not a savings account").check()
    page.get_by_role("button", name="Send my application").click()
    page.check()
    application = Application.objects.get(email="hana.new@example.org")
    page.goto(f"/join/confirm/{application.email_token}/")
    page.get_by_role("button", name="Confirm my application").click()
    page.check()

    sign_in(page, "secretary@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.goto(f"/office/applications/{application.pk}/")
    page.check()
    page.get_by_label("Approve").check()
    page.get_by_label("Date of the decision").fill(joined.isoformat())
    page.get_by_label("Minute reference").fill("BM staff shares")
    page.get_by_role("button", name="Record the decision").click()
    page.check()
    page.get_by_label("Bank transfer").check()
    page.get_by_label("Reference", exact=True).fill("Payroll 0042")
    page.get_by_label("Amount received (£)").fill("1.00")
    page.get_by_label("Date received").fill(joined.isoformat())
    page.get_by_role("button", name="Record the payment").click()
    page.check()
    page.get_by_label("Date of allotment").fill(joined.isoformat())
    page.get_by_role("button", name="Allot the shares and admit the member").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("member number")
    hana = Member.objects.get(email="hana.new@example.org")
    assert hana.holdings.get().shares == 1

    # She leaves employment: a notice to sell, which runs for 21 days.
    page.goto(f"/office/members/{hana.pk}/")
    page.check()
    page.get_by_label("Date they stopped being eligible").fill(left.isoformat())
    page.get_by_role("button", name="Record it").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("notice to sell is open")

    page.goto("/office/notices-to-sell/")
    page.check()
    notice = page.get_by_role("region", name=f"Hana New (no. {hana.member_number})")
    expect(notice).to_contain_text("The notice has run")
    notice.get_by_label("Date of the buy-back").fill(today.isoformat())
    notice.get_by_label("Price per share (£)").fill("1.50")
    notice.get_by_label("Minute reference of the board's decision").fill("BM buy-back")
    notice.get_by_role("button", name="Buy back").click()
    page.check()
    expect(page.get_by_role("alert").first).to_contain_text("paid-up value")
    notice = page.get_by_role("region", name=f"Hana New (no. {hana.member_number})")
    notice.get_by_label("Price per share (£)").fill("1.00")
    notice.get_by_role("button", name="Buy back").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("bought back")

    hana.refresh_from_db()
    assert hana.ceased_on == today and hana.cessation_reason == "shares_sold"
    buyback = hana.transactions.get(kind="buyback")
    assert (buyback.shares, str(buyback.consideration)) == (-1, "1.00")
    page.goto(f"/office/members/{hana.pk}/")
    page.check()
    expect(page.get_by_text("Former member")).to_be_visible()
