from django.urls import path

from .views import member, office, proxy

app_name = "ballots"

urlpatterns = [
    path("office/meetings/<int:meeting>/ballot/", office.ballot_create, name="create"),
    path("office/ballots/", office.ballot_list, name="list"),
    path("office/ballots/new/", office.ballot_new, name="new"),
    path("office/ballots/<int:pk>/", office.ballot_detail, name="ballot"),
    path("office/ballots/<int:pk>/questions/", office.question_add, name="question_add"),
    path("office/ballots/<int:pk>/open/", office.ballot_open, name="open"),
    path("office/ballots/<int:pk>/close/", office.ballot_close, name="close"),
    path("office/ballots/<int:pk>/proxies/", office.proxy_register, name="proxy_register"),
    path("office/ballots/<int:pk>/room/", office.room_votes, name="room"),
    path("office/ballots/<int:pk>/hands/", office.show_of_hands, name="hands"),
    path("ballots/<int:pk>/", member.ballot_vote, name="vote"),
    path("ballots/<int:pk>/check/", member.receipt_check, name="check"),
    path("ballots/<int:pk>/proxy/", proxy.proxy_appoint, name="proxy"),
    path("ballots/<int:pk>/proxy/<int:appointment>/revoke/", proxy.proxy_revoke,
         name="proxy_revoke"),
    path("ballots/<int:pk>/held/", proxy.proxies_held, name="proxies_held"),
    path("v/<str:token>/", member.link_vote, name="link_vote"),
    path("b/<str:token>/", member.voter_link, name="voter_link"),
    path("v/<str:token>/proxy/", proxy.link_proxy_appoint, name="link_proxy"),
]
