"""The BLT reader: the dialects in circulation, and clear errors naming the line."""

from pathlib import Path

import pytest

from ballots.counting.blt import BltError, parse_blt, read_blt

DATA = Path(__file__).resolve().parent.parent / "data" / "stv"


def test_ers97_file_comments_and_ballots_without_closing_zero():
    election = read_blt(DATA / "ers97" / "ers97.blt")
    assert election.candidates[:3] == ("Smith", "Carpenter", "Wright")
    assert len(election.candidates) == 11
    assert election.seats == 6
    assert election.title == "ERS97 Model Election"
    assert election.total_weight == 753
    ballots = dict(election.ballots)
    assert ballots[(0, 1)] == 35  # "35 1 2": no closing 0
    assert ballots[(0, 3)] == 20  # "20 1 4 0": with one
    assert ballots[(0,)] == 11  # "11 1 0"
    assert ballots[(1,)] == 81
    assert election.withdrawn == frozenset()
    assert election.ignored_lines == 0


def test_linn_file():
    election = read_blt(DATA / "scotland" / "Linn-2007.blt")
    assert election.seats == 4
    assert election.candidates[0] == "Esme H Clark"
    assert election.candidates[-1] == "Frank Young"
    assert election.title == "LINN"
    assert election.total_weight == 9567
    assert dict(election.ballots)[(0,)] == 295  # the first line, "295 1 0"


def test_slash_comments_and_unquoted_names():
    election = read_blt(DATA / "wikipedia" / "wikipedia-counting_stv.blt")
    assert election.candidates == ("Andrea", "Brad", "Carter", "Delilah")
    assert election.title == "Wikipedia example from article 'Counting Single Transferable Votes'"
    assert election.ballots == (((0, 1, 2, 3), 16), ((0, 2, 1, 3), 24), ((3, 0, 1, 2), 17))


def test_doubled_quotes_unquoted_title_and_comments_anywhere():
    election = parse_blt(
        "# a count of the board election\n"
        "3 1\n"
        "\n"
        "2 1 2 0\n"
        "# comment between ballots\n"
        "1 3\n"
        "0\n"
        '"Jane ""JJ"" Smith"\n'
        "// comment among the names\n"
        '"O\'Brien, Pat"\n'
        '""""\n'
        "Board election 2025\n")
    assert election.candidates == ('Jane "JJ" Smith', "O'Brien, Pat", '"')
    assert election.title == "Board election 2025"
    assert election.ballots == (((0, 1), 2), ((2,), 1))


def test_weight_zero_lines_and_empty_ballots_are_ignored():
    election = parse_blt(
        "3 1\n"
        "4 1 2 0\n"
        "0 2 3 0\n"  # weight 0
        "2 0\n"  # no preference
        "1\n"  # no preference, no closing 0
        "3 1 2\n"  # the same ranking again: added together
        "0\n"
        "A\nB\nC\n")
    assert election.ballots == (((0, 1), 7),)
    assert election.ignored_lines == 3
    assert election.title is None


def test_withdrawn_candidates():
    election = parse_blt("4 2\n-2 -4\n3 2 1 0\n1 3 0\n0\nA\nB\nC\nD\n\"T\"\n")
    assert election.withdrawn == frozenset({1, 3})
    assert election.ballots == (((1, 0), 3), ((2,), 1))  # the count passes over B


def test_byte_order_mark_and_crlf():
    election = parse_blt("\ufeff2 1\r\n1 1 2 0\r\n0\r\n\"A\"\r\n\"B\"\r\n\"Title\"\r\n")
    assert election.candidates == ("A", "B")
    assert election.title == "Title"


NINE = "".join(f'"Candidate {i}"\n' for i in range(1, 10))


@pytest.mark.parametrize(("text", "message"), [
    ("9 2\n# c\n3 1 2 0\n2 4 5 0\n1 9 0\n\n1 1 12 3 0\n0\n" + NINE,
     "line 7: candidate 12 does not exist (there are 9)"),
    ("", "the file is empty (no 'candidates seats' line)"),
    ("3\n1 1 0\n0\nA\nB\nC\n", "line 1: expected 'candidates seats', found '3'"),
    ("three 1\n", "line 1: number of candidates 'three' is not a whole number"),
    ("2 3\n", "line 1: 3 seats but only 2 candidates"),
    ("2 0\n", "line 1: there must be at least one seat"),
    ("3 1\n1 1 x 0\n0\nA\nB\nC\n", "line 2: candidate 'x' is not a whole number"),
    ("3 1\n1 1=2 3 0\n0\nA\nB\nC\n",
     "line 2: candidate '1=2' is not a whole number (equal preferences are not supported)"),
    ("3 1\n1 1 0 2\n0\nA\nB\nC\n", "line 2: preferences follow the 0 that ends the ballot"),
    ("3 1\n1 2 3 2 0\n0\nA\nB\nC\n", "line 2: candidate 2 is ranked more than once"),
    ("3 1\n1 0 0\n0\nA\nB\nC\n", "line 2: preferences follow the 0 that ends the ballot"),
    ("3 1\n-1 1 0\n0\nA\nB\nC\n", "line 2: withdrawn candidates must all be negative numbers"),
    ("3 1\n1 1 0\n-2\n0\nA\nB\nC\n", "line 3: weight -2 is negative"),
    ("3 1\n1.5 1 0\n0\nA\nB\nC\n", "line 2: weight '1.5' is not a whole number"),
    ("3 1\n-4\n0\nA\nB\nC\n", "line 2: candidate 4 does not exist (there are 3)"),
    ("3 1\n1 1 2 0\n2 3 0\n", "line 3: the file ends before the line '0' that closes the ballots"),
    ("3 1\n1 1 2 0\n0\nA\nB\n", "line 5: the file ends after 2 of 3 candidate names"),
    ("3 1\n1 1 0\n0\n\"A\"\n\"B\nC\n", "line 5: the quoted candidate name has no closing quote"),
    ("3 1\n1 1 0\n0\n\"A\" party\nB\nC\n",
     "line 4: unexpected text after the quoted candidate name: 'party'"),
    ("3 1\n1 1 0\n0\nA\nB\nA\n", "line 6: candidate name 'A' is used twice"),
    ("2 1\n1 1 0\n0\nA\n\"\"\n", "line 5: a candidate name is empty"),
    ("2 1\n1 1 0\n0\nA\nB\n\"Title\"\n\"More\"\n",
     "line 7: unexpected text after the title: '\"More\"'"),
])
def test_malformed_files_name_the_line(text, message):
    with pytest.raises(BltError) as info:
        parse_blt(text)
    assert str(info.value) == message


def test_error_carries_the_line_number():
    with pytest.raises(BltError) as info:
        parse_blt("2 1\n1 1 0\n1 3 0\n0\nA\nB\n")
    assert info.value.line == 3
    assert info.value.detail == "candidate 3 does not exist (there are 2)"


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.blt"
    path.write_bytes("2 1\n1 1 0\n0\n\"Ren\xe9e\"\n\"B\"\n".encode("latin-1"))
    with pytest.raises(BltError, match="^the file is not UTF-8 text"):
        read_blt(path)
