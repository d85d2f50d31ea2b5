"""Results pages, exports, the scrutineer's report and bundle, and the independent recount
of the bundle with no access to the database."""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from ballots.models import Elector, ScrutinyBundle
from ballots.reports import scrutiny_report
from ballots.services import ballots, casting, counting, scrutiny
from ballots.services.casting import Answer
from governance.models import AuditEvent
from governance.services import audit_chain_check
from meetings.links import member_link_token
from tests.ballots.sealed import trustees_take_part
from tests.conftest import ROOT

from .conftest import make_members, open_ballot

pytestmark = pytest.mark.django_db


def counted_ballot(users, agm, community, *, spoilt: bool = False):
    """An AGM ballot: 10 members vote, one poll card is spoilt; closed and counted."""
    members = make_members(community, 10, emailed=10, start=100)
    ballot = open_ballot(agm, actor=users["secretary"])
    resolution, election = ballot.questions.order_by("position")
    names = {o.label: o.pk for o in election.options.all()}
    plan = [("for", ("Ada", "Ben"))] * 6 + [("against", ("Cleo", "Ben"))] * 3 + \
        [("withheld", ("Ben",))]
    for member, (choice, ranking) in zip(members, plan, strict=True):
        elector = Elector.objects.get(ballot=ballot, member=member)
        casting.vote_cast(ballot=ballot, elector=elector, answers={
            resolution.pk: Answer(choice=choice),
            election.pk: Answer(ranking=tuple(names[n] for n in ranking))})
    if spoilt:
        ballots.spoilt_paper_record(actor=users["secretary"], ballot=ballot, channel="room",
                                    reason="Marked for and against")
    ballot = ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    trustees_take_part(ballot)
    ballot.refresh_from_db()
    return ballot, members


def test_results_are_hidden_until_published(client, users, agm, community):
    ballot, _members = counted_ballot(users, agm, community)
    url = reverse("ballots:results", args=[ballot.pk])
    client.force_login(users["member"])
    page = client.get(url).content.decode()
    assert "will be published by the secretary" in page and "66.67%" not in page
    assert client.get(reverse("ballots:results_csv", args=[ballot.pk])).status_code == 404

    # The scrutineer and the secretary see them before publication.
    for role in ("scrutineer", "secretary"):
        client.force_login(users[role])
        page = client.get(url).content.decode()
        assert "Not published yet" in page and "66.67%" in page
    client.force_login(users["board"])
    assert "will be published" in client.get(url).content.decode()

    client.force_login(users["secretary"])
    response = client.post(reverse("ballots:publish", args=[ballot.pk]))
    assert response.status_code == 302
    client.force_login(users["member"])
    page = client.get(url).content.decode()
    # The outcome in words, the figures, and the chart (server-drawn SVG with a title).
    assert "Not passed" in page and "66.67%" in page
    assert '<svg role="img"' in page and "<title" in page
    assert "Elected: Ada, Ben." in page and "Every stage of the count" in page


def test_the_special_resolution_of_the_demo_rules_fails_below_three_quarters(users, agm,
                                                                               community):
    ballot, _members = counted_ballot(users, agm, community)
    special = ballot.questions.get(position=1).result
    # 6 for and 3 against is 66.67%: a special resolution needs 75% of the votes cast.
    assert special.outcome == "not_passed" and special.data["percentage_for"] == "66.67"


def test_the_results_are_emailed_with_a_personal_link(client, users, agm, community, mailbox,
                                                      django_capture_on_commit_callbacks):
    from governance.models import Delivery
    from governance.outbox import deliveries_send

    ballot, members = counted_ballot(users, agm, community)
    with django_capture_on_commit_callbacks(execute=False):
        counting.results_publish(actor=users["secretary"], ballot=ballot)
    deliveries = Delivery.objects.filter(kind="ballot_results")
    assert deliveries.count() == 10  # each member on the roll who agreed to email
    mine = deliveries.get(payload__member_id=members[0].pk)
    assert deliveries_send(ids=[mine.pk]) == 1
    mailbox.wait_for(1)
    (message,) = [m for m in mailbox.messages if m["Subject"].startswith("Results:")]
    body = message.get_payload(decode=True).decode()
    assert message["Subject"] == "Results: Annual General Meeting"
    assert "1. Online meetings: Not passed (6 for, 3 against, 1 withheld; 66.67% for)" in body
    assert "2. Election of directors: Elected: Ada, Ben." in body
    token = member_link_token(member_id=members[0].pk, meeting_id=agm.pk)
    link = reverse("ballots:link_results", args=[token])
    assert link in body
    client.logout()
    page = client.get(link).content.decode()
    assert "Not passed" in page and "Elected: Ada, Ben." in page


