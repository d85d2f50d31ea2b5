"""Published figures never narrow a vote down to a few people: a class of fewer than 5
voters on a secret question is shown only merged with the other small classes, and not
at all if they are fewer than 5 together. The count itself used every class."""
from types import SimpleNamespace

from ballots.results import SMALL_CLASSES, published_classes


def question(cells, *, recorded=False):
    return SimpleNamespace(position=1, recorded=recorded, ballot=SimpleNamespace(
        count_record={"cells": {"1": {slug: {"papers": n} for slug, n in cells.items()}}}))


DATA = {"classes": {"staff": {"for": "30", "against": "10", "withheld": "2"},
                    "users": {"for": "1", "against": "0", "withheld": "0"},
                    "community": {"for": "2", "against": "1", "withheld": "1"},
                    "founders": {"for": "0", "against": "1", "withheld": "0"}}}


def test_a_lone_voters_class_is_merged_with_the_other_small_ones():
    shown = dict(published_classes(question({"staff": 42, "users": 1, "community": 4,
                                             "founders": 1}), DATA))
    assert set(shown) == {"staff", SMALL_CLASSES}
    assert shown[SMALL_CLASSES] == {"for": "3", "against": "2", "withheld": "1"}


def test_small_classes_fewer_than_five_together_are_left_out():
    shown = dict(published_classes(question({"staff": 42, "users": 1, "community": 2,
                                             "founders": 1}), DATA))
    assert set(shown) == {"staff"}


def test_a_recorded_vote_is_shown_as_it_is():
    shown = dict(published_classes(question({"users": 1}, recorded=True), DATA))
    assert set(shown) == set(DATA["classes"])
