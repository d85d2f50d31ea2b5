import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
NO_DATABASE = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}

S7 = ["--legal-form", "cic_shares", "--nation", "england-wales",
      "--notice-sent", "2025-03-03T10:00", "--meeting", "2025-03-19T10:00"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "meeting_dates", *args], cwd=ROOT,
                          env=NO_DATABASE, capture_output=True, text=True, timeout=120)


def command(*args: str) -> str:
    out = StringIO()
    call_command("meeting_dates", *args, stdout=out)
    return out.getvalue()


def test_s7_json_with_no_database_reachable() -> None:
    done = run(*S7, "--proxy-deadline-hours", "48", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "deemed_delivery": "2025-03-05T10:00:00+00:00",
        "earliest_meeting": "2025-03-20",
        "meeting_lawful": False,
        "reason": "The notice is deemed delivered on Wednesday 5 March 2025; 14 clear days must "
                  "pass, so the earliest lawful date is Thursday 20 March 2025. A meeting on "
                  "Wednesday 19 March 2025 would be too early.",
        "proxy_appointment_deadline": "2025-03-17T10:00:00+00:00",
        "proxy_revocation_deadline": "2025-03-19T10:00:00+00:00",
    }


def test_error_with_no_database_reachable() -> None:
    done = run(*S7, "--clear-days", "10", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert ("A company must give at least 14 clear days' notice of a general meeting "
            "(Companies Act 2006 s.307(1)).") in done.stderr


def test_scottish_notice_before_easter() -> None:
    args = ["--legal-form", "company_guarantee", "--notice-sent", "2025-04-17T10:00",
            "--meeting", "2025-05-07T10:00", "--proxy-deadline-hours", "48",
            "--revocation-deadline-hours", "24", "--json"]
    scotland = json.loads(command(*args, "--nation", "scotland"))
    assert scotland == {
        "deemed_delivery": "2025-04-22T10:00:00+01:00",
        "earliest_meeting": "2025-05-07",
        "meeting_lawful": True,
        "reason": "The notice is deemed delivered on Tuesday 22 April 2025; 14 clear days must "
                  "pass, so the earliest lawful date is Wednesday 7 May 2025. A meeting on "
                  "Wednesday 7 May 2025 is lawful.",
        # Monday 5 May is a bank holiday: 48 working hours reach back to Friday 2 May.
        "proxy_appointment_deadline": "2025-05-02T10:00:00+01:00",
        "proxy_revocation_deadline": "2025-05-06T10:00:00+01:00",
    }
    england = json.loads(command(*args, "--nation", "england-wales"))
    assert (england["deemed_delivery"], england["earliest_meeting"],
            england["meeting_lawful"]) == ("2025-04-23T10:00:00+01:00", "2025-05-08", False)


def test_times_with_an_offset_are_honoured() -> None:
    result = json.loads(command("--legal-form", "cic_shares", "--nation", "england-wales",
                                "--notice-sent", "2025-06-02T09:00:00Z",
                                "--meeting", "2025-06-19T18:00:00+00:00", "--json"))
    assert result["deemed_delivery"] == "2025-06-04T10:00:00+01:00"
    assert result["earliest_meeting"] == "2025-06-19"
    assert result["proxy_revocation_deadline"] == "2025-06-19T19:00:00+01:00"


def test_society_with_first_meeting_and_72_hour_proxies() -> None:
    result = json.loads(command(
        "--legal-form", "cbs", "--nation", "england-wales", "--notice-sent", "2025-06-09T12:00",
        "--meeting", "2025-07-01T18:00", "--first-meeting", "2025-06-10",
        "--proxy-deadline-hours", "72", "--json"))
    assert result == {
        "deemed_delivery": "2025-06-11T12:00:00+01:00",
        "earliest_meeting": "2025-06-26",
        "meeting_lawful": True,
        "reason": "The notice is deemed delivered on Wednesday 11 June 2025; 14 clear days must "
                  "pass, so the earliest lawful date is Thursday 26 June 2025. A meeting on "
                  "Tuesday 1 July 2025 is lawful.",
        "proxy_appointment_deadline": "2025-06-26T18:00:00+01:00",
        "proxy_revocation_deadline": None,
        "confirmation_window": {"earliest": "2025-06-24", "latest": "2025-07-10"},
    }


def test_readable_output() -> None:
    assert command(*S7).splitlines() == [
        "Deemed delivery: Wednesday 5 March 2025 10:00 (2025-03-05T10:00:00+00:00)",
        "Earliest lawful meeting: Thursday 20 March 2025",
        "Meeting lawful: no. The notice is deemed delivered on Wednesday 5 March 2025; 14 clear "
        "days must pass, so the earliest lawful date is Thursday 20 March 2025. A meeting on "
        "Wednesday 19 March 2025 would be too early.",
        "Proxy appointment deadline: no deadline",
        "Proxy revocation deadline: Wednesday 19 March 2025 10:00",
    ]
    society = ["--legal-form", "coop_society", *S7[2:]]
    assert command(*society, "--first-meeting", "2025-06-10").splitlines()[-1] == \
        "Confirming meeting window: Tuesday 24 June 2025 to Thursday 10 July 2025"


@pytest.mark.parametrize(("replace", "message"), [
    ({"--legal-form": "plc"}, "--legal-form: unknown legal form 'plc'; expected one of "
                              "coop_society, cbs, cic_shares, cic_guarantee, company_guarantee."),
    ({"--nation": "wales"}, "--nation: unknown nation 'wales'; expected one of england-wales, "
                            "scotland, northern-ireland."),
    ({"--notice-sent": "2025-02-30T10:00"}, "--notice-sent: '2025-02-30T10:00' is not an ISO "
                                            "8601 date and time (for example 2025-03-03T10:00)."),
    ({"--meeting": "next Tuesday"}, "--meeting: 'next Tuesday' is not an ISO 8601 date and time "
                                    "(for example 2025-03-03T10:00)."),
])
def test_bad_input(replace: dict[str, str], message: str) -> None:
    args = list(S7)
    for option, value in replace.items():
        args[args.index(option) + 1] = value
    with pytest.raises(CommandError) as refused:
        command(*args, "--json")
    assert str(refused.value) == message


@pytest.mark.parametrize(("extra", "message"), [
    (["--clear-days", "13"], "A company must give at least 14 clear days' notice of a general "
                             "meeting (Companies Act 2006 s.307(1))."),
    (["--proxy-deadline-hours", "72"], "A company's articles cannot require a proxy appointment "
                                       "more than 48 working hours before the meeting "
                                       "(Companies Act 2006 s.327(2)-(3))."),
    (["--revocation-deadline-hours", "49"], "A company's articles cannot require notice revoking "
                                            "a proxy more than 48 working hours before the "
                                            "meeting (Companies Act 2006 s.330(5)-(6))."),
    (["--first-meeting", "10/06/2025"], "--first-meeting: '10/06/2025' is not an ISO 8601 date "
                                        "(for example 2025-06-10)."),
    (["--clear-days", "-1"], "--clear-days cannot be negative."),
])
def test_rules_refused(extra: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        command(*S7, *extra, "--json")
    assert str(refused.value) == message
