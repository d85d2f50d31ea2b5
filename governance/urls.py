from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("health/", views.health_page, name="health"),
    path("system/", views.system, name="system"),
    path("office/audit/", views.audit_log, name="audit_log"),
    path("office/organisation/", views.organisation, name="organisation"),
    path("office/officers/", views.officers, name="officers"),
    path("office/officers/appoint/", views.officer_appoint, name="officer_appoint"),
    path("office/officers/<int:pk>/retire/", views.officer_retire, name="officer_retire"),
    path("office/mailings/<int:pk>/", views.mailing, name="mailing"),
    path("office/deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
    path("scrutiny/", views.scrutiny, name="scrutiny"),
    path("office/asset-lock/", views.asset_lock, name="asset_lock"),
    path("office/asset-lock/propose/<str:kind>/", views.asset_lock_propose,
         name="asset_lock_propose"),
    path("office/asset-lock/<int:pk>/", views.asset_lock_decision,
         name="asset_lock_decision"),
]
