import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import AuditEvent
from membership.models import CessationReason
from membership.selectors import register_count, register_export_chunks, register_page
from membership.services.inspection import inspection_request_record
from membership.services.ledger import share_allot
from membership.services.members import member_cease, member_change_class
from membership.services.withdrawals import (
    withdrawal_pay,
    withdrawal_request,
    withdrawals_pay,
)
from tests.factories import StakeholderClassFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def history(society, pounds, community, make_member, officer):
    """Three members whose register entries differ by date."""
    staff = StakeholderClassFactory(slug="staff", name="Staff")
    staff.share_classes.add(pounds)
    ann = make_member(full_name="Ann Able", admitted_on=D(2020, 1, 1), member_number=1)
    ben = make_member(full_name="Ben Baker", admitted_on=D(2021, 1, 1), member_number=2)
    cat = make_member(full_name="Cat Cole", admitted_on=D(2022, 1, 1), member_number=3)
    for member, shares in ((ann, 100), (ben, 20), (cat, 5)):
        share_allot(actor=officer, member=member, share_class=pounds, shares=shares,
                    allotted_on=member.admitted_on, consideration=Decimal(shares))
    share_allot(actor=officer, member=ann, share_class=pounds, shares=50,
                allotted_on=D(2023, 3, 1), consideration=Decimal(50))
    member_change_class(actor=officer, member=ben, stakeholder_class=staff,
                        changed_on=D(2022, 7, 1))
    request = withdrawal_request(actor=officer, member=ann, share_class=pounds, shares=30,
                                 requested_on=D(2023, 9, 1))
    withdrawal_pay(actor=officer, withdrawal=request, paid_on=D(2023, 12, 1),
                   minute_reference="BM 2023/12")
    member_cease(actor=officer, member=cat, ceased_on=D(2024, 2, 1),
                 reason=CessationReason.RESIGNED)
    # Cat's 5 shares are repaid when the notice has run, three months after leaving.
    withdrawals_pay(actor=officer, paid_on=D(2024, 5, 1), solvency_confirmed=True,
                    minute_reference="BM 2024/5")
    return {"ann": ann, "ben": ben, "cat": cat, "staff": staff, "community": community}


def numbers(rows):
    return [(r.member_number, r.class_name, r.shares) for r in rows]


def test_register_as_at_dates_replays_the_history(history):
    assert numbers(register_page(on=D(2019, 12, 31))) == []
    assert numbers(register_page(on=D(2021, 6, 1))) == [(1, "Community", 100),
                                                        (2, "Community", 20)]
    assert numbers(register_page(on=D(2023, 6, 1))) == [(1, "Community", 150), (2, "Staff", 20),
                                                        (3, "Community", 5)]
    assert numbers(register_page(on=D(2024, 6, 1))) == [(1, "Community", 120), (2, "Staff", 20)]
    ceased = register_page(on=D(2024, 6, 1), status="ceased")
    assert numbers(ceased) == [(3, "Community", 0)] and ceased[0].ceased_on == D(2024, 2, 1)
    # Between leaving and repayment the former member's shares are still theirs, owed.
    assert numbers(register_page(on=D(2024, 3, 1), status="ceased")) == [(3, "Community", 5)]
    assert numbers(register_page(on=D(2024, 1, 31), status="ceased")) == []


def test_register_filters_by_class_at_that_date(history):
    community = history["community"]
    assert [r.member_number for r in register_page(on=D(2022, 6, 30),
                                                   stakeholder_class=community)] == [1, 2, 3]
    assert [r.member_number for r in register_page(on=D(2022, 7, 1),
                                                   stakeholder_class=community)] == [1, 3]
    assert [r.member_number for r in register_page(on=D(2022, 7, 1),
                                                   stakeholder_class=history["staff"])] == [2]


def test_register_search_and_keyset_pages(history):
    assert [r.full_name for r in register_page(on=D(2023, 6, 1), search="baker")] == ["Ben Baker"]
    assert [r.member_number for r in register_page(on=D(2023, 6, 1), search="3")] == [3]
    assert [r.member_number for r in register_page(on=D(2023, 6, 1), after=1, limit=1)] == [2]


def _csv(on, **kwargs):
    body = b"".join(register_export_chunks(on=on, **kwargs)).decode()
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_as_at_a_date(history):
    rows = _csv(D(2023, 6, 1))
    assert rows[0][:3] == ["member_number", "name", "address"]
    assert [(r[0], r[4], r[7], r[8]) for r in rows[1:]] == [
        ("1", "Community", "150", "150.00"), ("2", "Staff", "20", "20.00"),
        ("3", "Community", "5", "5.00")]
    assert rows[1][9] == "ordinary:150"
    everyone = _csv(D(2024, 6, 1), status="all")
    assert [(r[0], r[6]) for r in everyone[1:]] == [("1", ""), ("2", ""), ("3", "2024-02-01")]
    assert register_count(on=D(2024, 6, 1), status="all") == 3
    without = _csv(D(2023, 6, 1), with_holdings=False)
    assert without[0] == ["member_number", "name", "address", "class", "admitted_on",
                          "ceased_on"]


def test_register_view_for_the_board(client, users, history):
    client.force_login(users["board"])
    response = client.get(reverse("membership:register"),
                          {"on": "2023-06-01", "stakeholder_class": "staff"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ben Baker" in content and "Ann Able" not in content
    bad = client.get(reverse("membership:register"), {"on": "not-a-date"})
    assert bad.status_code == 400 and b"Enter a valid date" in bad.content
    export = client.get(reverse("membership:register_csv"), {"on": "2023-06-01"})
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv") and body.count("\n") == 4
    pdf = client.get(reverse("membership:register_pdf"), {"on": "2023-06-01"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="register.exported").count() == 2


def test_members_inspect_the_register_without_holdings_and_it_is_logged(client, users,
                                                                      history):
    client.force_login(users["member"])
    response = client.get(reverse("membership:members_register"))
    assert response.status_code == 200
    assert b"Paid up" not in response.content
    assert AuditEvent.objects.filter(action="register.inspected",
                                     actor_id=users["member"].pk).exists()


def test_company_inspection_requests_are_due_in_five_working_days(db, officer):
    from governance.models import LegalForm, Organisation

    organisation = Organisation.objects.create(name="Care CIC", legal_form=LegalForm.CIC_SHARES)
    # Thursday 17 April 2025: Good Friday and Easter Monday are bank holidays.
    request = inspection_request_record(
        actor=officer, requester_name="A Researcher", requester_address="1 Road",
        purpose="academic study", disclosure="no one", is_member=False,
        received_on=D(2025, 4, 17))
    assert request.due_on == D(2025, 4, 28)
    # In Scotland Easter Monday is not a bank holiday: the same request is due a day sooner.
    organisation.nation = "scotland"
    organisation.save()
    scottish = inspection_request_record(
        actor=officer, requester_name="A Researcher", requester_address="1 Road",
        purpose="academic study", disclosure="no one", is_member=False,
        received_on=D(2025, 4, 17))
    assert scottish.due_on == D(2025, 4, 25)
    from governance.exceptions import DomainError

    with pytest.raises(DomainError, match="disclosed"):
        inspection_request_record(actor=officer, requester_name="B", requester_address="2 Rd",
                                  purpose="marketing", disclosure="", is_member=False,
                                  received_on=D(2025, 4, 17))
