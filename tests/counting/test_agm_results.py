"""The published results of 26 UK building society AGM resolutions, reproduced to the
published percentage by the counting module (for / (for + against); withheld not a
vote)."""

import csv
from pathlib import Path

import pytest

from ballots.counting.tally import tally_from_json

ROWS = list(csv.DictReader(open(Path(__file__).resolve().parent.parent / "data" / "agm"
                                / "uk_mutual_agm_results.csv", encoding="utf-8")))


def test_the_file_holds_the_26_results():
    assert len(ROWS) == 26


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['organisation'][:20]}-"
                                                    f"{r['resolution'][:25]}")
def test_a_published_result_is_reproduced(row):
    result = tally_from_json({"resolution_type": "ordinary", "votes": [
        {"choice": "for", "count": int(row["votes_for"])},
        {"choice": "against", "count": int(row["votes_against"])},
        {"choice": "withheld", "count": int(row["votes_withheld"])}]}).to_json()
    assert result["percentage_for"] == f"{float(row['pct_for_published']):.2f}"
    assert result["withheld"] == row["votes_withheld"]
