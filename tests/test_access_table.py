"""Every URL, and every POST action, against every role. A view of the platform that
declares no access rule, or that is missing from TABLE, fails this test.

Two users matter most here: an officer who has not set up two-factor authentication, and
a member who is also on the board without it. A request that uses an officer role needs
two-factor, whatever other roles the user has: the second may use the platform as a member
only (another member's certificate is 404 to them, an officer page sends them to set up
two-factor). The site administrator runs the system and decides nothing about the
register."""

import datetime
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from governance.models import Delivery, Mailing, OfficerAppointment
from meetings.links import member_link_token
from meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingDocument,
    Notice,
    NoticeDelivery,
    PostalBatch,
)
from membership.models import (
    Application,
    ImportRun,
    InspectionRequest,
    SaleNotice,
    WithdrawalRequest,
)
from membership.services.ledger import ledger_post
from tests.factories import MemberFactory, ShareClassFactory, StakeholderClassFactory

PLATFORM_NAMESPACES = {"governance", "membership", "meetings", "ballots"}
ROLES = ["anonymous", "member", "secretary", "chair", "board", "scrutineer", "admin",
         "officer_without_mfa", "chair_without_mfa", "member_board_without_mfa", "no_role"]

LOGIN = "login"  # 302 to the login page
MFA = "mfa"  # 302 to two-factor set-up

EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN_ONLY = {**EVERYONE, "anonymous": LOGIN}


def only(*allowed, ok=200, fallback=403, **overrides):
    """`ok` for the roles given, LOGIN for anonymous, `fallback` for everyone else. An
    officer without two-factor is sent to set it up where an officer role would let them
    in; the member who is also on the board gets what a member gets, or is sent to set up
    two-factor where only the board role would let them in."""
    answers = {role: (ok if role in allowed else fallback) for role in ROLES}
    answers["anonymous"] = LOGIN
    answers["officer_without_mfa"] = MFA if "secretary" in allowed else fallback
    answers["chair_without_mfa"] = MFA if "chair" in allowed else fallback
    if "member" in allowed:
        answers["member_board_without_mfa"] = answers["member"]
    elif "board" in allowed:
        answers["member_board_without_mfa"] = MFA
    else:
        answers["member_board_without_mfa"] = fallback
    answers.update(overrides)
    return answers


BOARD = ("secretary", "chair", "board")
SECRETARY = ("secretary",)


def _certificate_kwargs(users):
    """A certificate belonging to someone other than the members in the table."""
    other = MemberFactory(stakeholder_class=users["member"].members.get().stakeholder_class)
    share_class = ShareClassFactory(code="table")
    other.stakeholder_class.share_classes.add(share_class)
    with transaction.atomic():
        entry = ledger_post(member=other, share_class=share_class, kind="allotment", shares=5,
                            effective_on=other.admitted_on, actor=None, certificate=True)
    return {"number": entry.certificate_number}


def _application(users):
    member = users["member"].members.get()
    share_class = ShareClassFactory(code="table-app")
    member.stakeholder_class.share_classes.add(share_class)
    return Application.objects.create(
        full_name="Applicant", address="1 Road", email="applicant@example.org",
        stakeholder_class=member.stakeholder_class, share_class=share_class, shares=3,
        status="submitted", price_per_share=share_class.par_value, email_token="token-table")


def _open_for_applications(users):
    ShareClassFactory(code="table-open")
    return {}


def _application_kwargs(users):
    return {"pk": _application(users).pk}


def _application_token_kwargs(users):
    return {"token": _application(users).email_token}


def _member_kwargs(users):
    return {"pk": users["member"].members.get().pk}


def _withdrawal_kwargs(users):
    member = users["member"].members.get()
    share_class = ShareClassFactory(code="table-w")
    return {"pk": WithdrawalRequest.objects.create(
        member=member, share_class=share_class, shares=1, requested_on=datetime.date(2025, 1, 6),
        eligible_on=datetime.date(2025, 4, 6)).pk}


def _sale_notice_kwargs(users):
    member = users["member"].members.get()
    share_class = ShareClassFactory(code="table-s", transferable=True, sale_notice_days=21)
    return {"pk": SaleNotice.objects.create(
        member=member, share_class=share_class, shares=1, given_on=datetime.date(2025, 1, 6),
        reason="left employment", due_on=datetime.date(2025, 1, 27)).pk}


