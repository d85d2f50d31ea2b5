"""The database administrator's attack on the secret ballot, on PostgreSQL. Members vote by
their personal links through the real pages, one changes their vote with their tracker, a
member gives the chair a directed proxy and the chair votes it. Then, while the ballot is
open and again after the count, everything a DBA, a backup holder or a log reader has is
searched for any trace of a choice: a plain `pg_dump`, every heap page of the tables a vote
touches (dead row versions included, through `pageinspect`), the write-ahead log written
meanwhile (located with `pg_walinspect`, read as the server's own files), the audit log,
the outbox, and every key of the broker and the cache. Joining rows by `xmin` now gives
only what the rows already say (who voted): what they voted is nowhere but in ciphertexts.

The words searched for are the choices themselves ("against", "withheld") and the proxy's
direction: nothing on this ballot's paper or in its rules contains them (beyond a column
name and a rule's name, set aside), so any hit is a vote in the clear."""
import re
import subprocess

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from ballots.models import Participation
from ballots.services import ballots, proxies
from meetings.links import member_link_token
from tests.ballots.sealed import Decrypted, trustees_take_part

from .conftest import make_members, open_ballot
from .test_pages import paper_data, vote

pytestmark = pytest.mark.django_db(transaction=True)

MARKERS = (b"against", b"withheld", b"Against", b"Withheld", b"discretion")
VOTE_TABLES = ("ballots_participation", "ballots_paper", "ballots_proxyappointment",
               "ballots_recordedvote", "governance_auditevent", "governance_delivery",
               "django_session")
# After the count the results hold the totals, for and against: published figures.
PUBLISHED = ("ballots_questionresult",)


def every_table() -> list[str]:
    return sorted(connection.introspection.table_names())


