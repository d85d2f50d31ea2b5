"""Every counting and dates command refuses bad input with a clear message and a non-zero
exit, never a traceback: `tally`, `stv_count`, `recount` and `meeting_dates`, given missing
files, folders, empty and binary files, wrong types and huge numbers. An election with no
ballots is refused wherever a BLT file is read."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots.counting import recount
from ballots.counting.blt import BltError, parse_blt

ROOT = Path(__file__).resolve().parents[2]
NO_DATABASE = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe\x00"


def refusal(name: str, *args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(name, *args, stdout=StringIO(), stderr=StringIO())
    return str(refused.value)


def write(tmp_path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


# --- Files of every kind that is not the file asked for, for every command that reads one


@pytest.mark.parametrize("command", ["tally", "stv_count", "recount"])
@pytest.mark.parametrize(("make", "words"), [
    (lambda tmp: str(tmp / "absent"), "No such file or directory"),
    (lambda tmp: str(tmp), None),  # a folder: for recount, a bundle with no ballot.json
    (lambda tmp: write(tmp, "empty", b""), "empty"),
    (lambda tmp: write(tmp, "image", PNG), None),
])
def test_a_file_that_is_not_the_right_file(tmp_path, command, make, words):
    args = [make(tmp_path)] + (["--rule", "ers97"] if command == "stv_count" else [])
    message = refusal(command, *args)
    assert message
    if words:
        assert words in message


# --- stv_count and BLT files ---------------------------------------------------------


@pytest.mark.parametrize(("text", "words"), [
    ("4 2\n0\nA\nB\nC\nD\n", "the file holds no ballots"),
    ("3 1\n0 1 2 0\n2 0\n0\nA\nB\nC\n", "2 ballot line(s) were empty or of weight 0"),
    ("3 1\n-1 -2\n5 1 2 0\n0\nA\nB\nC\n", "no ballot ranks a candidate who has not withdrawn"),
    ("2 1\n" + "9" * 30 + " 1 0\n0\nA\nB\n", "too long to be a number"),
    ("2 1\n" + "9" * 19 + " 1 0\n0\nA\nB\n", "is more than 1,000,000,000,000,000 papers"),
    ("99999999999999999999999 1\n", "too long to be a number"),
    ("2 1\n1 1 99999999999999 0\n0\nA\nB\n", "candidate 99999999999999 does not exist"),
])
def test_stv_count_refuses_a_file_it_cannot_count(tmp_path, text, words):
    path = write(tmp_path, "election.blt", text)
    assert words in refusal("stv_count", path, "--rule", "scottish")
    with pytest.raises(BltError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_blt(text)


def test_stv_count_refuses_an_unknown_rule(tmp_path):
    path = write(tmp_path, "election.blt", "2 1\n1 1 0\n0\nA\nB\n")
    assert "invalid choice: 'meek'" in refusal("stv_count", path, "--rule", "meek")


# --- recount: bundles whose own files are wrong --------------------------------------


def bundle(tmp_path, **files) -> str:
    """A bundle folder: one resolution, counted and stored, no manifest, with `files`
    replacing or adding files (None removes one)."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    contents = {
        "ballot.json": {"ballot": {}, "questions": [
            {"position": 1, "title": "Accounts", "kind": "resolution", "seats": 1,
             "file": "q1.tally.json"}]},
        "q1.tally.json": {"votes": [{"choice": "for", "count": 3}]},
        "results.json": {"1": {"outcome": "passed", "data": {}}},
    }
    contents.update(files)
    for name, data in contents.items():
        if data is None:
            continue
        raw = data if isinstance(data, bytes) else json.dumps(data).encode() \
            if not isinstance(data, str) else data.encode()
        (folder / name).write_bytes(raw)
    return str(folder)


ELECTION = {"ballot": {}, "questions": [
    {"position": 1, "title": "Board", "kind": "stv", "seats": 2, "file": "q1.blt",
     "rule": "ers97", "seed": 7}]}


