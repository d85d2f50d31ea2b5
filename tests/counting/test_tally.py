"""Resolutions counted by the one counting module, through the module and through
`manage.py tally`: scenarios S1, S2 and S4 of the governance rules, ties, and bad input."""

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots.counting.tally import TallyError, tally_from_json

DATA = Path(__file__).resolve().parent.parent / "data" / "tally"


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def command(data: dict, tmp_path) -> dict:
    path = tmp_path / "tally.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("tally", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def both(data: dict, tmp_path) -> dict:
    """The result through the module and through the command, which must agree."""
    through_module = tally_from_json(data).to_json()
    assert command(data, tmp_path) == through_module
    return through_module


def test_s1_a_special_resolution_fails_the_dual_test_in_the_investor_class(tmp_path):
    result = both(load("s1_fairshares_special"), tmp_path)
    assert result["outcome"] == "not_passed"
    assert (result["for"], result["against"], result["withheld"]) == ("73", "15", "2")
    assert result["percentage_for"] == "82.95"
    assert "no majority in the Investor class" in result["reason"]


def test_s1_with_a_majority_in_every_class_it_passes(tmp_path):
    data = load("s1_fairshares_special")
    data["votes"][4]["count"], data["votes"][5]["count"] = 5, 3
    result = both(data, tmp_path)
    assert result["outcome"] == "passed" and result["percentage_for"] == "85.23"


def test_s1_against_200_eligible_members_it_fails(tmp_path):
    data = load("s1_fairshares_special")
    data["votes"][4]["count"], data["votes"][5]["count"] = 5, 3
    data["rules"].update(denominator="eligible_members", eligible=200)
    result = both(data, tmp_path)
    assert result["outcome"] == "not_passed" and "37.50% of the 200 members" in \
        result["reason"]


def test_s2_the_weighted_vote_passes_although_the_headcount_does_not(tmp_path):
    result = both(load("s2_somerset_weighted"), tmp_path)
    assert result["outcome"] == "passed" and result["percentage_for"] == "68.75"
    assert result["classes"]["Users"] == {"for": "20", "against": "60", "withheld": "0"}


@pytest.mark.parametrize(("empty_class", "outcome", "percentage"), [
    ("rescale", "passed", "58.33"), ("zero", "not_passed", "43.75")])
def test_s2_when_no_investor_votes(tmp_path, empty_class, outcome, percentage):
    data = load("s2_somerset_weighted")
    data["votes"] = [v for v in data["votes"] if v["class"] != "Investors"]
    data["rules"]["empty_class"] = empty_class
    result = both(data, tmp_path)
    assert (result["outcome"], result["percentage_for"]) == (outcome, percentage)
    assert "Investors class cast no votes" in result["reason"]


def test_s4a_a_tie_decided_by_the_chairs_casting_vote(tmp_path):
    result = both(load("s4_tie_casting_vote"), tmp_path)
    assert result["outcome"] == "passed" and result["casting_vote"] == "for"
    assert (result["for"], result["against"]) == ("50", "50")  # the casting vote is apart


def test_s4b_a_tie_without_a_casting_vote_is_lost(tmp_path):
    data = load("s4_tie_casting_vote")
    data["rules"] = {"casting_vote": "none"}
    result = both(data, tmp_path)
    assert result["outcome"] == "not_passed" and "no casting vote" in result["reason"]


def test_a_casting_vote_not_recorded_is_never_guessed(tmp_path):
    data = load("s4_tie_casting_vote")
    del data["rules"]["chair_casting_vote"]
    assert both(data, tmp_path)["outcome"] == "tied_undecided"


def test_one_share_one_vote_a_cap_and_an_excluded_class(tmp_path):
    data = {"rules": {"voting_basis": "one_share_one_vote",
                      "class_caps": {"Investor": "0.10"}, "excluded_classes": ["Staff"]},
            "votes": [{"class": "Member", "weight": "1", "choice": "for", "count": 40},
                      {"class": "Member", "weight": "2", "choice": "against", "count": 10},
                      {"class": "Investor", "weight": "100", "choice": "against",
                       "count": 1},
                      {"class": "Staff", "weight": "5", "choice": "against", "count": 30}]}
    result = both(data, tmp_path)
    # Members: 40 for, 20 against; the investor's 100 count as 10% of the votes: 60/9 .
    assert result["against"] == "26.666667" and result["outcome"] == "passed"
    assert "Staff" not in result["classes"]


def test_two_stage_and_minimum_turnout(tmp_path):
    votes = [{"choice": "for", "count": 70}, {"choice": "against", "count": 10}]
    two_stage = both({"rules": {"two_stage": True, "threshold": {"comparator": ">=",
                                                                  "value": "2/3"}},
                      "votes": votes}, tmp_path)
    assert two_stage["outcome"] == "passed_pending_confirmation"
    low = both({"rules": {"minimum_turnout": "1/2", "eligible": 200}, "votes": votes},
               tmp_path)
    assert low["outcome"] == "not_passed" and "40% of those eligible" in low["reason"]


@pytest.mark.parametrize(("data", "message"), [
    ({"votes": [{"choice": "maybe", "count": 1}]}, "votes[0].choice"),
    ({"votes": [{"choice": "for", "count": -1}]}, "votes[0].count"),
    ({"rules": {"voting_basis": "class_weighted", "class_weights": {"A": "1/2"}},
      "votes": []}, "must add up to 1"),
    ({"rules": {"denominator": "eligible_members"}, "votes": []}, "rules.eligible"),
    ({"rules": {"quorum": 3}, "votes": []}, "unknown setting quorum"),
    ({"rules": {}}, "votes: missing"),
])
def test_bad_input_names_the_field(tmp_path, data, message):
    with pytest.raises(TallyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        tally_from_json(copy.deepcopy(data))
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        command(data, tmp_path)


def test_a_file_that_is_not_json_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"votes": [\n  {"choice": "for",}\n]}')
    with pytest.raises(CommandError, match="line 2"):
        call_command("tally", str(path), "--json", stdout=StringIO())
