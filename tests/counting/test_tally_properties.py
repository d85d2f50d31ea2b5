"""Random valid tally files: the count never fails, the percentage in its reason is the
one `percentage_for` gives (rounded alike), and the result does not depend on the order
of the rows."""

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.counting.tally import tally_from_json

CLASSES = ["Workers", "Users", "Investors", "Staff"]
shares = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(99, 100),
                      max_denominator=100)


@st.composite
def tally_files(draw):
    basis = draw(st.sampled_from(["one_member_one_vote", "one_share_one_vote",
                                  "class_weighted"]))
    classes = draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=4, unique=True))
    rules = {"voting_basis": basis,
             "dual_test": draw(st.booleans()), "two_stage": draw(st.booleans()),
             "threshold": {"comparator": draw(st.sampled_from([">", ">="])),
                           "value": str(draw(st.sampled_from(
                               [Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)])))}}
    if basis == "class_weighted":
        cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(classes) - 1,
                                    max_size=len(classes) - 1)))
        bounds = [0, *cuts, 100]
        rules["class_weights"] = {name: f"{bounds[i + 1] - bounds[i]}/100"
                                  for i, name in enumerate(classes)}
        rules["empty_class"] = draw(st.sampled_from(["rescale", "zero"]))
    if draw(st.booleans()):
        rules["class_caps"] = {draw(st.sampled_from(classes)): str(draw(shares))}
    if draw(st.booleans()):
        rules["excluded_classes"] = draw(st.lists(st.sampled_from(classes), max_size=1))
    if draw(st.booleans()):
        rules["casting_vote"] = "chair"
        choice = draw(st.sampled_from([None, "for", "against"]))
        if choice:
            rules["chair_casting_vote"] = choice
    votes = draw(st.lists(st.fixed_dictionaries({
        "class": st.sampled_from(classes),
        "weight": st.integers(0, 50).map(str),
        "choice": st.sampled_from(["for", "against", "withheld"]),
        "count": st.integers(0, 40)}), max_size=12))
    voted = sum(v["count"] * (int(v["weight"]) if basis == "one_share_one_vote" else 1)
                for v in votes)
    denominator = draw(st.sampled_from(["votes_cast", "eligible_members",
                                        "total_voting_rights"]))
    if basis == "one_share_one_vote" or denominator != "total_voting_rights":
        rules["denominator"] = denominator
        if denominator != "votes_cast" or draw(st.booleans()):
            papers = sum(v["count"] * (int(v["weight"]) if denominator ==
                                       "total_voting_rights" else 1) for v in votes)
            rules["eligible"] = max(papers, voted, 1) + draw(st.integers(0, 100))
            if draw(st.booleans()):
                rules["minimum_turnout"] = str(draw(shares))
    return {"resolution_type": "ordinary", "rules": rules, "votes": votes}


def half_up(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=150, deadline=None)
@given(tally_files(), st.randoms())
def test_random_valid_files_count_with_reasons_rounded_as_the_percentage(data, rng):
    result = tally_from_json(data)
    report = result.to_json()
    assert report["outcome"] in ("passed", "passed_pending_confirmation", "not_passed",
                                 "tied_undecided")
    assert report["reason"].endswith(".")
    headline = re.search(r"(\d+(?:\.\d\d)?)% of the votes cast were for|the weighted vote "
                         r"for is (\d+(?:\.\d\d)?)%", report["reason"])
    if headline:
        assert Decimal(headline[1] or headline[2]) == result.percentage_for, report
    measured = re.search(r" for is (\d+(?:\.\d\d)?)% of the ", report["reason"])
    if measured:
        exact = result.votes_for / Fraction(data["rules"]["eligible"]) * 100
        assert Decimal(measured[1]) == half_up(exact), report
    shuffled = {**data, "votes": rng.sample(data["votes"], len(data["votes"]))}
    assert tally_from_json(shuffled).to_json() == report
