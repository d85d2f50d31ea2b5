"""Benchmark: a notice of a general meeting sent to N members, end to end.

    .venv/bin/python -m bench.notices --size 100000

It uses a database of its own (postgres://postgres@127.0.0.1:5432/bench_notices unless
--database-url is given), a Redis database of its own for the broker (redis://.../13), an
SMTP sink in this process that counts what it receives, a Celery worker with two processes
(prefork) and the web server (gunicorn, two threads) as in production. It loads N members
who agreed to email notices, records the rules and an AGM, and sends the notice through the
service the secretary's button calls. While the workers send, it requests members' meeting
pages (each through its personal link, as from the email) and times them.

The last line of output is one JSON object: notices per second from the send to the last
email received, the page p50/p95 during the send, and "ok" when the targets are met (at
least 300 notices a second; page p95 at most 300 ms).
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
import urllib.request

from .common import PROJECT_ROOT, create_database, free_port, percentile, start, stop, wait_for_http

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_notices"
BROKER_URL = "redis://127.0.0.1:6379/13"
TARGETS = {"notices_per_second": 300, "page_p95_ms": 300}


class CountingSink:
    """An SMTP server that accepts every message and counts it."""

    def __init__(self):
        self.received = 0
        self.last_at = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.received += 1
            self.last_at = time.monotonic()
        return "250 OK"


def environment(database_url: str, smtp_port: int) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url, "TEST_REDIS_URL": BROKER_URL,
            "EMAIL_PORT": str(smtp_port), "LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_CONN_MAX_AGE": "60"}


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()


def load(size: int) -> tuple:
    """The organisation, its rules, N members who agreed to email, and an AGM ready to go."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from governance.models import LegalForm, OfficerAppointment, Organisation
    from meetings.services import meetings, rulebooks
    from membership.models import StakeholderClass

    call_command("migrate", interactive=False, verbosity=0)
    Organisation.objects.create(name="Bench Community Society",
                                legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY,
                                registration_number="RS000001",
                                registered_office="1 Bench Street")
    secretary = User.objects.create_user(email="secretary@example.org",
                                         full_name="Sam Secretary")
    OfficerAppointment.objects.create(user=secretary, role=Role.SECRETARY,
                                      full_name="Sam Secretary",
                                      started_on=dt.date(2020, 1, 1))
    klass = StakeholderClass.objects.create(slug="community", name="Community",
                                            eligibility="Anyone")
    started = time.monotonic()
    admitted = dt.date(2020, 1, 1)
    now = timezone.now()
    with connection.cursor() as cursor:
        with cursor.copy("COPY membership_member (member_number, kind, full_name, "
                         "representative, address, email, email_purpose, "
                         "stakeholder_class_id, admitted_on, cessation_reason, "
                         "cessation_note, society_registration_number, "
                         "registered_society_minute, created_at) FROM STDIN") as copy:
            for number in range(1, size + 1):
                copy.write_row((number, "person", f"Member {number}", "",
                                f"{number} Long Street, Benchtown", f"m{number}@example.org",
                                "notices", klass.pk, admitted, "", "", "", "", now))
        cursor.execute("INSERT INTO membership_memberclassperiod (member_id, "
                       "stakeholder_class_id, started_on) SELECT id, %s, admitted_on FROM "
                       "membership_member", [klass.pk])
        cursor.execute("INSERT INTO membership_communicationconsent (member_id, email, "
                       "given_on, withdrawn_reason, recorded_at) SELECT id, email, "
                       "admitted_on, '', now() FROM membership_member")
        cursor.execute("ANALYZE")
    print(f"loaded {size:,} members in {time.monotonic() - started:.1f} s", flush=True)
    rulebooks.rulebook_adopt_preset(actor=secretary, preset="coop_society",
                                    effective_from=dt.date(2020, 1, 1),
                                    adopted_by="Rules registered 2020")
    meeting = meetings.meeting_create(
        actor=secretary, kind="agm", title="Annual General Meeting",
        starts_at=timezone.now() + dt.timedelta(days=40), place="The Hall",
        record_date=timezone.localdate())
    meetings.item_add(actor=secretary, meeting=meeting, kind="report", title="Accounts",
                      description="To receive the accounts.")
    return secretary, meeting


def page_timer(base_url: str, paths: list[str], stop_event: threading.Event,
               timings: list[float]) -> None:
    index = 0
    while not stop_event.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(base_url + paths[index % len(paths)], timeout=30) as r:
            r.read()
        timings.append((time.perf_counter() - started) * 1000)
        index += 1
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--concurrency", type=int, default=2)
    options = parser.parse_args()

    from aiosmtpd.controller import Controller

    sink = CountingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = environment(options.database_url, smtp_port)
    create_database(options.database_url)
    setup_django(env)
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    secretary, meeting = load(options.size)

    web_port = free_port()
    worker = start([sys.executable, "-m", "celery", "-A", "config", "worker", "-Q",
                    "default,notices,counting", "--concurrency", str(options.concurrency),
                    "--prefetch-multiplier", "4", "--loglevel", "WARNING"], env)
    web = start([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
                 f"127.0.0.1:{web_port}", "--workers", "1", "--threads", "2"], env)
    try:
        base_url = f"http://127.0.0.1:{web_port}"
        wait_for_http(base_url + "/health/?format=json")
        time.sleep(3)  # the worker connects

        from django.db import transaction

        from governance.models import Delivery, DeliveryStatus
        from meetings.links import member_link_token
        from meetings.services import notices

        member_ids = list(range(1, min(options.size, 200) + 1))
        started = time.monotonic()
        with transaction.atomic():
            notice = notices.notice_send(actor=secretary, meeting=meeting)
        print("notice sent; workers preparing and sending", flush=True)
        # Personal links of the first members (their delivery rows exist once prepared).
        from membership.models import Member

        ids = list(Member.objects.filter(member_number__in=member_ids)
                   .values_list("pk", flat=True))
        timings: list[float] = []
        stop_event = threading.Event()
        while not notice.deliveries.filter(member_id=ids[-1]).exists():
            time.sleep(0.2)
        paths = [f"/m/{member_link_token(member_id=i, meeting_id=meeting.pk)}/" for i in ids]
        timer = threading.Thread(target=page_timer, args=(base_url, paths, stop_event,
                                                          timings), daemon=True)
        timer.start()
        last_report = 0.0
        while sink.received < options.size:
            time.sleep(0.5)
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                print(f"{sink.received:,} emails received after "
                      f"{last_report - started:.0f} s", flush=True)
            if time.monotonic() - started > 3600:
                raise RuntimeError("the send did not finish within an hour")
        elapsed = sink.last_at - started
        stop_event.set()
        timer.join(timeout=30)
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        result = {
            "benchmark": "notices", "size": options.size,
            "worker_processes": options.concurrency,
            "seconds": round(elapsed, 2),
            "notices_per_second": round(options.size / elapsed, 1),
            "emails_received": sink.received, "deliveries_sent": sent,
            "page_requests": len(timings),
            "page_p50_ms": round(statistics.median(timings), 1) if timings else None,
            "page_p95_ms": round(percentile(timings, 0.95), 1) if timings else None,
            "targets": TARGETS,
        }
        result["ok"] = bool(timings) and sent == options.size and \
            result["notices_per_second"] >= TARGETS["notices_per_second"] and \
            result["page_p95_ms"] <= TARGETS["page_p95_ms"]
        print(json.dumps(result))
    finally:
        stop(worker)
        stop(web)
        controller.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
