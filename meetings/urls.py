from django.urls import path

from .views import member, office, planning

app_name = "meetings"

urlpatterns = [
    # The secretary's console (the board may look).
    path("office/meetings/", office.meeting_list, name="list"),
    path("office/meetings/new/", office.meeting_new, name="new"),
    path("office/meetings/<int:pk>/", office.meeting_detail, name="meeting"),
    path("office/meetings/<int:pk>/edit/", office.meeting_edit, name="edit"),
    path("office/meetings/<int:pk>/items/", office.item_add, name="item_add"),
    path("office/meetings/<int:pk>/items/<int:item>/remove/", office.item_remove,
         name="item_remove"),
    path("office/meetings/<int:pk>/items/<int:item>/candidates/", office.candidate_add,
         name="candidate_add"),
    path("office/meetings/<int:pk>/items/<int:item>/outcome/", office.item_outcome,
         name="item_outcome"),
    path("office/meetings/<int:pk>/papers/", office.document_add, name="document_add"),
    path("office/meetings/<int:pk>/papers/<int:document>/", office.document_download,
         name="document"),
    path("office/meetings/<int:pk>/notice/", office.notice_send, name="notice_send"),
    path("office/meetings/<int:pk>/notice/progress/", office.notice_progress,
         name="notice_progress"),
    path("office/meetings/<int:pk>/notice/service/", office.proof_of_service,
         name="service"),
    path("office/meetings/<int:pk>/notice/short/", office.short_notice_consent,
         name="short_notice"),
    path("office/meetings/<int:pk>/letters/<int:batch>.<str:fmt>", office.postal_batch_file,
         name="letters"),
    path("office/meetings/<int:pk>/letters/<int:batch>/posted/", office.postal_batch_posted,
         name="letters_posted"),
    path("office/meetings/<int:pk>/open/", office.meeting_open, name="open"),
    path("office/meetings/<int:pk>/attendance/", office.attendance_add, name="attendance"),
    path("office/meetings/<int:pk>/attendance/<int:attendance>/left/",
         office.attendance_leave, name="attendance_leave"),
    path("office/meetings/<int:pk>/quorum/", office.quorum, name="quorum"),
    path("office/meetings/<int:pk>/adjourn/", office.meeting_adjourn, name="adjourn"),
    path("office/meetings/<int:pk>/close/", office.meeting_close, name="close"),
    path("office/meetings/<int:pk>/rotation/", office.rotation_draw, name="rotation"),
    # The rules, planning and the board.
    path("office/rules/", planning.rulebook, name="rulebook"),
    path("office/rules/adopt/", planning.rulebook_adopt, name="rulebook_adopt"),
    path("office/meetings/plan/", planning.plan, name="plan"),
    path("office/board/", planning.board_page, name="board"),
    path("office/board/reserved-seats/", planning.reserved_seats_set, name="reserved_seats"),
    # Members.
    path("meetings/", member.my_meetings, name="mine"),
    path("meetings/<int:pk>/", member.member_meeting, name="member_meeting"),
    path("meetings/<int:pk>/calendar.ics", member.member_calendar, name="member_calendar"),
    path("meetings/<int:pk>/papers/<int:document>/", member.member_paper,
         name="member_paper"),
    path("m/<str:token>/", member.link_meeting, name="member_link"),
    path("m/<str:token>/calendar.ics", member.link_calendar, name="link_calendar"),
    path("m/<str:token>/papers/<int:document>/", member.link_paper, name="link_paper"),
]
