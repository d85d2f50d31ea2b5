"""The secretary's meeting console: create the meeting, its agenda and papers; check,
preview and send the notice and follow its progress; take attendance and see the quorum;
adjourn or record the outcomes and the minutes. The board sees every page; the actions
are the secretary's."""

import csv
import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access, acting_as
from accounts.roles import BOARD, SECRETARY
from governance.exceptions import DomainError
from governance.http import form_submit, posted, refusal, status_for
from membership.selectors import member_by_number

from .. import forms, selectors
from ..models import MeetingStatus
from ..postal import postal_batch_csv, postal_batch_pdf
from ..services import board, meetings, notices


def _found(thing):
    if thing is None:
        raise Http404
    return thing


def paper_response(paper) -> FileResponse:
    return FileResponse(paper.file.open("rb"), as_attachment=True,
                        filename=paper.file.name.split("/")[-1],
                        content_type=paper.content_type)


def _meeting(pk: int):
    return _found(selectors.meeting_with_items(pk))


@access(*BOARD)
def meeting_list(request):
    return render(request, "meetings/list.html", {
        "upcoming": selectors.upcoming_meetings(), "past": selectors.past_meetings()[:20],
        "is_secretary": acting_as(request, *SECRETARY)})


@access(*SECRETARY)
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    form = forms.MeetingForm(posted(request))
    created = []
    if request.method == "POST" and form_submit(request, form, lambda data: created.append(
            meetings.meeting_create(actor=request.user, **data))):
        messages.success(request, "The meeting is created. Add its agenda next.")
        return redirect("meetings:meeting", pk=created[0].pk)
    return render(request, "meetings/new.html", {"form": form}, status=status_for(form))


def _console(request, meeting, *, item_forms: dict | None = None, **bound):
    """The meeting's page, with every form; one that was sent and refused comes back bound
    with its errors (`item_forms`: (item id, form name) -> form, for the forms each agenda
    item has)."""
    notice = selectors.latest_notice(meeting)
    page_forms = {
        "meeting_form": forms.MeetingForm(editing=True, initial={
            "title": meeting.title, "starts_at": timezone.localtime(meeting.starts_at),
            "place": meeting.place, "online_url": meeting.online_url,
            "online_details": meeting.online_details, "record_date": meeting.record_date}),
        "item_form": forms.ItemForm(), "document_form": forms.DocumentForm(),
        "notice_form": forms.NoticeForm(), "short_notice_form": forms.ShortNoticeForm(),
        "attendance_form": forms.AttendanceForm(), "adjourn_form": forms.AdjournForm(),
        "close_form": forms.CloseForm(), "posted_form": forms.PostedForm(
            initial={"posted_at": timezone.localtime().replace(second=0, microsecond=0)}),
        "rotation_form": forms.RotationForm(),
        **bound,
    }
    item_forms = item_forms or {}
    items = list(selectors.meeting_items(meeting))
    for item in items:
        item.candidate_form = item_forms.get((item.pk, "candidate")) or forms.CandidateForm(
            item=item.pk)
        item.outcome_form = item_forms.get((item.pk, "outcome")) or forms.OutcomeForm(
            item=item.pk, initial={"outcome": item.outcome})
    context = {
        "meeting": meeting, "items": items,
        "documents": meeting.documents.all(), "notice": notice,
        "is_secretary": acting_as(request, *SECRETARY), "settings": selectors.meeting_settings(
            meeting), **page_forms,
    }
    if meeting.status == MeetingStatus.DRAFT:
        subject, body, problems = notices.notice_preview(
            meeting=meeting, introduction=request.POST.get("introduction", ""))
        context.update(preview_subject=subject, preview_body=body, problems=problems,
                       short_notice=notices.short_notice_status(meeting=meeting))
    else:
        context.update(quorum=selectors.quorum_status(meeting),
                       attendance=selectors.attendance(meeting),
                       rotation=getattr(meeting, "rotation", None))
    if notice is not None and notice.mailing_id:
        context["progress"] = selectors.notice_progress(notice)
        context["postal_batches"] = notice.postal_batches.all()
        context["latest_deemed"] = selectors.latest_deemed_delivery(notice)
    failed = [*bound.values(), *item_forms.values()]
    return render(request, "meetings/console.html", context,
                  status=status_for(*failed) if failed else 200)


@access(*BOARD)
def meeting_detail(request, pk: int):
    return _console(request, _meeting(pk))


