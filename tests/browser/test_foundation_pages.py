import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from .conftest import sign_in  # noqa: E402


def test_public_pages_are_accessible(page, organisation):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation.name)
    page.goto("/accounts/login/")
    expect(page.get_by_label("Email")).to_be_visible()
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_login_errors_are_summarised_and_focusable(page, users):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("member@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    page.check()


def test_member_signs_in_on_a_phone_and_sees_only_their_membership(phone_page, users):
    sign_in(phone_page, "member@example.org", PASSWORD)
    expect(phone_page.locator(".site-header__who")).to_contain_text(users["member"].full_name)
    phone_page.get_by_role("link", name="My membership").first.click()
    phone_page.check()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("My membership")
    phone_page.goto("/office/")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
    # Nothing is wider than the phone's screen.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_secretary_signs_in_with_two_factor_and_appoints_an_officer(page, users):
    sign_in(page, "secretary@example.org", PASSWORD, totp=totp_now())
    expect(page.locator(".site-header__who")).to_contain_text("Secretary")
    page.goto("/office/officers/")
    # Submitting the form empty gives an error summary with links to the fields.
    page.get_by_role("button", name="Appoint", exact=True).click()
    page.check()
    expect(page.get_by_role("alert")).to_contain_text("Full name")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Board member").check()
    page.get_by_label("Date of appointment").fill("2025-06-01")
    page.get_by_role("button", name="Appoint", exact=True).click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("Ada Lovelace was appointed Board member")
    expect(page.get_by_role("cell", name="Ada Lovelace", exact=True)).to_be_visible()
    page.goto("/office/audit/")
    expect(page.get_by_role("cell", name="officer.appointed").first).to_be_visible()
    page.get_by_role("button", name="Verify the chain").click()
    page.check()
    expect(page.get_by_role("status")).to_contain_text("Intact")


def test_keyboard_user_can_skip_to_content(page, organisation):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