def _share_class_kwargs(users):
    return {"pk": ShareClassFactory(code="table-sc", par_value=Decimal("1.00")).pk}


def _stakeholder_class_kwargs(users):
    return {"pk": StakeholderClassFactory(slug="table-k").pk}


def _inspection_kwargs(users):
    request = InspectionRequest.objects.create(
        requester_name="A Person", requester_address="1 Road", purpose="research",
        received_on=datetime.date(2025, 1, 6))
    return {"pk": request.pk}


def _import_run_kwargs(users):
    return {"pk": ImportRun.objects.create(file_name="r.csv", file_sha256="0" * 64).pk}


def _mailing_kwargs(users):
    return {"pk": Mailing.objects.create(kind="invitations", title="Invitations").pk}


def _delivery_kwargs(users):
    return {"pk": Delivery.objects.create(key="table", kind="invitation",
                                          to_email="x@example.org", status="failed").pk}


def _decision_kwargs(users):
    from governance.asset_lock import asset_lock_decide
    from governance.models import Organisation

    decision = asset_lock_decide("conversion", organisation=Organisation.objects.get(),
                                 proposed_by=None, facts={"into": "charity"})
    return {"pk": decision.pk}


def _retire_kwargs(users):
    appointment = OfficerAppointment.objects.get(user=users["board"])
    return {"pk": appointment.pk}


def _draft_meeting(users):
    """A general meeting being prepared, with one item: actions on it with no data are
    refused (a general meeting has no retirement by rotation; a draft cannot open)."""
    meeting = Meeting.objects.create(
        kind="general", title="General Meeting", record_date=datetime.date(2025, 1, 6),
        starts_at=timezone.now() + datetime.timedelta(days=30))
    item = AgendaItem.objects.create(meeting=meeting, position=1, kind="election",
                                     title="Election of directors", seats=2,
                                     election_method="fptp")
    return meeting, item


def _meeting_kwargs(users):
    return {"pk": _draft_meeting(users)[0].pk}


def _item_kwargs(users):
    meeting, item = _draft_meeting(users)
    return {"pk": meeting.pk, "item": item.pk}


def _sent_meeting(users):
    """A meeting whose notice went to the member in the table, by post, with a paper."""
    meeting = Meeting.objects.create(
        kind="agm", title="Annual General Meeting", record_date=datetime.date(2025, 1, 6),
        starts_at=timezone.now() + datetime.timedelta(days=30), status="notice_sent")
    mailing = Mailing.objects.create(kind="meeting_notice", title="Notice",
                                     prepared_at=timezone.now())
    notice = Notice.objects.create(meeting=meeting, subject="Notice", body="Notice text",
                                   status="sent", mailing=mailing, sent_at=timezone.now(),
                                   register_date=datetime.date(2025, 1, 6), recipients=1)
    batch = PostalBatch.objects.create(notice=notice)
    member = users["member"].members.get()
    NoticeDelivery.objects.create(notice=notice, member=member, channel="post",
                                  address=member.address, postal_batch=batch)
    document = MeetingDocument(meeting=meeting, title="Accounts", content_type="text/plain",
                               size=5, sha256="0" * 64)
    document.file.save("accounts.txt", ContentFile(b"hello"), save=True)
    attendance = Attendance.objects.create(meeting=meeting, member=member, mode="in_person",
                                           arrived_at=timezone.now())
    return {"meeting": meeting, "batch": batch, "document": document, "member": member,
            "attendance": attendance}


def _sent_kwargs(users):
    return {"pk": _sent_meeting(users)["meeting"].pk}


def _paper_kwargs(users):
    sent = _sent_meeting(users)
    return {"pk": sent["meeting"].pk, "document": sent["document"].pk}


def _letters_kwargs(users):
    sent = _sent_meeting(users)
    return {"pk": sent["meeting"].pk, "batch": sent["batch"].pk, "fmt": "pdf"}


def _letters_posted_kwargs(users):
    sent = _sent_meeting(users)
    return {"pk": sent["meeting"].pk, "batch": sent["batch"].pk}


def _attendance_kwargs(users):
    sent = _sent_meeting(users)
    return {"pk": sent["meeting"].pk, "attendance": sent["attendance"].pk}


def _token(sent) -> str:
    return member_link_token(member_id=sent["member"].pk, meeting_id=sent["meeting"].pk)


