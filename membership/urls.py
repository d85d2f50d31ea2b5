from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("join/", views.apply, name="apply"),
    path("join/sent/", views.apply_sent, name="apply_sent"),
    path("join/confirm/<str:token>/", views.apply_confirm, name="apply_confirm"),
    path("me/", views.portal, name="portal"),
    path("me/buy/", views.buy_shares, name="buy_shares"),
    path("me/withdraw/", views.request_withdrawal, name="withdraw"),
    path("certificates/<int:number>/", views.certificate, name="certificate"),
    path("register/", views.members_register, name="members_register"),
    path("office/", views.office, name="office"),
    path("office/applications/", views.application_list, name="applications"),
    path("office/applications/<int:pk>/", views.application_detail, name="application"),
    path("office/withdrawals/", views.withdrawal_queue, name="withdrawals"),
    path("office/members/<int:pk>/", views.member_detail, name="member"),
    path("office/import/", views.import_register, name="import"),
    path("office/import/<int:pk>/", views.import_run, name="import_run"),
    path("office/inspections/", views.inspections, name="inspections"),
    path("office/inspections/<int:pk>/close/", views.inspection_close,
         name="inspection_close"),
    path("board/register/", views.register, name="register"),
    path("board/register.csv", views.register_csv, name="register_csv"),
    path("board/register.pdf", views.register_pdf_view, name="register_pdf"),
    path("board/withdrawals/suspension/", views.suspension, name="suspension"),
    path("board/classes/", views.classes, name="classes"),
]
