"""The secretary closes the AGM's ballot, follows the count on its progress bar, checks the
results and publishes them; a member opens the results from the email on a phone. axe
checks every page."""

import re
import time

import pytest
from playwright.sync_api import expect

from ballots.models import Elector
from ballots.services import casting
from ballots.services.casting import Answer
from membership.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.ballots.sealed import trustees_take_part_on_the_worker
from tests.factories import totp_now
from tests.meetings.test_notice_delivery import wait_for

from .conftest import sign_in
from .test_voting import open_agm_ballot

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def everyone_votes(ballot) -> int:
    """Every elector votes: for the first resolution, against the second, alternately for
    the third if there is one; and ranks the candidates, most of them Ben Cole first."""
    questions = list(ballot.questions.order_by("position"))
    electors = list(Elector.objects.filter(ballot=ballot).order_by("member_number"))
    for i, elector in enumerate(electors):
        answers = {}
        for question in questions:
            if question.kind == "resolution":
                answers[question.pk] = Answer(choice="for" if question.position == 1
                                              else "against" if i % 3 else "for")
            else:
                options = {o.label: o.pk for o in question.options.all()}
                order = ("Ben Cole", "Ada Brown") if i % 4 else ("Cleo Dunn", "Ada Brown")
                answers[question.pk] = Answer(ranking=tuple(options[n] for n in order))
        casting.vote_cast(ballot=ballot, elector=elector, answers=answers)
    return len(electors)


def test_the_secretary_closes_counts_and_publishes_and_a_member_reads_the_results(
        page, phone_page, mailbox, celery_worker_process):
    ballot = open_agm_ballot()
    voters = everyone_votes(ballot)
    assert voters >= 4
    page.on("dialog", lambda dialog: dialog.accept())  # "Close the ballot?" and the like

    sign_in(page, "secretary@example.org", DEMO_PASSWORD, totp=totp_now(DEMO_TOTP_SECRET))
    page.goto(f"/office/ballots/{ballot.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ballot:")
    page.get_by_role("button", name="Close the ballot").click()
    page.check()
    expect(page.locator("#count-progress [data-progress-status]")).to_contain_text(
        "Waiting for the trustees", timeout=60000)
    # Two trustees take their part (as `manage.py trustee count` does on their machines);
    # the progress bar fills as the worker counts; the page reloads when it has finished.
    trustees_take_part_on_the_worker(ballot, wait_for)
    expect(page.locator("#count-progress [data-progress-status]")).to_have_text(
        "Counted.", timeout=60000)
    page.check()
    questions = ballot.questions.count()
    expect(page.get_by_label("Questions counted")).to_have_attribute("value", str(questions))

    page.get_by_role("link", name="Check and publish the results").click()
    page.check()
    expect(page.get_by_text("Not published yet")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    page.get_by_role("button", name="Publish the results").click()
    page.check()
    expect(page.get_by_role("status").first).to_contain_text("The results are published")
    page.get_by_text("Every stage of the count").first.click()
    expect(page.get_by_role("table", name="Votes at the end of each stage").first
           ).to_be_visible()
    page.check()
    page.goto(f"/office/ballots/{ballot.pk}/scrutiny/")
    expect(page.get_by_text("Reconciled", exact=True)).to_be_visible()
    page.check()
    # The bundle is made by the worker: the page shows its progress, then the download.
    page.get_by_role("button", name="Make the signed bundle").click()
    page.check()
    expect(page.get_by_role("link", name="Download the signed bundle")).to_be_visible(
        timeout=60000)
    page.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed bundle").click()
    assert download.value.suggested_filename.endswith(".zip")

    # A member opens the results from the email, on a phone, without signing in.
    def results_email():
        return [m for m in mailbox.messages if m["Subject"].startswith("Results:")]

    deadline = time.monotonic() + 60
    while not results_email() and time.monotonic() < deadline:
        time.sleep(0.2)
    first = results_email()[0]
    text = first.get_payload(decode=True).decode()
    path = re.search(r"https?://[^/\s]+(/v/[^\s]+/results/)", text).group(1)
    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("Results:")
    expect(phone_page.get_by_text("Elected: ").first).to_be_visible()
    expect(phone_page.locator("svg[role=img]").first).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