def _link_kwargs(users):
    return {"token": _token(_sent_meeting(users))}


def _link_paper_kwargs(users):
    sent = _sent_meeting(users)
    return {"token": _token(sent), "document": sent["document"].pk}


def _open_ballot(users):
    """An open ballot of a meeting whose notice went to the member in the table; the
    member is on its roll."""
    from ballots.models import Ballot, Elector, Question

    sent = _sent_meeting(users)
    meeting, member = sent["meeting"], sent["member"]
    from meetings.models import Rulebook

    rulebook = Rulebook.objects.create(version=99, title="Rules", adopted_by="test",
                                       effective_from=datetime.date(2020, 1, 1), settings={})
    ballot = Ballot.objects.create(
        kind="meeting", meeting=meeting, title="Vote", record_date=meeting.record_date,
        rulebook=rulebook, opens_at=timezone.now() - datetime.timedelta(hours=1),
        closes_at=timezone.now() + datetime.timedelta(days=5), status="open")
    Question.objects.create(ballot=ballot, position=1, kind="resolution", title="Accounts")
    Elector.objects.create(ballot=ballot, member=member, member_number=member.member_number,
                           stakeholder_class=member.stakeholder_class,
                           class_slug=member.stakeholder_class.slug, weight=1)
    return ballot, sent


def _ballot_kwargs(users):
    return {"pk": _open_ballot(users)[0].pk}


def _trustee_kwargs(users):
    from ballots.models import KeyCeremony, Trustee

    ballot, _sent = _open_ballot(users)
    ceremony = KeyCeremony.objects.create(ballot=ballot, context=f"table-{ballot.pk}")
    return {"pk": Trustee.objects.create(ceremony=ceremony, index=1, name="T").pk}


def _trustee_download_kwargs(users):
    return {**_trustee_kwargs(users), "name": "invitation"}


def _question_kwargs(users):
    ballot, _sent = _open_ballot(users)
    return {"pk": ballot.pk, "question": ballot.questions.get().pk}


def _ballot_meeting_kwargs(users):
    return {"meeting": _sent_meeting(users)["meeting"].pk}


def _revoke_kwargs(users):
    """Someone else's appointment: nobody may revoke it from outside (404)."""
    from ballots.models import Elector, ProxyAppointment

    ballot, _sent = _open_ballot(users)
    other = MemberFactory()
    elector = Elector.objects.create(ballot=ballot, member=other,
                                     member_number=other.member_number,
                                     stakeholder_class=other.stakeholder_class,
                                     class_slug=other.stakeholder_class.slug, weight=1)
    appointment = ProxyAppointment.objects.create(ballot=ballot, principal=elector,
                                                  holder="chair", appointed_at=timezone.now())
    return {"pk": ballot.pk, "appointment": appointment.pk}


def _bundle_kwargs(users):
    """A bundle made of a ballot whose results are not published."""
    from ballots.models import ScrutinyBundle

    ballot, _sent = _open_ballot(users)
    bundle = ScrutinyBundle.objects.create(ballot=ballot, requested_at=timezone.now(),
                                           status="ready", content=b"PK", sha256="0" * 64,
                                           size=2, made_at=timezone.now())
    return {"pk": ballot.pk, "bundle": bundle.pk}


def _paper_kwargs_ballot(users):
    """A poll card entered for the member in the table (withdrawing it needs a reason)."""
    from ballots.models import PaperVote

    ballot, sent = _open_ballot(users)
    paper = PaperVote.objects.create(ballot=ballot, elector=ballot.electors.get(),
                                     channel="room", reference="1",
                                     entered_at=timezone.now())
    return {"pk": ballot.pk, "paper": paper.pk}


def _chair_proxy_kwargs(users):
    """An open ballot on which a member appointed the chair as their proxy."""
    from ballots.models import ProxyAppointment

    kwargs = _revoke_kwargs(users)
    ProxyAppointment.objects.filter(pk=kwargs["appointment"]).update(holder="chair")
    return {"pk": kwargs["pk"]}


def _voter_link_kwargs(users):
    from ballots.links import voter_link_token

    ballot, sent = _open_ballot(users)
    return {"token": voter_link_token(member_id=sent["member"].pk, ballot_id=ballot.pk)}


def _vote_link_kwargs(users):
    ballot, sent = _open_ballot(users)
    return {"token": _token(sent)}


