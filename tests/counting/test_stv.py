"""STV counts against published results: the official Linn 2007 count (Scottish rules,
every stage), OpenSTV's ERS97 report of the ERS model election, the two Wikipedia
examples; ties, lots, the count's invariants and the stv_count command."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.counting.blt import read_blt
from ballots.counting.stv import ERS97, SCOTTISH, StvError, count_stv

DATA = Path(__file__).resolve().parent.parent / "data" / "stv"
ROOT = Path(__file__).resolve().parent.parent.parent
LINN = DATA / "scotland" / "Linn-2007.blt"
LINN_OFFICIAL = json.loads((DATA / "scotland" / "Linn-2007_official_stages.json").read_text())
ERS = DATA / "ers97" / "ers97.blt"
OPENSTV_REPORT = (DATA / "ers97" / "ers97_openstv_ERS97STV_report.txt").read_text()


def count_file(path: Path, rule: str, seed: int = 1):
    election = read_blt(path)
    return count_stv(election.ballots, election.candidates, election.seats, rule,
                     withdrawn=election.withdrawn, seed=seed)


# -- Scottish STV: the official Linn 2007 count, every stage ---------------------------

@pytest.fixture(scope="module")
def linn():
    return count_file(LINN, SCOTTISH).to_json()


def test_linn_totals_and_quota(linn):
    assert linn["seats"] == LINN_OFFICIAL["seats"] == 4
    assert linn["valid_votes"] == LINN_OFFICIAL["valid_votes"] == 9567
    assert linn["quota"] == LINN_OFFICIAL["quota"] == "1914.00000"
    assert len(linn["stages"]) == len(LINN_OFFICIAL["stages"]) == 10


@pytest.mark.parametrize("stage", range(1, 11))
def test_linn_stage_matches_official_report(linn, stage):
    ours, official = linn["stages"][stage - 1], LINN_OFFICIAL["stages"][stage - 1]
    assert set(ours) == set(official)  # same keys
    assert ours["votes"] == official["votes"]  # every candidate, to 5 places
    assert ours["non_transferable"] == official["non_transferable"]
    assert ours["elected"] == official["elected"]
    assert ours["excluded"] == official["excluded"]
    assert ours["surplus"] == official["surplus"]


def test_linn_elected_in_order_of_election(linn):
    assert linn["elected"] == ["David Ritchie", "Sadie Docherty", "John McKenzie", "Margot Clark"]
    assert linn["lots"] == []


def test_linn_stage_two_transfer_value_is_truncated():
    # 129 / 2043 = 0.0631424... -> 0.06314 a paper; Frank Young's 234 papers bring 14.77476.
    result = count_file(LINN, SCOTTISH)
    assert "0.06314" in result.stages[1].notes[0]
    gained = result.stages[1].votes["Frank Young"] - result.stages[0].votes["Frank Young"]
    assert gained == Decimal("14.77476") == 234 * Decimal("0.06314")


# -- ERS97: OpenSTV's report of the ERS model election ---------------------------------

def openstv_stages(report: str) -> dict[int, dict[str, Decimal | None]]:
    """The last row printed for each stage of an OpenSTV text report (a stage split into
    substages prints a row per substage), as {column name: value or None if blank}."""
    lines = report.splitlines()
    header = [i for i, line in enumerate(lines) if line.startswith(" R|")][0]
    names = [n.strip() for n in lines[header][3:].split("|")]
    names += [n.strip() for n in lines[header + 2][3:].split("|")]
    stages: dict[int, dict[str, Decimal | None]] = {}
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(\d+)\|", line)
        if not m:
            continue
        cells = line[3:].split("|") + lines[i + 1][3:].split("|")
        stages[int(m.group(1))] = {
            name: (Decimal(cell.strip()) if cell.strip() else None)
            for name, cell in zip(names, cells, strict=True)
        }
    return stages


@pytest.fixture(scope="module")
def ers97():
    return count_file(ERS, ERS97)


def test_ers97_quota_and_elected(ers97):
    assert ers97.valid_votes == 753
    assert ers97.quota == Decimal("107.58")
    # In order of election, as the report's stages tell it: Duke at stage 3 (substage 1),
    # Carpenter at stage 4, Prince at 5, Vicar and Freeman at 6.
    assert ers97.elected == ("Smith", "Duke", "Carpenter", "Prince", "Vicar", "Freeman")
    winners = re.search(r"Winners are (.*)\.", OPENSTV_REPORT).group(1)
    listed = [w.strip() for w in re.split(r",\s*(?:and\s+)?", winners)]
    assert listed == ["Smith", "Carpenter", "Duke", "Prince", "Vicar", "Freeman"]
    # The report lists the winners in ballot-paper order.
    in_ballot_order = [c for c in ers97.candidates if c in ers97.elected]
    assert in_ballot_order == listed


def test_ers97_every_stage_matches_openstv(ers97):
    report = openstv_stages(OPENSTV_REPORT)
    assert sorted(report) == [1, 2, 3, 4, 5, 6]
    assert len(ers97.stages) == 6
    for stage in ers97.stages:
        row = report[stage.number]
        for name, value in stage.votes.items():
            if row[name] is None:  # OpenSTV leaves an excluded candidate blank
                assert name in stage.excluded or value is None, (stage.number, name)
                assert value in (None, Decimal("0")), (stage.number, name)
            else:
                assert value == row[name], (stage.number, name)
        assert stage.non_transferable == row["Exhausted"], stage.number


def test_ers97_stage_actions(ers97):
    actions = [(s.surplus, s.excluded, s.elected) for s in ers97.stages]
    assert actions == [
        (None, (), ("Smith",)),
        ("Smith", (), ()),
        (None, ("Monk",), ("Duke",)),
        (None, ("Wright", "Glazier"), ("Carpenter",)),  # Duke's 1.10 deferred
        ("Carpenter", (), ("Prince",)),  # Prince on 104.31: the total active vote rule
        (None, ("Abbot",), ("Vicar", "Freeman")),
    ]
    assert "deferred" in ers97.stages[3].notes[0]
    # The count ends within stage 6: Abbot keeps his 0.21 papers (10 of them).
    assert ers97.stages[5].votes["Abbot"] == Decimal("2.10")


# -- The Wikipedia examples ----------------------------------------------------------

EXPECTED = list(csv.DictReader((DATA / "wikipedia" / "expected_results.csv").open()))


@pytest.mark.parametrize("row", EXPECTED, ids=[r["file"] for r in EXPECTED])
@pytest.mark.parametrize("rule", [SCOTTISH, ERS97])
def test_wikipedia_examples(row, rule):
    result = count_file(DATA / "wikipedia" / row["file"], rule)
    expected = [name.strip() for name in row["expected_elected"].split(";")]
    assert result.seats == int(row["seats"])
    assert result.valid_votes == int(row["ballots_nonempty"])
    assert sorted(result.elected) == sorted(expected)
    if row["rule_tested_by_source"].startswith({SCOTTISH: "Scottish", ERS97: "ERS97"}[rule]):
        assert list(result.elected) == expected  # the source's rule: the order too


def test_wikipedia_stv_scottish_stages():
    result = count_file(DATA / "wikipedia" / "wikipedia-stv.blt", SCOTTISH)
    assert result.quota == Decimal(6)  # floor(20 / 4) + 1
    second = result.stages[1]
    assert second.surplus == "Chocolate"  # 6 over the quota, at 6/12 = 0.5 a paper
    assert second.votes["Strawberry"] == Decimal(5)
    assert second.votes["Sweets"] == Decimal(3)
    assert [s.excluded for s in result.stages[2:]] == [("Pear",), ("Sweets",)]


def test_wikipedia_counting_ers97_stages():
    result = count_file(DATA / "wikipedia" / "wikipedia-counting_stv.blt", ERS97)
    assert result.quota == Decimal("19.00")  # 57 / 3 exactly
    second = result.stages[1]
    # Andrea's surplus of 21 over 40 transferable papers: 0.525 -> 0.52 a paper.
    assert second.votes == {"Andrea": Decimal("19.00"), "Brad": Decimal("8.32"),
                            "Carter": Decimal("12.48"), "Delilah": Decimal("17.00")}
    assert second.non_transferable == Decimal("0.20")
    assert result.stages[2].excluded == ("Brad",)
    assert result.stages[2].votes["Carter"] == Decimal("20.80")


# -- Ties ----------------------------------------------------------------------------

def test_scottish_exclusion_tie_looks_back_to_the_most_recent_unequal_stage():
    # A's surplus (16 papers at 5/16) lifts X to 6; Z's exclusion lifts Y to 6. X was
    # lower at stage 1 but higher at stage 2, the most recent stage with unequal votes,
    # so Y is excluded (looking forward from stage 1 would exclude X).
    names = ["A", "X", "Y", "Z", "W"]
    ballots = [((0, 1), 16), ((1,), 1), ((2,), 4), ((3, 2), 2), ((4,), 7)]
    result = count_stv(ballots, names, 2, SCOTTISH, seed=1)
    votes = [(s.votes["X"], s.votes["Y"]) for s in result.stages[:3]]
    assert votes == [(1, 4), (6, 4), (6, 6)]
    assert result.stages[3].excluded == ("Y",)
    assert result.lots == ()
    assert result.elected == ("A", "W")


def test_ers97_exclusion_tie_looks_at_the_first_stage():
    # X and Y tie on 6.00 after both surpluses; at the first stage X had 1, Y 4: X goes
    # (looking back from the latest point would exclude Y, who was lower after A's surplus).
    names = ["A", "B", "X", "Y", "W"]
    ballots = [((0, 2), 10), ((0,), 5), ((1, 3), 4), ((1, 4), 2), ((1,), 7),
               ((2,), 1), ((3,), 4), ((4,), 7)]
    result = count_stv(ballots, names, 3, ERS97, seed=1)
    assert result.quota == Decimal("10.00")
    assert [(s.votes["X"], s.votes["Y"]) for s in result.stages[:3]] == [
        (Decimal(1), Decimal(4)), (Decimal(6), Decimal(4)), (Decimal(6), Decimal(6))]
    assert result.stages[3].excluded == ("X",)
    assert result.lots == ()
    assert result.elected == ("A", "B", "W")


@pytest.mark.parametrize("rule", [SCOTTISH, ERS97])
def test_tie_at_every_stage_is_decided_by_a_recorded_lot(rule):
    names = ["A", "B", "C"]
    ballots = [((0,), 1), ((1,), 1), ((2,), 1)]
    result = count_stv(ballots, names, 1, rule, seed=42)
    assert result.lots, "a lot must be drawn"
    first = result.lots[0]
    assert first.stage == 2
    assert first.tied == ("A", "B", "C")
    assert first.chosen in first.tied
    assert first.seed == 42
    assert first.chosen in result.stages[1].excluded
    assert len(result.elected) == 1 and result.elected[0] not in result.stages[1].excluded
    as_json = result.to_json()["lots"][0]
    assert as_json == {"stage": 2, "reason": first.reason, "tied": ["A", "B", "C"],
                       "chosen": first.chosen, "seed": 42}
    # The same seed draws the same lot; different seeds do not always agree.
    assert count_stv(ballots, names, 1, rule, seed=42).to_json() == result.to_json()
    chosen = {count_stv(ballots, names, 1, rule, seed=s).lots[0].chosen for s in range(30)}
    assert chosen == {"A", "B", "C"}


def test_scottish_equal_surpluses_with_no_earlier_stage_go_by_lot():
    names = ["A", "B", "C", "D"]
    ballots = [((0, 2), 8), ((1, 3), 8), ((2,), 1), ((3,), 2)]
    result = count_stv(ballots, names, 3, SCOTTISH, seed=7)  # quota 5: both 3 over
    assert result.stages[0].elected == ("A", "B")
    assert len(result.lots) == 1
    assert "rule 49" in result.lots[0].reason
    assert result.stages[1].surplus == result.lots[0].chosen


# -- Invariants and the API ------------------------------------------------------------

ballot_lists = st.lists(
    st.tuples(st.lists(st.integers(0, 5), min_size=0, max_size=6).map(tuple),
              st.integers(0, 40)),
    min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(ballots=ballot_lists, seats=st.integers(1, 4), rule=st.sampled_from([SCOTTISH, ERS97]))
def test_every_stage_accounts_for_every_vote(ballots, seats, rule):
    names = [f"C{i}" for i in range(6)]
    result = count_stv(ballots, names, seats, rule, seed=3)
    valid = sum(w for r, w in ballots if r and w)
    assert result.valid_votes == valid
    for stage in result.stages:
        held = sum(v for v in stage.votes.values() if v is not None)
        assert held + stage.non_transferable == valid
    assert len(result.elected) == seats == len(set(result.elected))
    stage_of = {n: s.number for s in result.stages for n in s.elected}
    assert sorted(stage_of) == sorted(result.elected)  # each elected at exactly one stage
    assert [stage_of[n] for n in result.elected] == sorted(stage_of[n] for n in result.elected)
    nt = [s.non_transferable for s in result.stages]
    assert nt == sorted(nt)
    if rule == SCOTTISH:
        assert result.quota == valid // (seats + 1) + 1
    else:
        assert result.quota == Decimal(-(-valid * 100 // (seats + 1))) / 100


def test_identical_ballots_one_by_one_or_added_together_count_the_same():
    one_by_one = [((0, 2), 1)] * 300 + [([1, 2, 0], 1)] * 250 + [((2,), 1)] * 120 \
        + [((3, 1), 1)] * 200
    together = [((0, 2), 300), ((1, 2, 0), 250), ((2,), 120), ((3, 1), 200)]
    names = ["A", "B", "C", "D"]
    for rule in (SCOTTISH, ERS97):
        a = count_stv(iter(one_by_one), names, 2, rule, seed=1).to_json()
        b = count_stv(together, names, 2, rule, seed=1).to_json()
        assert a == b
        assert a["valid_votes"] == 870


def test_withdrawn_candidates_are_passed_over():
    names = ["A", "B", "C"]
    result = count_stv([((1, 0), 5), ((2,), 3), ((1,), 2)], names, 1, SCOTTISH,
                       withdrawn=[1], seed=1)
    assert result.valid_votes == 8  # the 2 ballots for B alone name nobody standing
    assert result.stages[0].votes == {"A": 5, "B": None, "C": 3}
    assert result.elected == ("A",)
    assert result.withdrawn == ("B",)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rule": "meek"}, "unknown rule 'meek'"),
    ({"candidates": ["A", "A"]}, "candidate names must be unique"),
    ({"seats": 0}, "seats must be a positive whole number"),
    ({"ballots": [((0, 3), 1)]}, "a ballot ranks 3, which is not one of the 2 candidates"),
    ({"ballots": [((0,), -1)]}, "ballot weight -1 is negative"),
    ({"ballots": [((0,), 1.5)]}, "ballot weight 1.5 is not a whole number"),
    ({"withdrawn": [2]}, "withdrawn candidate 2 is not one of the 2 candidates"),
])
def test_bad_counts_are_refused(kwargs, message):
    args = {"ballots": [((0, 1), 1)], "candidates": ["A", "B"], "seats": 1,
            "rule": SCOTTISH, **kwargs}
    with pytest.raises(StvError) as info:
        count_stv(**args)
    assert str(info.value).startswith(message)


# -- The command -----------------------------------------------------------------------

def run_command(*args) -> str:
    out = io.StringIO()
    call_command("stv_count", *args, stdout=out)
    return out.getvalue()


def test_command_json_reproduces_the_official_linn_count():
    printed = run_command(str(LINN), "--rule", "scottish", "--json")
    data = json.loads(printed)  # one JSON object and nothing else
    for key in ("seats", "valid_votes", "quota", "stages"):
        assert data[key] == LINN_OFFICIAL[key], key
    assert data["elected"] == ["David Ritchie", "Sadie Docherty", "John McKenzie",
                               "Margot Clark"]
    assert data["rule"] == "scottish"


def test_command_json_ers97():
    data = json.loads(run_command(str(ERS), "--rule", "ers97", "--json"))
    assert data["quota"] == "107.58000"
    assert data["valid_votes"] == 753
    assert data["elected"] == ["Smith", "Duke", "Carpenter", "Prince", "Vicar", "Freeman"]
    assert data["stages"][1]["votes"]["Carpenter"] == "88.35000"
    assert data["stages"][5]["non_transferable"] == "25.56000"


def test_command_prints_a_result_sheet():
    printed = run_command(str(ERS), "--rule", "ers97")
    lines = printed.splitlines()
    assert lines[0] == "ERS97 Model Election"
    assert "6 seats, 753 valid votes, quota 107.58" in printed
    smith = next(line for line in lines if line.startswith("Smith "))
    assert smith.split() == ["Smith", "134.00*", "107.58", "107.58", "107.58", "107.58",
                             "107.58"]
    assert lines[-1] == "Elected, in order: Smith, Duke, Carpenter, Prince, Vicar, Freeman"


def test_command_reports_a_malformed_file(tmp_path):
    bad = tmp_path / "bad.blt"
    bad.write_text("3 1\n2 1 2 0\n1 3 4 0\n0\nA\nB\nC\n")
    with pytest.raises(CommandError) as info:
        run_command(str(bad), "--rule", "scottish")
    assert str(info.value) == f"{bad}: line 3: candidate 4 does not exist (there are 3)"


def test_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read .*missing.blt"):
        run_command(str(tmp_path / "missing.blt"), "--rule", "ers97")


def test_command_refuses_an_unknown_rule():
    with pytest.raises(CommandError, match="invalid choice: 'meek'"):
        run_command(str(ERS), "--rule", "meek")


def test_command_needs_no_database():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unreachable"}
    done = subprocess.run(
        [sys.executable, "manage.py", "stv_count", str(DATA / "wikipedia" / "wikipedia-stv.blt"),
         "--rule", "scottish", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["elected"] == ["Chocolate", "Orange", "Strawberry"]


def test_command_exits_non_zero_on_a_malformed_file(tmp_path):
    bad = tmp_path / "bad.blt"
    bad.write_text("2 1\n1 1 2\n")
    done = subprocess.run(
        [sys.executable, "manage.py", "stv_count", str(bad), "--rule", "ers97"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert done.returncode == 1
    assert "line 2: the file ends before the line '0' that closes the ballots" in done.stderr
    assert done.stdout == ""
