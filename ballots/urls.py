from django.urls import path

from .views import member, office

app_name = "ballots"

urlpatterns = [
    path("office/meetings/<int:meeting>/ballot/", office.ballot_create, name="create"),
    path("office/ballots/<int:pk>/", office.ballot_detail, name="ballot"),
    path("office/ballots/<int:pk>/open/", office.ballot_open, name="open"),
    path("office/ballots/<int:pk>/close/", office.ballot_close, name="close"),
    path("ballots/<int:pk>/", member.ballot_vote, name="vote"),
    path("ballots/<int:pk>/check/", member.receipt_check, name="check"),
    path("v/<str:token>/", member.link_vote, name="link_vote"),
]
