"""The register import applies the platform's input rules (governance/validators.py) to
every row, in CSV and in .xlsx: no hidden control characters in names and addresses (line
breaks only in the address), whole numbers within their columns, dates within bounds.
Each bad row is reported with its line; nothing is written."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from membership.models import Member
from membership.services.register_import import register_import_apply, register_import_check
from tests.factories import ShareClassFactory

pytestmark = pytest.mark.django_db

HEADER = ["member_number", "full_name", "address", "email", "stakeholder_class",
          "share_class", "shares", "admitted_on", "date_of_birth"]
GOOD = [1, "Ann Able", "1 Road\nTesttown", "ann@example.org", "community", "big", 10,
        "2019-04-01", ""]
BAD = {
    2: ([2, "Ben\u202eBaker", "2 Road", "", "community", "big", 1, "2019-04-01", ""],
        "full name: remove the hidden character U+202E (right-to-left override)"),
    3: ([3, "Cat\nCole", "3 Road", "", "community", "big", 1, "2019-04-01", ""],
        "full name: enter this on one line, without line breaks"),
    4: ([4, "Dee Dean", "4 Road\u200b", "", "community", "big", 1, "2019-04-01", ""],
        "address: remove the hidden character U+200B"),
    5: ([2147483648, "Eve Evans", "5 Road", "", "community", "big", 1, "2019-04-01", ""],
        "member number must be a whole number from 1 to 2,147,483,647"),
    6: ([6, "Fay Fox", "6 Road", "", "community", "big", 99999999999, "2019-04-01", ""],
        "shares must be a whole number from 0 to 2,147,483,647"),
    7: ([7, "Gus Gray", "7 Road", "", "community", "big", 1, "1850-01-01", ""],
        "admitted on: enter a date on or after 1 January 1900"),
    8: ([8, "Hal Hart", "8 Road", "", "community", "big", 1, "2019-04-01", "0001-01-01"],
        "date of birth: enter a date on or after 1 January 1900"),
    9: ([9, "Ivy Ince", "9 Road", "ivy\u202e@example.org", "community", "big", 1,
         "2019-04-01", ""], "email: remove the hidden character U+202E"),
    10: (["²", "Jo Jones", "10 Road", "", "community", "big", 1, "2019-04-01", ""],
         "member number must be a whole number"),
    11: ([11, "K" * 201, "11 Road", "", "community", "big", 1, "2019-04-01", ""],
         "full name is longer than 200 characters"),
}


@pytest.fixture
def big(community):
    """Shares with no maximum that are not withdrawable: only the column limits them."""
    shares = ShareClassFactory(code="big", name="Big shares", max_holding=None,
                               withdrawable=False)
    community.share_classes.add(shares)
    return shares


def _csv(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_bad_row_is_reported_and_nothing_is_written(society, community, big, officer,
                                                         fmt):
    rows = [GOOD] + [row for row, _message in BAD.values()]
    content = (_csv if fmt == "csv" else _xlsx)(rows)
    report = register_import_check(name=f"register.{fmt}", content=content)
    errors = dict(report.errors)
    assert len(errors) == len(BAD)
    for number, (_row, message) in BAD.items():
        if fmt == "xlsx":  # the spreadsheet's row (the header is row 1, the good row 2)
            assert message in errors[number + 1], (number, errors)
        else:  # a CSV line number counts the line breaks inside quoted cells
            assert any(message in error for error in errors.values()), (number, errors)
    assert [row.full_name for row in report.to_create] == ["Ann Able"]
    applied = register_import_apply(actor=officer, name=f"register.{fmt}", content=content)
    assert not applied.applied and not Member.objects.exists()


def test_the_good_row_with_an_address_on_two_lines_imports(society, community, big, officer):
    report = register_import_apply(actor=officer, name="register.csv", content=_csv([GOOD]))
    assert report.applied, report.errors
    assert Member.objects.get().address == "1 Road\nTesttown"
    assert Member.objects.get().admitted_on == dt.date(2019, 4, 1)