def _sql(query, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def with_toast(tables) -> list[str]:
    """The tables and their TOAST tables (where long values, like a ranking's ciphertexts,
    are stored out of line)."""
    found = list(tables)
    for table in tables:
        toast = _sql("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = "
                     "%s::regclass AND reltoastrelid <> 0", [table])
        found += [row[0] for row in toast]
    return found


def heap_pages(tables) -> bytes:
    """Every page of the tables as stored, live and dead row versions alike."""
    _sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
    found = []
    for table in with_toast(tables):
        blocks = _sql("SELECT pg_relation_size(%s) / current_setting('block_size')::int",
                      [table])[0][0]
        for block in range(blocks):
            found.append(bytes(_sql("SELECT get_raw_page(%s, %s)", [table, block])[0][0]))
    return b"".join(found)


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def wal_since(start_lsn: str, tables) -> tuple[bytes, int]:
    """The WAL records written since `start_lsn` for the tables (and their TOAST tables) of
    this test's database, found with pg_walinspect and read from the server's own segment
    files, as an archive or a replica holds them. (Other databases on the server write to
    the same log; their records are not this ballot's.)"""
    _sql("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
    _sql("CHECKPOINT")
    end = _sql("SELECT pg_current_wal_lsn()")[0][0]
    database = _sql("SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
    nodes = {_sql("SELECT pg_relation_filenode(%s)", [t])[0][0] for t in with_toast(tables)}
    wanted = re.compile(rf"rel \d+/{database}/({'|'.join(map(str, nodes))})\b")
    records = [(start, stop) for start, stop, refs in _sql(
        "SELECT start_lsn::text, end_lsn::text, block_ref FROM "
        "pg_get_wal_records_info(%s, %s)", [start_lsn, end]) if refs and wanted.search(refs)]
    size = _sql("SELECT pg_size_bytes(current_setting('wal_segment_size'))")[0][0]
    segments = {}
    for (name,) in _sql("SELECT name FROM pg_ls_waldir()"):
        if re.fullmatch(r"[0-9A-F]{24}", name):
            number = int(name[8:16], 16) * (0x100000000 // size) + int(name[16:], 16)
            segments[number] = name

    loaded: dict[int, bytes] = {}

    def read(start: int, stop: int) -> bytes:
        out = b""
        while start < stop:
            number, offset = divmod(start, size)
            if number not in loaded:
                loaded[number] = bytes(_sql("SELECT pg_read_binary_file(%s)",
                                            [f"pg_wal/{segments[number]}"])[0][0])
            raw = loaded[number][offset:offset + min(stop - start, size - offset)]
            out += raw
            start += len(raw)
        return out

    return b"".join(read(_lsn(a), _lsn(b)) for a, b in records), len(records)


def dump(tables=None) -> bytes:
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", db["HOST"] or "127.0.0.1", "-p",
               str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    for table in tables or ():
        command += ["-t", table]
    return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout


def broker_and_cache() -> bytes:
    found = []
    for url in (settings.CELERY_BROKER_URL, settings.CACHES["default"]["LOCATION"]):
        client = redis.Redis.from_url(url)
        for key in client.scan_iter():
            found.append(key)
            kind = client.type(key)
            if kind == b"string":
                found.append(client.get(key) or b"")
            elif kind == b"list":
                found.extend(client.lrange(key, 0, -1))
            elif kind == b"hash":
                found.extend(v for pair in client.hgetall(key).items() for v in pair)
            elif kind in (b"set", b"zset"):
                found.extend(client.zrange(key, 0, -1) if kind == b"zset"
                             else client.smembers(key))
    return b"\n".join(found)


# Words of the schema and the rules that contain a marker and say nothing of any vote.
HARMLESS = (b"votes_against", b"discretionary")


def assert_no_choice(where: str, data: bytes) -> None:
    for word in HARMLESS:
        data = data.replace(word, b"")
    hits = [marker for marker in MARKERS if marker in data]
    context = [data[max(0, data.find(m) - 300):data.find(m) + 60] for m in hits]
    assert not hits, f"{where} holds {hits}: {context}"


def test_a_dba_learns_no_members_choice_while_open_or_after_the_count(client, users, agm,
                                                                       community):
    members = make_members(community, 6, emailed=0, start=100)
    ballot = open_ballot(agm, actor=users["secretary"])
    start_lsn = _sql("SELECT pg_current_wal_lsn()")[0][0]
    resolution, _election = ballot.questions.order_by("position")
    plan = ["against", "for", "withheld", "against"]
    trackers = {}
    for member, choice in zip(members, plan, strict=False):
        url = reverse("ballots:link_vote", args=[member_link_token(member_id=member.pk,
                                                                    meeting_id=agm.pk)])
        page = vote(client, url, paper_data(ballot, choice=choice,
                                            preferences=(3, 1, 2))).content.decode()
        trackers[member.pk] = (url, re.search(r"<code>([0-9a-f ]{79})</code>", page)[1])
    # One member changes their vote with their tracker: "for" becomes "against".
    url, tracker = trackers[members[1].pk]
    changed = client.post(url, {**paper_data(ballot, choice="against"), "tracker": tracker,
                                "step": "confirm"})
    assert "Your vote is recorded" in changed.content.decode()
    # A directed proxy, held by the chair, voted as directed.
    principal = ballot.electors.get(member=members[4])
    appointment = proxies.proxy_appoint(actor=None, ballot=ballot, principal=principal,
                                        holder="chair",
                                        instructions={resolution.pk: "against"})
    proxies.proxy_vote(actor=None, appointment=appointment, answers={})
    assert sorted(Decrypted.objects.filter(question=resolution).values_list("choice")) == \
        ["against", "against", "against", "against", "withheld"]

    # While the ballot is open.
    assert_no_choice("a pg_dump", dump())
    assert_no_choice("the heap pages", heap_pages(every_table()))
    wal, records = wal_since(start_lsn, every_table())
    assert records > 0 and len(wal) > 0
    assert_no_choice("the write-ahead log", wal)
    assert_no_choice("the broker and the cache", broker_and_cache())
    # The xmin join of the first attack links a participation to its paper and audit row:
    # all three name the elector already; what they hold of the vote is ciphertext only.
    joined = _sql("SELECT p.sealed::text FROM ballots_participation p "
                  "JOIN ballots_paper pa ON pa.id = p.paper_id AND pa.xmin = p.xmin")
    assert joined and all('"ciphertexts"' in row[0] for row in joined)
    sizes = {len(p.sealed["ciphertexts"]) for p in Participation.objects.filter(
        question=resolution)}
    assert sizes == {2}  # for, against and withheld all look alike

    # After the close and the count.
    ballots.ballot_close(actor=users["secretary"], ballot=ballot)
    assert trustees_take_part(ballot) == 2
    assert_no_choice("the vote tables in a pg_dump", dump(VOTE_TABLES))
    unpublished = [t for t in every_table() if t not in PUBLISHED]
    assert_no_choice("the heap pages", heap_pages(unpublished))
    assert_no_choice("the broker and the cache", broker_and_cache())
    appointment.refresh_from_db()
    assert appointment.sealed_instructions is None  # the direction is wiped at close
