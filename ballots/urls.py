app_name = "ballots"

# Ballot pages arrive with the voting issues.
urlpatterns: list = []
