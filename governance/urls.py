from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("health/", views.health_page, name="health"),
    path("office/audit/", views.audit_log, name="audit_log"),
    path("office/officers/", views.officers, name="officers"),
    path("office/officers/<int:pk>/retire/", views.officer_retire, name="officer_retire"),
    path("scrutiny/", views.scrutiny, name="scrutiny"),
]