@pytest.mark.parametrize(("files", "words"), [
    ({"ballot.json": None}, "ballot.json is missing from the bundle"),
    ({"ballot.json": "{not json"}, "ballot.json: not valid JSON"),
    ({"ballot.json": {"questions": "all"}}, "ballot.json: questions: expected a list"),
    ({"ballot.json": {"questions": [{"position": "1", "title": "A", "kind": "resolution",
                                     "file": "q1.tally.json"}]}},
     "ballot.json: questions[0].position: expected a whole number"),
    ({"ballot.json": {"questions": [{"position": 1, "title": "A", "kind": "approval",
                                     "file": "q1.tally.json"}]}},
     "ballot.json: questions[0].kind: the text 'approval' is not one of"),
    ({"ballot.json": {"questions": [{"position": 1, "title": "A", "kind": "stv",
                                     "seats": 10**9, "file": "q1.blt", "seed": 1}]}},
     "questions[0].seats"),
    ({"results.json": ["passed"]}, "results.json: expected an object, not a list"),
    ({"results.json": {"1": {"outcome": "passed"}}}, "results.json: 1.data: missing"),
    ({"q1.tally.json": None}, "q1.tally.json is missing from the bundle"),
    ({"q1.tally.json": "Gr\xfc\xdfe".encode("latin-1")}, "q1.tally.json: not UTF-8 text"),
    ({"q1.tally.json": {"rules": {"dual_test": "no"}, "votes": []}},
     "q1.tally.json: rules.dual_test: expected true or false"),
    ({"ballot.json": ELECTION, "q1.blt": "3 2\n0\nA\nB\nC\n"},
     "q1.blt: the file holds no ballots"),
    ({"ballot.json": ELECTION, "q1.blt": PNG}, "q1.blt: not UTF-8 text"),
    ({"ballot.json": {**ELECTION, "questions": [{**ELECTION["questions"][0], "seed": None}]},
      "q1.blt": "3 2\n1 1 0\n0\nA\nB\nC\n"}, "has no seed"),
    ({"ballot.json": {"questions": [{"position": 1, "title": "A", "kind": "fptp",
                                     "seats": 3, "file": "q1.blt", "seed": 1}]},
      "q1.blt": "2 1\n1 1 0\n0\nA\nB\n"}, "3 seats but only 2 candidates"),
])
def test_recount_refuses_a_bundle_it_cannot_read(tmp_path, files, words):
    assert words in refusal("recount", bundle(tmp_path, **files))


@pytest.mark.parametrize("manifest", ["[1, 2]", '{"files": {"a": 5}}', "\xff\xfe", "{"])
def test_a_broken_manifest_is_reported_as_a_problem_and_the_count_goes_on(tmp_path,
                                                                          manifest):
    path = bundle(tmp_path, **{"manifest.json": manifest.encode("latin-1")})
    out = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("recount", path, "--json", stdout=out)
    assert stopped.value.code == 1
    report = json.loads(out.getvalue())
    assert report["files_intact"] is False and report["problems"][0].startswith("manifest")
    assert report["questions"][0]["recount"]["outcome"] == "passed"


def test_a_bundle_too_large_to_be_one_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(recount, "MAX_BUNDLE_BYTES", 100)
    assert "larger than a bundle can be" in refusal("recount", bundle(tmp_path))


# --- meeting_dates ---------------------------------------------------------------------


SOCIETY = ["--legal-form", "coop_society", "--nation", "england-wales",
           "--notice-sent", "2025-03-03T10:00", "--meeting", "2025-03-22T10:00"]


def dates(*args: str) -> dict:
    out = StringIO()
    call_command("meeting_dates", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(("meeting", "expected"), [
    ("2025-03-22T10:00", "2025-03-22T10:00:00+00:00"),  # a Saturday
    ("2025-05-26T10:00", "2025-05-26T10:00:00+01:00"),  # the spring bank holiday
])
def test_a_deadline_of_no_hours_is_the_meetings_start(meeting, expected):
    args = [*SOCIETY[:-1], meeting, "--proxy-deadline-hours", "0",
            "--revocation-deadline-hours", "0"]
    result = dates(*args)
    assert result["proxy_appointment_deadline"] == expected
    assert result["proxy_revocation_deadline"] == expected


@pytest.mark.parametrize(("changes", "words"), [
    ({"--proxy-deadline-hours": "nan"}, "must be a number of hours, not nan"),
    ({"--proxy-deadline-hours": "inf"}, "must be a number of hours, not inf"),
    ({"--revocation-deadline-hours": "1e300"}, "cannot be more than 720"),
    ({"--proxy-deadline-hours": "100000000"}, "cannot be more than 720"),
    ({"--clear-days": "99999999999999999999"}, "cannot be more than 365"),
    ({"--notice-sent": "9999-12-31T23:00"}, "must fall between 1 January"),
    ({"--meeting": "9999-12-31T10:00"}, "must fall between 1 January"),
    ({"--meeting": "0001-01-01T00:30+05:00"}, "must fall between 1 January"),
    ({"--first-meeting": "9999-12-31"}, "must fall between 1 January"),
    ({"--first-meeting": "2025-03-03", "--legal-form": "cic_shares"},
     "a company's special resolution is passed at one meeting"),
    ({"--clear-days": "ten"}, "invalid int value: 'ten'"),
    ({"--proxy-deadline-hours": "48h"}, "invalid float value: '48h'"),
])
def test_meeting_dates_refuses_what_it_cannot_work_out(changes, words):
    args = list(SOCIETY)
    for option, value in changes.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    assert words in refusal("meeting_dates", *args)


# --- From the shell: exit status 1 and a message, never a traceback -------------------


@pytest.mark.parametrize("argv", [
    ["tally", "{tmp}/image"],
    ["stv_count", "{tmp}", "--rule", "ers97"],
    ["recount", "{tmp}/image"],
    ["meeting_dates", *SOCIETY, "--proxy-deadline-hours", "nan"],
])
def test_from_the_shell_a_message_and_status_1(tmp_path, argv):
    write(tmp_path, "image", PNG)
    done = subprocess.run([sys.executable, "manage.py",
                           *[a.replace("{tmp}", str(tmp_path)) for a in argv]],
                          cwd=ROOT, env=NO_DATABASE, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("CommandError: "), done.stderr
