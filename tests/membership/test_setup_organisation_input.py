"""`manage.py setup_organisation` applies the same input rules as the platform's forms: a
clear error for hidden control characters, numbers and dates out of range, in the options
and in the classes file, and nothing half-written."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.models import Organisation
from membership.models import ShareClass, StakeholderClass

pytestmark = pytest.mark.django_db

BASE = ["setup_organisation", "--name", "Valley Energy Co-operative", "--legal-form", "cbs",
        "--nation", "scotland", "--secretary-email", "sec@valley.coop",
        "--secretary-name", "Sam Secretary"]


def _replace(args: list[str], option: str, value: str) -> list[str]:
    args = list(args)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    return args


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--name", "Valley\u202eEnergy", "--name: Remove the hidden character U+202E"),
    ("--name", "Valley\nEnergy", "--name: Enter this on one line"),
    ("--secretary-name", "Sam\u200bSecretary", "--secretary-name: Remove the hidden character"),
    ("--registered-office", "1 Road\x1b[2J", "--registered-office: Remove the hidden"),
    ("--minimum-age", "40000", "--minimum-age: Enter 99 or less."),
    ("--incorporated-on", "1700-01-01", "--incorporated-on: Enter a date on or after 1 "
                                        "January 1800."),
    ("--incorporated-on", "9999-12-31", "--incorporated-on: This date cannot be in the "
                                        "future"),
    ("--secretary-since", "0001-01-01", "--secretary-since: Enter a date on or after"),
])
def test_bad_options_are_refused_with_a_clear_error(mailbox, option, value, message):
    with pytest.raises(CommandError) as refused:
        call_command(*_replace(BASE, option, value))
    assert str(refused.value).startswith(message)
    assert not Organisation.objects.exists()


def test_an_address_on_several_lines_is_fine(mailbox):
    call_command(*_replace(BASE, "--registered-office", "1 Road\nGlasgow G1 1AA"))
    assert Organisation.objects.get().registered_office == "1 Road\nGlasgow G1 1AA"


SHARES = {"name": "Ordinary £1 shares", "par_value": "1.00", "min_holding": 1,
          "withdrawable": True, "withdrawal_notice_months": 3, "votes_from": "2020-01-01"}
CLASS = {"name": "Members", "eligibility": "Anyone in the valley", "votes": True,
         "votes_from": "2020-01-01", "share_classes": ["Ordinary £1 shares"]}


@pytest.mark.parametrize(("shares", "klass", "message"), [
    ({"name": "Ordinary\u202e shares"}, {}, "share class 1, name: Remove the hidden"),
    ({"max_holding": 2**31}, {}, "Max holding: Enter 2,147,483,647 or less."),
    ({"withdrawal_notice_months": 40000}, {}, "Withdrawal notice months: Enter 120 or less."),
    ({"votes_from": "9999-12-31"}, {}, "share class 1, votes_from: Enter a date no later"),
    ({}, {"eligibility": "Anyone\u2066 in the valley"}, "stakeholder class 1, eligibility: "
                                                       "Remove the hidden character U+2066"),
    ({}, {"votes_from": "0001-01-01"}, "stakeholder class 1, votes_from: Enter a date on "
                                       "or after 1 January 1900."),
])
def test_bad_classes_are_refused_and_nothing_is_half_written(tmp_path, mailbox, shares, klass,
                                                             message):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"share_classes": [{**SHARES, **shares}],
                                "stakeholder_classes": [{**CLASS, **klass}]}))
    with pytest.raises(CommandError) as refused:
        call_command(*BASE, "--classes", str(path))
    assert str(refused.value).startswith(message)
    assert not Organisation.objects.exists() and not ShareClass.objects.exists()
    assert not StakeholderClass.objects.exists()
