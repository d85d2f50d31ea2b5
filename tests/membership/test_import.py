import datetime as dt
import io

import pytest
from openpyxl import Workbook

from governance.models import AuditEvent
from membership.models import Holding, Member, ShareTransaction
from membership.services.register_import import register_import_apply, register_import_check

pytestmark = pytest.mark.django_db

GOOD = """member_number,full_name,address,email,stakeholder_class,share_class,shares,\
admitted_on,ceased_on
1,Ann Able,1 Road,ann@example.org,community,ordinary,100,2019-04-01,
2,Ben Baker,2 Road,,Community,Ordinary shares,20,01/05/2020,
3,Cat Cole,3 Road,cat@example.org,community,ordinary,5,2020-06-01,2023-02-01
"""

BAD = """member_number,full_name,address,email,stakeholder_class,share_class,shares,admitted_on
1,Ann Able,1 Road,,community,ordinary,100,2019-04-01
x,No Number,2 Road,,community,ordinary,1,2019-04-01
3,,3 Road,,martians,ordinary,1,2019-13-01
1,Ann Again,4 Road,,community,ordinary,200000,2019-04-01
"""


def test_dry_run_reports_bad_rows_with_line_numbers_and_writes_nothing(society, community,
                                                                       pounds):
    report = register_import_check(name="register.csv", content=BAD.encode())
    errors = dict(report.errors)
    assert set(errors) == {3, 4, 5}
    assert "member number must be a whole number" in errors[3]
    assert "full name is empty" in errors[4] and "no stakeholder class called “martians”" \
        in errors[4] and "is not a date" in errors[4]
    assert "also on line 2" in errors[5] and "above the maximum" in errors[5]
    assert not Member.objects.exists()


def test_import_is_all_or_nothing(society, community, pounds, officer):
    report = register_import_apply(actor=officer, name="register.csv", content=BAD.encode())
    assert not report.applied and report.errors
    assert not Member.objects.exists() and not ShareTransaction.objects.exists()


def test_import_creates_members_holdings_and_history_and_can_be_rerun(society, community,
                                                                      pounds, officer):
    report = register_import_apply(actor=officer, name="register.csv", content=GOOD.encode())
    assert report.applied and len(report.to_create) == 3
    ann = Member.objects.get(member_number=1)
    assert Holding.objects.get(member=ann).shares == 100
    cat = Member.objects.get(member_number=3)
    assert cat.ceased_on == dt.date(2023, 2, 1)
    assert Holding.objects.get(member=cat).shares == 0
    assert Member.objects.get(member_number=2).admitted_on == dt.date(2020, 5, 1)
    again = register_import_apply(actor=officer, name="register.csv", content=GOOD.encode())
    assert again.applied and not again.to_create and len(again.skipped) == 3
    assert Member.objects.count() == 3 and ShareTransaction.objects.count() == 4
    assert AuditEvent.objects.filter(action="register.imported").count() == 2


def test_a_conflicting_member_number_is_reported(society, community, pounds, officer):
    register_import_apply(actor=officer, name="register.csv", content=GOOD.encode())
    changed = GOOD.replace("1,Ann Able", "1,Anne Other")
    report = register_import_check(name="register.csv", content=changed.encode())
    assert report.errors == [(2, "member number 1 already belongs to Ann Able "
                                 "(admitted 01/04/2019)")]


def test_spreadsheet_import(society, community, pounds, officer):
    book = Workbook()
    sheet = book.active
    sheet.append(["member_number", "full_name", "address", "stakeholder_class", "share_class",
                  "shares", "admitted_on"])
    sheet.append([7, "Dee Dean", "7 Road", "community", "ordinary", 12,
                  dt.datetime(2021, 3, 4)])
    buffer = io.BytesIO()
    book.save(buffer)
    report = register_import_apply(actor=officer, name="register.xlsx",
                                   content=buffer.getvalue())
    assert report.applied, report.errors
    assert Member.objects.get(member_number=7).admitted_on == dt.date(2021, 3, 4)


def test_missing_columns_are_named(society, community, pounds):
    report = register_import_check(name="r.csv", content=b"name,address\nA,B\n")
    assert "Missing columns: member_number, full_name, stakeholder_class, admitted_on" in \
        report.errors[0][1]
