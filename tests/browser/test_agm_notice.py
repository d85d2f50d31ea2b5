"""The secretary in the browser: records the rules, arranges an AGM with its agenda, checks
the notice and sends it; the progress bar fills as the worker sends the emails. A member
then opens the personal link from their email on a phone. axe checks every page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from meetings.models import Notice
from membership.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from tests.factories import totp_now

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_secretary_arranges_an_agm_and_sends_its_notice(page, phone_page, mailbox,
                                                             celery_worker_process):
    seed_demo(preset="cbs")
    starts = dt.date.today() + dt.timedelta(days=40)

    sign_in(page, "secretary@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    page.check()
    page.get_by_role("link", name="The rules of general meetings").click()
    page.check()
    page.get_by_label("Community benefit society with the statutory asset lock").check()
    page.get_by_label("In force from").fill("2024-09-20")
    page.get_by_label("Adopted by").fill("Rules registered on incorporation")
    page.get_by_role("button", name="Record the rules").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text("The rules are recorded.")

    page.goto("/office/meetings/")
    page.get_by_role("link", name="Arrange a meeting").click()
    page.check()
    page.get_by_label("Title").fill(f"Annual General Meeting {starts.year}")
    page.get_by_label("Date and time it starts").fill(f"{starts.isoformat()}T18:30")
    page.get_by_label("Place").fill("The Community Hall, 1 Market Street")
    page.get_by_role("button", name="Create the meeting").click()
    page.check()

    page.get_by_label("Report or accounts").check()
    page.get_by_label("Title of the item").fill("Annual report and accounts")
    page.get_by_label("General nature of the business").fill("To receive the accounts.")
    page.get_by_role("button", name="Add to the agenda").click()
    page.check()
    expect(page.get_by_text("The notice is complete and on time.")).to_be_visible()
    expect(page.locator("pre.notice-preview")).to_contain_text(
        "NOTICE OF THE ANNUAL GENERAL MEETING")

    # Sending without confirming is refused, with the error summary.
    page.get_by_role("button", name="Send the notice to every member").click()
    page.check()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    page.get_by_label("I have read the notice and it is ready to send").check()
    page.get_by_role("button", name="Send the notice to every member").click()
    page.check()
    expect(page.locator("#notice-progress [data-progress-status]")).to_contain_text(
        "Finished", timeout=60000)
    page.check()
    notice = Notice.objects.get()
    bar = page.get_by_label("Emails sent")
    expect(bar).to_have_attribute("value", str(notice.mailing.total))
    page.get_by_role("link", name="Proof of service").click()
    page.check()

    # A member opens the link in their email, on a phone, without signing in.
    mailbox.wait_for(notice.mailing.total)
    [first, *_] = [m for m in mailbox.messages if m["Subject"].startswith("Notice of")]
    text = next(part.get_payload(decode=True).decode() for part in first.walk()
                if part.get_content_type() == "text/plain")
    path = re.search(r"https?://[^/\s]+(/m/[^\s]+/)", text).group(1)
    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text(
        "Annual General Meeting")
    expect(phone_page.get_by_role("link", name="Add to your calendar")).to_be_visible()


def test_a_board_member_checks_a_sale_of_assets_against_the_lock(page):
    seed_demo(preset="cbs")  # a community benefit society with the statutory lock
    sign_in(page, "board@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.goto("/office/asset-lock/")
    page.get_by_role("link", name="Transfer or sale of assets").click()
    page.check()
    page.get_by_label("What is transferred").fill("The community centre")
    page.get_by_label("Market value (£)").fill("450000")
    page.get_by_label("Price to be paid (£)").fill("1")
    page.get_by_label("Recipient", exact=True).fill("Property Ltd")
    page.get_by_role("button", name="Check against the asset lock").click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Transfer or sale of assets: blocked")
    expect(page.get_by_text("the asset lock forbids it")).to_be_visible()
