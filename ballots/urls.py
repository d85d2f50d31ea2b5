from django.urls import path

from .views import member, office, proxy, results

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
    path("office/ballots/<int:pk>/spoilt/", office.spoilt_paper, name="spoilt"),
    path("office/ballots/<int:pk>/count/", office.count_progress, name="count_progress"),
    path("office/ballots/<int:pk>/publish/", office.results_publish, name="publish"),
    path("office/ballots/<int:pk>/questions/<int:question>/casting-vote/",
         office.casting_vote, name="casting_vote"),
    path("office/ballots/<int:pk>/scrutiny/", results.scrutiny, name="scrutiny"),
    path("office/ballots/<int:pk>/scrutiny/bundle/", results.scrutiny_bundle,
         name="scrutiny_bundle"),
    path("ballots/<int:pk>/results/", results.results, name="results"),
    path("ballots/<int:pk>/results/<int:question>/", results.question_results,
         name="question_results"),
    path("ballots/<int:pk>/results.csv", results.results_csv, name="results_csv"),
    path("ballots/<int:pk>/results.pdf", results.results_pdf_download, name="results_pdf"),
    path("ballots/<int:pk>/", member.ballot_vote, name="vote"),
    path("ballots/<int:pk>/check/", member.receipt_check, name="check"),
    path("ballots/<int:pk>/proxy/", proxy.proxy_appoint, name="proxy"),
    path("ballots/<int:pk>/proxy/<int:appointment>/revoke/", proxy.proxy_revoke,
         name="proxy_revoke"),
    path("ballots/<int:pk>/held/", proxy.proxies_held, name="proxies_held"),
    path("office/ballots/<int:pk>/chair-proxies/", proxy.chair_proxies,
         name="chair_proxies"),
    path("v/<str:token>/", member.link_vote, name="link_vote"),
    path("b/<str:token>/", member.voter_link, name="voter_link"),
    path("v/<str:token>/proxy/", proxy.link_proxy_appoint, name="link_proxy"),
    path("v/<str:token>/results/", results.link_results, name="link_results"),
    path("b/<str:token>/results/", results.voter_results, name="voter_results"),
]
