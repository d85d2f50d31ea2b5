"""What a count decides at its edges: a weighted "tie" that is not one (C4, S2), caps that
limit voting strength but not turnout or the withheld figure (C3, D8(b)), and reasons
whose percentages round as `percentage_for` does and read the same on every run."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ballots.counting.tally import TallyError, tally_from_json

DATA = Path(__file__).resolve().parent.parent / "data" / "tally"


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def through_command(data: dict, tmp_path) -> dict:
    path = tmp_path / "tally.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("tally", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def weighted_workers_only(empty_class: str, **rules) -> dict:
    """S2's weights; the Workers split 2 for, 2 against; Users and Investors cast nothing."""
    data = load("s2_somerset_weighted")
    data["rules"].update(empty_class=empty_class, casting_vote="chair", **rules)
    data["votes"] = [{"class": "Workers", "choice": "for", "count": 2},
                     {"class": "Workers", "choice": "against", "count": 2}]
    return data


# --- A weighted "tie" that is not one -------------------------------------------------


@pytest.mark.parametrize("casting", [{"chair_casting_vote": "for"}, {}])
def test_equal_weighted_votes_below_half_are_lost_not_tied(tmp_path, casting):
    # Counted as none for, the empty classes keep their half of the weight: 25% for and
    # 25% against is 25% for, below the "more than 50%" the rules need (C4, S2).
    data = weighted_workers_only("zero", **casting)
    result = tally_from_json(data).to_json()
    assert through_command(data, tmp_path) == result
    assert (result["outcome"], result["percentage_for"]) == ("not_passed", "25.00")
    assert result["casting_vote"] is None
    assert result["reason"].startswith("Not passed: the weighted vote for is 25%, more than "
                                       "50% needed")


def test_with_the_weights_rescaled_the_same_votes_are_a_real_tie():
    data = weighted_workers_only("rescale", chair_casting_vote="for")
    result = tally_from_json(data).to_json()
    assert (result["outcome"], result["percentage_for"]) == ("passed", "50.00")
    assert result["casting_vote"] == "for"
    del data["rules"]["chair_casting_vote"]
    assert tally_from_json(data).outcome == "tied_undecided"


def test_counted_as_none_for_with_every_class_voting_a_split_is_a_tie():
    data = load("s2_somerset_weighted")
    data["rules"].update(empty_class="zero", casting_vote="chair")
    data["votes"] = [{"class": name, "choice": choice, "count": 1}
                     for name in ("Workers", "Users", "Investors")
                     for choice in ("for", "against")]
    assert tally_from_json(data).outcome == "tied_undecided"


# --- Caps limit voting strength; turnout counts the members who voted -----------------


CONVERSION = {"resolution_type": "conversion",
              "rules": {"threshold": {"comparator": ">=", "value": "3/4"},
                        "minimum_turnout": "1/2", "eligible": 100, "two_stage": True,
                        "class_caps": {"Investor": "0.10"}},
              "votes": [{"class": "Member", "choice": "for", "count": 20},
                        {"class": "Investor", "choice": "for", "count": 30},
                        {"class": "Investor", "choice": "withheld", "count": 5}]}


def test_a_cap_does_not_shrink_the_turnout_of_a_conversion(tmp_path):
    # 55 of the 100 eligible members voted (D8(b): at least half must). Scaling the
    # Investors' papers down to their 10% cap first made it 22.59% and failed it.
    result = tally_from_json(CONVERSION).to_json()
    assert through_command(CONVERSION, tmp_path) == result
    assert result["outcome"] == "passed_pending_confirmation"
    assert "of those eligible voted" not in result["reason"]
    assert "the Investor class's votes were scaled down to 10% of the votes cast" in \
        result["reason"]


def test_a_cap_scales_the_votes_for_and_against_but_not_withheld():
    result = tally_from_json(CONVERSION).to_json()
    assert result["withheld"] == "5"
    assert result["classes"]["Investor"] == {"for": "2.222222", "against": "0",
                                             "withheld": "5"}
    # Capped: the Investors' 30 for count as 20 x 0.1 / 0.9 = 2.22, 10% of the votes cast.
    assert result["for"] == "22.222222"


def test_a_turnout_below_the_minimum_still_fails():
    data = json.loads(json.dumps(CONVERSION))
    data["votes"][1]["count"] = 20  # 45 of 100 voted
    result = tally_from_json(data)
    assert result.outcome == "not_passed"
    assert result.reason.startswith("Not passed: 45% of those eligible voted, below the 50% "
                                    "the rules require")


def test_turnout_counted_in_voting_rights_when_the_rules_count_voting_rights():
    data = {"rules": {"voting_basis": "one_share_one_vote", "denominator":
                      "total_voting_rights", "eligible": 1000, "minimum_turnout": "1/2"},
            "votes": [{"weight": "300", "choice": "for", "count": 1},
                      {"weight": "10", "choice": "withheld", "count": 25}]}
    result = tally_from_json(data)  # 550 of 1,000 voting rights voted
    assert "of those eligible voted" not in result.reason
    data["votes"][1]["count"] = 15  # 450
    assert tally_from_json(data).reason.startswith("Not passed: 45% of those eligible voted")


def test_more_voting_than_are_eligible_is_refused():
    data = json.loads(json.dumps(CONVERSION))
    data["rules"]["eligible"] = 50
    with pytest.raises(TallyError, match=r"votes: 55 members voted, more than the 50 "
                                         r"eligible \(rules.eligible\)"):
        tally_from_json(data)


# --- Reasons: rounded as the percentage, and worded the same on every run -------------


@pytest.mark.parametrize(("votes_for", "votes_against", "percentage"), [
    (1, 31, "3.13"),  # 3.125%: half up, as percentage_for rounds (a float said 3.12)
    (1, 7, "12.50"), (2, 1, "66.67"), (73, 15, "82.95")])
def test_the_reason_rounds_as_percentage_for(votes_for, votes_against, percentage):
    result = tally_from_json({"votes": [
        {"choice": "for", "count": votes_for},
        {"choice": "against", "count": votes_against}]}).to_json()
    assert result["percentage_for"] == percentage
    assert f"{percentage}% of the votes cast were for" in result["reason"]


def test_the_reason_names_empty_classes_in_alphabetical_order():
    names = ["Zeta", "Alpha", "Mu", "Beta", "Omega", "Kappa", "Delta"]
    data = {"rules": {"voting_basis": "class_weighted",
                      "class_weights": {name: "1/7" for name in names}},
            "votes": [{"class": "Zeta", "choice": "for", "count": 1}]}
    reason = tally_from_json(data).reason
    order = [reason.index(f"the {name} class cast no votes") for name in sorted(names)[:-1]]
    assert order == sorted(order), reason

