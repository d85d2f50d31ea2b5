"""A member changes the address they sign in with, on a phone: allauth's email page, the
password asked again, the confirmation page reached from the link in the email. Every page
passes axe and fits the screen."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_member_changes_the_address_they_sign_in_with_on_a_phone(phone_page, users,
                                                                    mailbox):
    page = phone_page
    sign_in(page, "member@example.org", PASSWORD)
    page.get_by_role("link", name="My membership").first.click()
    page.get_by_role("link", name="change the address you sign in with").click()
    page.check()
    fits(page)
    page.get_by_label("Change to").fill("new.home@example.org")
    page.get_by_role("button", name="Change Email").click()
    page.check()  # allauth asks for the password again
    fits(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.check()
    fits(page)
    expect(page.get_by_text("pending verification")).to_be_visible()
    [message] = mailbox.wait_for(1)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)",
                     message.get_payload(decode=True).decode()).group(1)
    page.goto(link)
    fits(page)
    page.get_by_role("button", name="Confirm").click()
    page.check()
    assert User.objects.get(pk=users["member"].pk).email == "new.home@example.org"
