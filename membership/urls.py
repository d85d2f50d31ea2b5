from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("me/", views.portal, name="portal"),
    path("office/", views.office, name="office"),
    path("board/register/", views.register, name="register"),
]
