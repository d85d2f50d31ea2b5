"""A member's meetings: the notice as it was sent, the papers, and the meeting for their
calendar. Reached signed in, or through the personal link in the notice, which opens this
member's papers for this meeting and nothing else (members without a login have one too)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.access import PUBLIC, access
from accounts.roles import MEMBER
from governance.http import personal_page
from governance.selectors import organisation_get
from membership.selectors import member_for_user

from .. import selectors
from ..calendar_file import meeting_ics
from ..links import member_link_read
from .office import paper_response


def _own_member(request):
    member = member_for_user(user=request.user)
    if member is None:
        raise Http404
    return member


def _notice_or_404(*, member_id: int, meeting_id: int):
    """The member's notice of the meeting; 404 when they were not sent one, so that a
    member cannot tell another meeting's papers exist."""
    sent = selectors.member_notice(member_id=member_id, meeting_id=meeting_id)
    if sent is None:
        raise Http404
    return sent


def _from_link(token: str):
    found = member_link_read(token)
    if found is None:
        raise Http404
    member_id, meeting_id = found
    return _notice_or_404(member_id=member_id, meeting_id=meeting_id)


def _meeting_page(request, sent, *, token: str | None = None):
    meeting = sent.notice.meeting
    return personal_page(render(request, "meetings/member_meeting.html", {
        "sent": sent, "meeting": meeting, "notice": sent.notice, "member": sent.member,
        "documents": selectors.meeting_documents(meeting), "token": token,
        "items": list(selectors.meeting_items(meeting))}))


def _calendar(meeting):
    organisation = organisation_get()
    response = HttpResponse(meeting_ics(meeting, organisation_name=organisation.name),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return personal_page(response)


def _paper(meeting, document: int):
    paper = selectors.document_for(meeting, document)
    if paper is None:
        raise Http404
    return personal_page(paper_response(paper))


@access(*MEMBER)
def my_meetings(request):
    member = _own_member(request)
    return render(request, "meetings/my_meetings.html", {
        "meetings": selectors.member_meetings(member=member)})


@access(*MEMBER)
def member_meeting(request, pk: int):
    return _meeting_page(request, _notice_or_404(member_id=_own_member(request).pk,
                                                 meeting_id=pk))


@access(*MEMBER)
def member_calendar(request, pk: int):
    sent = _notice_or_404(member_id=_own_member(request).pk, meeting_id=pk)
    return _calendar(sent.notice.meeting)


@access(*MEMBER)
def member_paper(request, pk: int, document: int):
    sent = _notice_or_404(member_id=_own_member(request).pk, meeting_id=pk)
    return _paper(sent.notice.meeting, document)


@access(PUBLIC)
def link_meeting(request, token: str):
    return _meeting_page(request, _from_link(token), token=token)


@access(PUBLIC)
def link_calendar(request, token: str):
    return _calendar(_from_link(token).notice.meeting)


@access(PUBLIC)
def link_paper(request, token: str, document: int):
    return _paper(_from_link(token).notice.meeting, document)
