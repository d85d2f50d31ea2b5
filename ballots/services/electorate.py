"""The electorate, frozen from the register at the record date in one set-based query, and
its fingerprint, so that the board can confirm the roll that was used."""

import hashlib

from django.db import connection

from membership.selectors import voting_classes_on

from ..models import Ballot, Elector

NO_CAP = 2_000_000_000


def _freeze_sql(classes: int, share_classes: int) -> str:
    """One row per member on the register at the record date, in a class that votes then,
    with their class then and their weight: 1, or on one share one vote the shares they
    held in share classes that carried votes then (capped), those with none left out.
    Plain SQL that PostgreSQL and SQLite both run."""
    return f"""
INSERT INTO ballots_elector (ballot_id, member_id, member_number, stakeholder_class_id,
                             class_slug, weight)
SELECT %s, id, member_number, class_id, slug, CASE WHEN held > %s THEN %s ELSE held END
FROM (
  SELECT m.id, m.member_number, p.stakeholder_class_id AS class_id, k.slug,
         CASE WHEN %s THEN COALESCE(
           (SELECT SUM(t.shares) FROM membership_sharetransaction t
            WHERE t.member_id = m.id AND t.effective_on <= %s
              AND t.share_class_id IN ({", ".join(["%s"] * share_classes)})), 0)
         ELSE 1 END AS held
  FROM membership_member m
  JOIN membership_memberclassperiod p
    ON p.member_id = m.id AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on > %s)
  JOIN membership_stakeholderclass k ON k.id = p.stakeholder_class_id
  WHERE m.admitted_on <= %s AND (m.ceased_on IS NULL OR m.ceased_on > %s)
    AND p.stakeholder_class_id IN ({", ".join(["%s"] * classes)})
) roll
WHERE held > 0
"""


def electorate_freeze(*, ballot: Ballot, voting_basis: str, share_vote_cap: int | None) -> int:
    """Fill the ballot's roll (inside the caller's transaction). Returns its size. Later
    changes to the register, back-dated ones included, do not touch it."""
    classes, share_classes = voting_classes_on(on=ballot.record_date)
    if not classes:
        return 0
    share_ids = sorted(share_classes) or [None]
    on, cap = ballot.record_date, share_vote_cap or NO_CAP
    params = [ballot.pk, cap, cap, voting_basis == "one_share_one_vote", on, *share_ids,
              on, on, on, on, *sorted(classes)]
    with connection.cursor() as cursor:
        cursor.execute(_freeze_sql(len(classes), len(share_ids)), params)
        return cursor.rowcount


def roll_lines(ballot: Ballot):
    """The roll sorted by member number, one line per elector: `member_number,class,weight`
    (the scrutineer's bundle holds exactly these lines as roll.csv)."""
    rows = Elector.objects.filter(ballot=ballot).order_by("member_number").values_list(
        "member_number", "class_slug", "weight")
    for number, slug, weight in rows.iterator(chunk_size=5000):
        yield f"{number},{slug},{weight}\n"


def electorate_fingerprint(ballot: Ballot) -> str:
    """SHA-256 over the roll's lines."""
    digest = hashlib.sha256()
    for line in roll_lines(ballot):
        digest.update(line.encode())
    return digest.hexdigest()