# A member sees only the meetings whose notice they were sent: the member who is also on
# the board was not sent this one, so it is 404 to them.
OWN_MEETING = only("member", member_board_without_mfa=404)


# url name -> (method, kwargs factory or None, expected answer per role). POSTs are sent
# with no data: a role that may act gets its form back with the errors (400), or is sent
# back to the list with a message (302); nothing changes.
TABLE = {
    "governance:home": ("get", None, EVERYONE),
    "governance:dashboard": ("get", None, SIGNED_IN_ONLY),
    "governance:system": ("get", None, only("admin")),
    "governance:audit_log": ("get", None, only("secretary", "chair", "scrutineer")),
    "governance:organisation": ("get", None, only(*SECRETARY)),
    "governance:organisation#post": ("post", None, only(*SECRETARY, ok=400)),
    "governance:officers": ("get", None, only(*BOARD)),
    "governance:officer_appoint": ("post", None, only(*SECRETARY, ok=400)),
    "governance:officer_retire": ("post", _retire_kwargs, only(*SECRETARY, ok=302)),
    "governance:mailing": ("get", _mailing_kwargs, only(*SECRETARY)),
    "governance:delivery_resend": ("post", _delivery_kwargs, only(*SECRETARY, ok=302)),
    "governance:scrutiny": ("get", None, only("scrutineer")),
    "governance:asset_lock": ("get", None, only(*BOARD)),
    "governance:asset_lock_propose": ("get", lambda users: {"kind": "dividend"},
                                      only(*BOARD)),
    "governance:asset_lock_propose#post": ("post", lambda users: {"kind": "dividend"},
                                           only(*BOARD, ok=400)),
    "governance:asset_lock_decision": ("get", _decision_kwargs, only(*BOARD)),
    "membership:portal": ("get", None, only("member")),
    "membership:buy_shares": ("get", None, only("member")),
    "membership:buy_shares#post": ("post", None, only("member", ok=400)),
    "membership:withdraw": ("get", None, only("member")),
    "membership:withdraw#post": ("post", None, only("member", ok=400)),
    "membership:email_notices": ("post", None, only("member", ok=302)),
    # A member may open only their own certificate: another member's is 404, also to a
    # board member without two-factor, who is let in only as a member.
    "membership:certificate": ("get", _certificate_kwargs,
                               only("member", *BOARD, member=404,
                                    member_board_without_mfa=404)),
    "membership:members_register": ("get", None, only("member", *BOARD)),
    "membership:apply": ("get", None, EVERYONE),
    "membership:apply#post": ("post", _open_for_applications,
                              {role: 400 for role in ROLES}),
    "membership:apply_sent": ("get", None, EVERYONE),
    "membership:apply_confirm": ("get", _application_token_kwargs, EVERYONE),
    # Whoever has the link may confirm; this application is confirmed already, so
    # confirming it again changes nothing.
    "membership:apply_confirm#post": ("post", _application_token_kwargs, EVERYONE),
    "membership:office": ("get", None, only(*SECRETARY)),
    "membership:applications": ("get", None, only(*BOARD)),
    "membership:application": ("get", _application_kwargs, only(*BOARD)),
    "membership:application_decide": ("post", _application_kwargs, only(*BOARD, ok=400)),
    "membership:application_payment": ("post", _application_kwargs,
                                       only(*SECRETARY, ok=400)),
    "membership:application_allot": ("post", _application_kwargs, only(*SECRETARY, ok=400)),
    "membership:withdrawals": ("get", None, only(*BOARD)),
    "membership:withdrawals_pay": ("post", None, only(*SECRETARY, ok=400)),
    "membership:withdrawal_cancel": ("post", _withdrawal_kwargs, only(*SECRETARY, ok=302)),
    "membership:member": ("get", _member_kwargs, only(*BOARD)),
    "membership:member_cease": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_change_class": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_transfer": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_reverse": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_confirm_society": ("post", _member_kwargs, only(*BOARD, ok=400)),
    "membership:member_representative": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_login_email": ("post", _member_kwargs, only(*SECRETARY, ok=400)),
    "membership:member_left_eligibility": ("post", _member_kwargs,
                                           only(*SECRETARY, ok=400)),
    "membership:sale_notices": ("get", None, only(*BOARD)),
    "membership:sale_notice_buy_back": ("post", _sale_notice_kwargs,
                                        only(*SECRETARY, ok=400)),
    "membership:sale_notice_transfer": ("post", _sale_notice_kwargs,
                                        only(*SECRETARY, ok=400)),
    "membership:import": ("get", None, only(*SECRETARY)),
    "membership:import#post": ("post", None, only(*SECRETARY, ok=400)),
    "membership:import_run": ("get", _import_run_kwargs, only(*SECRETARY)),
    "membership:invitations": ("get", None, only(*SECRETARY)),
    "membership:invitations#post": ("post", None, only(*SECRETARY, ok=400)),
    "membership:inspections": ("get", None, only(*SECRETARY)),
    "membership:inspection_record": ("post", None, only(*SECRETARY, ok=400)),
    "membership:inspection_close": ("post", _inspection_kwargs, only(*SECRETARY, ok=302)),
    "membership:share_class_new": ("get", None, only(*SECRETARY)),
    "membership:share_class_new#post": ("post", None, only(*SECRETARY, ok=400)),
    "membership:share_class": ("get", _share_class_kwargs, only(*SECRETARY)),
    "membership:share_class#post": ("post", _share_class_kwargs, only(*SECRETARY, ok=400)),
    "membership:share_class_voting": ("post", _share_class_kwargs, only(*SECRETARY, ok=400)),
    "membership:share_class_write_down": ("post", _share_class_kwargs,
                                          only(*SECRETARY, ok=400)),
    "membership:stakeholder_class_new": ("get", None, only(*SECRETARY)),
    "membership:stakeholder_class_new#post": ("post", None, only(*SECRETARY, ok=400)),
    "membership:stakeholder_class": ("get", _stakeholder_class_kwargs, only(*SECRETARY)),
    "membership:stakeholder_class#post": ("post", _stakeholder_class_kwargs,
                                          only(*SECRETARY, ok=400)),
    "membership:stakeholder_class_voting": ("post", _stakeholder_class_kwargs,
                                            only(*SECRETARY, ok=400)),
    "membership:register": ("get", None, only(*BOARD)),
    "membership:register_csv": ("get", None, only(*BOARD)),
    "membership:register_pdf": ("get", None, only(*BOARD)),
    "membership:suspension": ("get", None, only(*BOARD)),
    "membership:suspension#post": ("post", None, only(*BOARD, ok=400)),
    "membership:classes": ("get", None, only(*BOARD)),
    "meetings:list": ("get", None, only(*BOARD)),
    "meetings:new": ("get", None, only(*SECRETARY)),
    "meetings:new#post": ("post", None, only(*SECRETARY, ok=400)),
    "meetings:meeting": ("get", _meeting_kwargs, only(*BOARD)),
    "meetings:edit": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:item_add": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:item_remove": ("post", _item_kwargs, only(*SECRETARY, ok=302)),
    "meetings:candidate_add": ("post", _item_kwargs, only(*SECRETARY, ok=400)),
    "meetings:item_outcome": ("post", _item_kwargs, only(*SECRETARY, ok=400)),
    "meetings:document_add": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:document": ("get", _paper_kwargs, only(*BOARD)),
    "meetings:notice_send": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:notice_progress": ("get", _sent_kwargs, only(*SECRETARY)),
    "meetings:service": ("get", _sent_kwargs, only(*SECRETARY)),
    "meetings:short_notice": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:letters": ("get", _letters_kwargs, only(*SECRETARY)),
    "meetings:letters_posted": ("post", _letters_posted_kwargs, only(*SECRETARY, ok=400)),
    "meetings:open": ("post", _meeting_kwargs, only(*SECRETARY, ok=302)),
    "meetings:attendance": ("post", _sent_kwargs, only(*SECRETARY, ok=400)),
    "meetings:attendance_leave": ("post", _attendance_kwargs, only(*SECRETARY, ok=302)),
    "meetings:quorum": ("get", _sent_kwargs, only(*BOARD)),
    "meetings:adjourn": ("post", _sent_kwargs, only(*SECRETARY, ok=400)),
    "meetings:close": ("post", _sent_kwargs, only(*SECRETARY, ok=400)),
    "meetings:rotation": ("post", _meeting_kwargs, only(*SECRETARY, ok=400)),
    "meetings:rulebook": ("get", None, only(*BOARD)),
    "meetings:rulebook_adopt": ("post", None, only(*SECRETARY, ok=400)),
    "meetings:plan": ("get", None, only(*BOARD)),
    "meetings:board": ("get", None, only(*BOARD)),
    "meetings:reserved_seats": ("post", None, only(*SECRETARY, ok=400)),
    "meetings:mine": ("get", None, only("member")),
    "meetings:member_meeting": ("get", _sent_kwargs, OWN_MEETING),
    "meetings:member_calendar": ("get", _sent_kwargs, OWN_MEETING),
    "meetings:member_paper": ("get", _paper_kwargs, OWN_MEETING),
    # The personal link in a notice opens that member's papers, whoever follows it.
    "meetings:member_link": ("get", _link_kwargs, EVERYONE),
    "meetings:link_calendar": ("get", _link_kwargs, EVERYONE),
    "meetings:link_paper": ("get", _link_paper_kwargs, EVERYONE),
    "ballots:create": ("post", _ballot_meeting_kwargs, only(*SECRETARY, ok=302)),
    "ballots:ballot": ("get", _ballot_kwargs, only(*BOARD)),
    "ballots:list": ("get", None, only(*BOARD, "scrutineer")),
    "ballots:new": ("get", None, only(*SECRETARY)),
    "ballots:new#post": ("post", None, only(*SECRETARY, ok=400)),
    "ballots:question_add": ("post", _ballot_kwargs, only(*SECRETARY, ok=400)),
    "ballots:voter_link": ("get", _voter_link_kwargs, EVERYONE),
    "ballots:open": ("post", _ballot_kwargs, only(*SECRETARY, ok=302)),
    # The secretary names the trustees; the ballot in the table is open, so its trustees
    # page shows the (absent) ceremony, and a restart is refused with a message.
    "ballots:trustees_plan": ("get", _ballot_kwargs, only(*SECRETARY)),
    "ballots:trustees_plan#post": ("post", _ballot_kwargs, only(*SECRETARY, ok=400)),
    "ballots:ceremony_restart": ("post", _ballot_kwargs, only(*SECRETARY, ok=302)),
    # Nobody in the table is a trustee: each trustee's pages are theirs alone (and need
    # two-factor, as every officer role does; see tests/ballots/test_trustee_pages.py).
    "ballots:trustee_home": ("get", None, only()),
    "ballots:trustee": ("get", _trustee_kwargs, only()),
    "ballots:trustee_count": ("post", _trustee_kwargs, only()),
    "ballots:trustee_download": ("get", _trustee_download_kwargs, only()),
    "ballots:close": ("post", _ballot_kwargs, only(*SECRETARY, ok=302)),
    # A member on the roll gets their ballot paper; the member who is also on the board is
    # not on this ballot's roll.
    "ballots:vote": ("get", _ballot_kwargs, OWN_MEETING),
    "ballots:check": ("get", _ballot_kwargs, EVERYONE),
    # The receipt comes by POST only; an empty form is sent back with its error.
    "ballots:check#post": ("post", _ballot_kwargs, {role: 400 for role in ROLES}),
    "ballots:link_vote": ("get", _vote_link_kwargs, EVERYONE),
    "ballots:proxy_register": ("get", _ballot_kwargs, only(*BOARD)),
    "ballots:proxy_register#post": ("post", _ballot_kwargs, only(*BOARD, ok=400,
                                                                 chair=200, board=200)),
    "ballots:room": ("get", _ballot_kwargs, only(*SECRETARY)),
    "ballots:room#post": ("post", _ballot_kwargs, only(*SECRETARY, ok=400)),
    "ballots:hands": ("post", _ballot_kwargs, only(*SECRETARY, ok=400)),
    "ballots:paper_withdraw": ("post", _paper_kwargs_ballot, only(*SECRETARY, ok=400)),
    # The proxy pages need a meeting's rules; this ballot's have no proxies section, so
    # the page says proxies are not allowed.
    "ballots:proxy": ("get", _ballot_kwargs, OWN_MEETING),
    "ballots:link_proxy": ("get", _vote_link_kwargs, EVERYONE),
    "ballots:proxy_revoke": ("post", _revoke_kwargs, {**EVERYONE, **{
        role: 404 for role in ROLES}}),
    # A named proxy's page: anyone signed in (it lists what their email address holds).
    # The chair's proxies are voted on the chair's page, an officer page.
    "ballots:proxies_held": ("get", _chair_proxy_kwargs, SIGNED_IN_ONLY),
    "ballots:proxies_held#post": ("post", _chair_proxy_kwargs, SIGNED_IN_ONLY),
    "ballots:chair_proxies": ("get", _chair_proxy_kwargs, only("chair")),
    "ballots:chair_proxies#post": ("post", _chair_proxy_kwargs, only("chair")),
    "ballots:spoilt": ("post", _ballot_kwargs, only(*SECRETARY, ok=400)),
    "ballots:count_progress": ("get", _ballot_kwargs, only(*BOARD)),
    # The ballot is still open: publishing is refused with a message.
    "ballots:publish": ("post", _ballot_kwargs, only(*SECRETARY, ok=302)),
    "ballots:casting_vote": ("post", _question_kwargs, only(*SECRETARY, ok=302)),
    "ballots:scrutiny": ("get", _ballot_kwargs, only(*BOARD, "scrutineer")),
    # Until the results are published the bundle is for the scrutineer and the secretary
    # (board members are often candidates); asking for it before the count is refused.
    "ballots:scrutiny_bundle": ("post", _ballot_kwargs, only(
        *BOARD, "scrutineer", ok=302, chair=403, board=403)),
    "ballots:scrutiny_bundle_progress": ("get", _bundle_kwargs, only(
        *BOARD, "scrutineer", chair=403, board=403)),
    "ballots:scrutiny_bundle_download": ("get", _bundle_kwargs, only(
        *BOARD, "scrutineer", chair=403, board=403)),
    "ballots:results": ("get", _ballot_kwargs, only("member", *BOARD, "scrutineer")),
    "ballots:question_results": ("get", _question_kwargs,
                                 only("member", *BOARD, "scrutineer", ok=404)),
    "ballots:results_csv": ("get", _ballot_kwargs, only("member", *BOARD, "scrutineer",
                                                         ok=404)),
    "ballots:results_pdf": ("get", _ballot_kwargs, only("member", *BOARD, "scrutineer",
                                                         ok=404)),
    "ballots:link_results": ("get", _vote_link_kwargs, EVERYONE),
    "ballots:voter_results": ("get", _voter_link_kwargs, EVERYONE),
    # Third-party pages that people reach: checked too, though not required.
    "account_login": ("get", None, {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}}),
    "account_signup": ("get", None, {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}}),
    "mfa_index": ("get", None, SIGNED_IN_ONLY),
    "admin:index": ("get", None, {**{r: 302 for r in ROLES}, "admin": 200}),
}
# The health page runs live checks; it has its own test (tests/governance/test_outbox.py).
NOT_IN_TABLE = {"governance:health"}