def test_csv_and_pdf_exports_and_the_stage_table(client, users, agm, community):
    ballot, _members = counted_ballot(users, agm, community)
    counting.results_publish(actor=users["secretary"], ballot=ballot)
    client.force_login(users["member"])
    rows = list(csv.DictReader(io.StringIO(client.get(
        reverse("ballots:results_csv", args=[ballot.pk])).content.decode())))
    total = next(r for r in rows if r["question"] == "1" and r["row"] == "total")
    assert (total["for"], total["against"], total["withheld"], total["percentage_for"]) == \
        ("6", "3", "1", "66.67")
    elected = {r["name"] for r in rows if r["question"] == "2" and r["elected"] == "yes"}
    assert elected == {"Ada", "Ben"}
    pdf = client.get(reverse("ballots:results_pdf", args=[ballot.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    election = ballot.questions.get(position=2)
    page = client.get(reverse("ballots:question_results", args=[ballot.pk, election.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The count, stage by stage" in text and "Non-transferable" in text


def test_the_scrutineers_report_reconciles_the_ballot(users, agm, community):
    ballot, _members = counted_ballot(users, agm, community, spoilt=True)
    report = scrutiny_report(ballot, chain=audit_chain_check())
    assert report["reconciled"] is True
    assert report["roll"]["unchanged"] and report["roll"]["electors"] == ballot.electors_count
    assert report["papers"]["returned"]["online"] == 10
    assert report["papers"]["invalid"] == {"room": 1, "postal": 0}
    for question in report["questions"]:
        assert question["participations"] == question["valid_papers"] == 10
    stv = report["questions"][1]["stv"]
    assert stv["balanced"] and stv["valid_votes"] == 10
    assert report["audit_chain"]["intact"]


def test_the_scrutineers_report_shows_a_roll_changed_since_the_ballot_opened(users, agm,
                                                                            community):
    ballot, _members = counted_ballot(users, agm, community)
    # Someone with access to the database gives one elector a heavier vote.
    first = Elector.objects.filter(ballot=ballot).order_by("member_number").first()
    Elector.objects.filter(pk=first.pk).update(weight=5)
    report = scrutiny_report(ballot, chain=audit_chain_check())
    assert report["roll"]["unchanged"] is False and report["reconciled"] is False


def _bundle(client, users, ballot, tmp_path):
    """The scrutineer asks for the bundle, a worker makes it (here, in the test), and the
    scrutineer downloads it."""
    client.force_login(users["scrutineer"])
    assert client.post(reverse("ballots:scrutiny_bundle", args=[ballot.pk])
                       ).status_code == 302
    bundle = ScrutinyBundle.objects.get(ballot=ballot)
    assert scrutiny.scrutiny_bundle_build(bundle_id=bundle.pk)
    response = client.get(reverse("ballots:scrutiny_bundle_download",
                                  args=[ballot.pk, bundle.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.content)
    return path


def test_the_bundle_is_signed_and_recounts_to_the_stored_results(client, users, agm,
                                                                  community, tmp_path):
    ballot, _members = counted_ballot(users, agm, community)
    path = _bundle(client, users, ballot, tmp_path)
    assert AuditEvent.objects.filter(action="ballot.scrutiny_bundle_issued").count() == 1
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        roll = bundle.read("roll.csv")
        tally = json.loads(bundle.read("q1.tally.json"))
        blt = bundle.read("q2.blt").decode()
    assert {"manifest.json", "manifest.sig", "public_key.pem", "report.json",
            "results.json", "ballot.json", "roll.csv"} <= names
    assert hashlib.sha256(roll).hexdigest() == ballot.electorate_fingerprint
    # Anonymised: the tally has counts by class, weight and choice; the BLT has rankings
    # with how many papers gave each. No receipt, id or time leaves the platform.
    assert set(tally["votes"][0]) == {"class", "weight", "choice", "count"}
    assert "receipt" not in blt and '"Ada"' in blt

    out = io.StringIO()
    call_command("recount", str(path), "--json", stdout=out)
    check = json.loads(out.getvalue())
    assert check["agrees"] and check["files_intact"] and check["signature_valid"]
    assert [q["agrees"] for q in check["questions"]] == [True, True]


def test_the_recount_needs_no_database(client, users, agm, community, tmp_path):
    ballot, _members = counted_ballot(users, agm, community)
    path = _bundle(client, users, ballot, tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere"}
    done = subprocess.run([sys.executable, "manage.py", "recount", str(path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "The recount agrees with the stored results." in done.stdout


def test_a_tampered_bundle_is_caught(client, users, agm, community, tmp_path):
    ballot, _members = counted_ballot(users, agm, community)
    path = _bundle(client, users, ballot, tmp_path)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as bundle:
        bundle.extractall(unpacked)
    tally = json.loads((unpacked / "q1.tally.json").read_text())
    for row in tally["votes"]:
        if row["choice"] == "against":
            row["choice"] = "for"  # three votes against become votes for
    (unpacked / "q1.tally.json").write_text(json.dumps(tally))

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("recount", str(unpacked), stdout=out)
    assert exit_code.value.code == 1
    text = out.getvalue()
    assert "q1.tally.json has been changed since the bundle was signed" in text
    assert "1. Online meetings: DISAGREES" in text and "2. Election of directors: agrees" \
        in text

    # Signed again by someone else, the files agree with the manifest but the signature
    # does not.
    manifest = json.loads((unpacked / "manifest.json").read_text())
    manifest["files"]["q1.tally.json"] = hashlib.sha256(
        (unpacked / "q1.tally.json").read_bytes()).hexdigest()
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("recount", str(unpacked), "--json", stdout=out)
    check = json.loads(out.getvalue())
    assert check["files_intact"] is True and check["signature_valid"] is False
    assert check["agrees"] is False


def test_a_two_stage_resolution_is_pending_until_a_second_meeting_confirms_it(users, rules,
                                                                              community):
    from ballots.results import outcome_words
    from ballots.selectors import results_of

    from .test_counting import _meeting, close_and_count, vote

    members = make_members(community, 6, emailed=0, start=100)
    amalgamation = {"kind": "resolution", "title": "Amalgamation",
                    "resolution_type": "amalgamation",
                    "resolution_text": "That the society amalgamate with Valley Co-op."}
    first = open_ballot(actor=users["secretary"], meeting=_meeting(rules, [amalgamation]))
    vote(first, members[:5], "for")
    vote(first, members[5:], "against")
    first = close_and_count(users, first)
    counting.results_publish(actor=users["secretary"], ballot=first)
    (question,) = results_of(first)
    assert question.stored.outcome == "passed_pending_confirmation"
    assert outcome_words(question) == "Passed, pending confirmation at a second meeting"

    second_meeting = _meeting(rules, [{**amalgamation, "title": "Confirm the amalgamation",
                                       "confirms": first.meeting.items.get()}],
                              title="General Meeting to confirm")
    second = open_ballot(actor=users["secretary"], meeting=second_meeting)
    vote(second, members[:4], "for")
    second = close_and_count(users, second)
    (question,) = results_of(first)
    assert question.confirmation is None  # not published yet: still pending
    counting.results_publish(actor=users["secretary"], ballot=second)
    (question,) = results_of(first)
    assert outcome_words(question) == "Passed and confirmed at General Meeting to confirm"


def test_the_members_ballot_page_leads_to_the_published_results(client, users, agm,
                                                                community):
    ballot, members = counted_ballot(users, agm, community)
    token = member_link_token(member_id=members[0].pk, meeting_id=agm.pk)
    page = client.get(reverse("ballots:link_vote", args=[token])).content.decode()
    assert "Voting has closed." in page and "will be published here" in page
    counting.results_publish(actor=users["secretary"], ballot=ballot)
    page = client.get(reverse("ballots:link_vote", args=[token])).content.decode()
    assert reverse("ballots:link_results", args=[token]) in page
