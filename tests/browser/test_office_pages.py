"""The secretary's and the site administrator's newer pages, each checked by axe: set-up,
classes, withdrawals with the batch form, a member's entry with its actions, invitations,
a mailing's progress, the system page."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from governance.models import Mailing
from membership.models import MemberClassPeriod
from membership.services.ledger import share_allot
from membership.services.withdrawals import withdrawal_request
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory, totp_now

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-9"


def test_the_secretary_sets_up_classes_and_works_through_the_office(page, users):
    shares = ShareClassFactory(code="ordinary", name="Ordinary shares", max_holding=1000)
    klass = StakeholderClassFactory(slug="community", name="Community")
    klass.share_classes.add(shares)
    member = MemberFactory(full_name="Olu Member", stakeholder_class=klass,
                           admitted_on=dt.date(2024, 1, 2), user=None)
    MemberClassPeriod.objects.create(member=member, stakeholder_class=klass,
                                     started_on=member.admitted_on)
    share_allot(actor=users["secretary"], member=member, share_class=shares, shares=100,
                allotted_on=dt.date(2024, 1, 2), consideration=Decimal("100"))
    withdrawal_request(actor=users["secretary"], member=member, share_class=shares, shares=40,
                       requested_on=dt.date(2024, 2, 1))
    Mailing.objects.create(kind="invitations", title="Invitations to 3 members", total=3)

    sign_in(page, "secretary@example.org", PASSWORD, totp=totp_now())
    page.goto("/office/organisation/")
    expect(page.get_by_label("Registered in")).to_be_visible()
    page.goto("/board/classes/")
    page.get_by_role("link", name="Add a share class").click()
    page.check()
    page.get_by_label("Name", exact=True).fill("Investor shares")
    page.get_by_label("Minimum holding (shares)").fill("10")
    page.get_by_label("Maximum holding (shares)").fill("5")
    page.get_by_role("button", name="Save").click()
    page.check()
    expect(page.get_by_role("alert")).to_contain_text("cannot be below the minimum")
    page.get_by_label("Maximum holding (shares)").fill("500")
    page.get_by_role("button", name="Save").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("Investor shares are set up")
    page.get_by_role("link", name="Change Investor shares").click()
    page.check()
    page.goto("/office/stakeholder-classes/new/")
    page.check()
    page.goto("/office/withdrawals/")
    page.check()
    expect(page.get_by_role("table").first).to_contain_text("Olu Member")
    page.get_by_label("Pay no more than (£)").fill("10")
    page.get_by_label("Payment date").fill("2024-06-01")
    page.get_by_label("The board has confirmed").check()
    page.get_by_label("Minute reference of that confirmation").fill("BM 2024/6")
    page.get_by_label("The same share of every due request (pro rata)").check()
    page.get_by_role("button", name="Pay due withdrawals").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("1 payment made, £10.00")
    page.goto(f"/office/members/{member.pk}/")
    page.check()
    expect(page.get_by_text("10 paid")).to_be_visible()
    page.goto("/office/invitations/")
    page.check()
    page.goto("/office/notices-to-sell/")
    page.check()
    page.goto(f"/office/mailings/{Mailing.objects.get().pk}/")
    page.check()


def test_the_site_administrator_sees_the_system_not_the_register(page, users):
    sign_in(page, "admin@example.org", PASSWORD, totp=totp_now())
    page.goto("/system/")
    expect(page.get_by_role("heading", level=1)).to_have_text("System")
    page.goto("/board/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