def _act(request, pk, *, form_name, form, action, done, item: int | None = None):
    meeting = _meeting(pk)
    if form_submit(request, form, lambda data: action(meeting, data)):
        messages.success(request, done)
        return redirect("meetings:meeting", pk=pk)
    if item is not None:
        return _console(request, _meeting(pk), item_forms={(item, form_name): form})
    return _console(request, _meeting(pk), **{form_name: form})


@access(*SECRETARY)
@require_POST
def meeting_edit(request, pk: int):
    return _act(request, pk, form_name="meeting_form",
                form=forms.MeetingForm(request.POST, editing=True),
                action=lambda meeting, data: meetings.meeting_update(
                    actor=request.user, meeting=meeting, **data),
                done="The meeting is changed.")


@access(*SECRETARY)
@require_POST
def item_add(request, pk: int):
    return _act(request, pk, form_name="item_form", form=forms.ItemForm(request.POST),
                action=lambda meeting, data: meetings.item_add(
                    actor=request.user, meeting=meeting, **data),
                done="The item is on the agenda.")


@access(*SECRETARY)
@require_POST
def item_remove(request, pk: int, item: int):
    meeting = _meeting(pk)
    try:
        meetings.item_remove(actor=request.user,
                             item=_found(selectors.item_for(meeting, item)))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The item is removed from the agenda.")
    return redirect("meetings:meeting", pk=pk)


@access(*SECRETARY)
@require_POST
def candidate_add(request, pk: int, item: int):
    def nominate(meeting, data):
        data = dict(data)
        number = data.pop("member_number")
        member = member_by_number(number=number) if number else None
        if number and member is None:
            raise DomainError("There is no member with that number.", field="member_number")
        meetings.candidate_add(actor=request.user,
                               item=_found(selectors.item_for(meeting, item)),
                               member=member, **data)

    return _act(request, pk, form_name="candidate", item=item,
                form=forms.CandidateForm(request.POST, item=item), action=nominate,
                done="The nomination is recorded.")


@access(*SECRETARY)
@require_POST
def document_add(request, pk: int):
    def upload(meeting, data):
        upload = data["file"]
        meetings.document_add(actor=request.user, meeting=meeting, title=data["title"],
                              name=upload.name, content=upload.read(),
                              content_type=upload.content_type or "")

    return _act(request, pk, form_name="document_form",
                form=forms.DocumentForm(request.POST, request.FILES), action=upload,
                done="The paper is added; it goes with the notice.")


@access(*BOARD)
def document_download(request, pk: int, document: int):
    paper = _found(_meeting(pk).documents.filter(pk=document).first())
    return paper_response(paper)


@access(*SECRETARY)
@require_POST
def notice_send(request, pk: int):
    meeting = _meeting(pk)
    form = forms.NoticeForm(request.POST)
    if form.is_valid():
        try:
            notices.notice_send(actor=request.user, meeting=meeting,
                                introduction=form.cleaned_data["introduction"])
        except notices.NoticeRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem.message)
        except DomainError as exc:
            refusal(request, form, exc)
        else:
            messages.success(request, "The notice is on its way to every member. The progress "
                                      "bar shows the emails as they go.")
            return redirect("meetings:meeting", pk=pk)
    return _console(request, _meeting(pk), notice_form=form)


@access(*SECRETARY)
def notice_progress(request, pk: int):
    notice = _found(selectors.latest_notice(_meeting(pk)))
    return JsonResponse(selectors.notice_progress(notice))


@access(*SECRETARY)
def proof_of_service(request, pk: int):
    meeting = _meeting(pk)
    notice = _found(selectors.latest_notice(meeting))
    rows = selectors.proof_of_service(notice)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["member_number", "name", "channel", "address", "status", "sent_at",
                         "deemed_delivered_at", "note"])
        for row in rows:
            writer.writerow([row.member_number, row.name, row.channel, row.address,
                             row.status, row.sent_at.isoformat() if row.sent_at else "",
                             row.deemed_delivered_at.isoformat()
                             if row.deemed_delivered_at else "", row.note])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="service-{notice.pk}.csv"'
        return response
    return render(request, "meetings/service.html", {
        "meeting": meeting, "notice": notice, "rows": rows,
        "latest": selectors.latest_deemed_delivery(notice)})


def _batch(meeting, batch: int):
    notice = _found(selectors.latest_notice(meeting))
    return _found(notice.postal_batches.filter(pk=batch).first())