def platform_url_names() -> dict[str, object]:
    """name -> view callback for every named URL in the platform's own apps."""
    found = {}

    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in PLATFORM_NAMESPACES:
                found[f"{namespace}:{entry.name}"] = entry.callback

    walk(get_resolver().url_patterns)
    return found


def test_every_platform_view_declares_who_may_use_it():
    names = platform_url_names()
    assert names, "no platform URLs found"
    undeclared = [name for name, view in names.items() if not hasattr(view, "access_rule")]
    assert not undeclared, f"views without @access: {undeclared}"
    covered = {name.split("#")[0] for name in TABLE}
    missing = sorted(set(names) - covered - NOT_IN_TABLE)
    assert not missing, f"URLs missing from the role table: {missing}"


def test_no_decision_is_open_to_the_site_administrator_alone():
    """Register, share and meeting decisions belong to the secretary and the board."""
    for name, view in platform_url_names().items():
        rule = view.access_rule
        if "admin" in rule:
            assert name in {"governance:system"}, f"{name} lets the site administrator in"


def _answer(response) -> object:
    if response.status_code == 302:
        location = urlparse(response["Location"]).path
        if location == reverse("account_login"):
            return LOGIN
        if location == reverse("mfa_activate_totp"):
            return MFA
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TABLE))
def test_role_table(client, users, name):
    method, kwargs_factory, expected = TABLE[name]
    url = reverse(name.split("#")[0], kwargs=kwargs_factory(users) if kwargs_factory else None)
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        response = getattr(client, method)(url)
        got[role] = _answer(response)
    assert got == {role: expected[role] for role in ROLES}


@pytest.mark.django_db
def test_unknown_url_is_404_with_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