@access(*SECRETARY)
def postal_batch_file(request, pk: int, batch: int, fmt: str):
    if fmt not in ("csv", "pdf"):
        raise Http404
    found = _batch(_meeting(pk), batch)
    if fmt == "pdf":
        response = HttpResponse(postal_batch_pdf(found), content_type="application/pdf")
    else:
        response = HttpResponse(postal_batch_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="letters-{found.pk}.{fmt}"'
    return response


@access(*SECRETARY)
@require_POST
def postal_batch_posted(request, pk: int, batch: int):
    meeting = _meeting(pk)
    return _act(request, pk, form_name="posted_form", form=forms.PostedForm(request.POST),
                action=lambda m, data: notices.postal_batch_posted(
                    actor=request.user, batch=_batch(meeting, batch), **data),
                done="The posting is recorded.")


@access(*SECRETARY)
@require_POST
def short_notice_consent(request, pk: int):
    def record(meeting, data):
        member = member_by_number(number=data["member_number"])
        if member is None:
            raise DomainError("There is no member with that number.", field="member_number")
        notices.short_notice_consent_record(actor=request.user, meeting=meeting, member=member,
                                            consented_on=data["consented_on"], how=data["how"])

    return _act(request, pk, form_name="short_notice_form",
                form=forms.ShortNoticeForm(request.POST), action=record,
                done="The agreement is recorded.")


# --- On the day ----------------------------------------------------------------------


@access(*SECRETARY)
@require_POST
def meeting_open(request, pk: int):
    try:
        meetings.meeting_open(actor=request.user, meeting=_meeting(pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The meeting is open.")
    return redirect("meetings:meeting", pk=pk)


@access(*SECRETARY)
@require_POST
def attendance_add(request, pk: int):
    def record(meeting, data):
        member = member_by_number(number=data["member_number"])
        if member is None:
            raise DomainError("There is no member with that number.", field="member_number")
        meetings.attendance_record(actor=request.user, meeting=meeting, member=member,
                                   mode=data["mode"], proxy_name=data["proxy_name"])

    return _act(request, pk, form_name="attendance_form",
                form=forms.AttendanceForm(request.POST), action=record,
                done="Registered as present.")


@access(*SECRETARY)
@require_POST
def attendance_leave(request, pk: int, attendance: int):
    present = _found(selectors.attendance(_meeting(pk)).filter(pk=attendance).first())
    meetings.attendance_leave(actor=request.user, attendance=present)
    messages.success(request, f"{present.member.full_name} has left.")
    return redirect("meetings:meeting", pk=pk)


@access(*BOARD)
def quorum(request, pk: int):
    status = selectors.quorum_status(_meeting(pk))
    return JsonResponse({"present": status.present, "required": status.required,
                         "quorate": status.quorate, "entitled": status.entitled,
                         "by_mode": status.present_by_mode})


@access(*SECRETARY)
@require_POST
def meeting_adjourn(request, pk: int):
    adjourned = []

    def adjourn(meeting, data):
        adjourned.append(meetings.meeting_adjourn(actor=request.user, meeting=meeting, **data))

    response = _act(request, pk, form_name="adjourn_form",
                    form=forms.AdjournForm(request.POST), action=adjourn,
                    done="The meeting is adjourned.")
    if adjourned:
        return redirect("meetings:meeting", pk=adjourned[0].pk)
    return response


@access(*SECRETARY)
@require_POST
def item_outcome(request, pk: int, item: int):
    return _act(request, pk, form_name="outcome", item=item,
                form=forms.OutcomeForm(request.POST, item=item),
                action=lambda meeting, data: meetings.item_outcome_record(
                    actor=request.user, item=_found(selectors.item_for(meeting, item)),
                    **data),
                done="The outcome is recorded.")


@access(*SECRETARY)
@require_POST
def meeting_close(request, pk: int):
    return _act(request, pk, form_name="close_form", form=forms.CloseForm(request.POST),
                action=lambda meeting, data: meetings.meeting_close(
                    actor=request.user, meeting=meeting, **data),
                done="The meeting is closed and its minutes recorded.")


@access(*SECRETARY)
@require_POST
def rotation_draw(request, pk: int):
    return _act(request, pk, form_name="rotation_form", form=forms.RotationForm(request.POST),
                action=lambda meeting, data: board.rotation_draw(
                    actor=request.user, meeting=meeting, seed=data["seed"] or None),
                done="Who retires by rotation is decided and recorded.")

