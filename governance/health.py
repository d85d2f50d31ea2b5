"""Health checks: does the database answer, does the broker accept a connection, does a
worker run a task, and when did Celery beat last fire?"""

import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import Heartbeat


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return Check("database", True, connection.vendor)
    except Exception as exc:  # any failure is the answer
        return Check("database", False, f"{type(exc).__name__}: {exc}")


def check_broker() -> Check:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2, interval_start=0,
                                   interval_step=0)
            return Check("broker", True, conn.transport_cls if isinstance(
                conn.transport_cls, str) else conn.transport.driver_name)
    except Exception as exc:
        return Check("broker", False, f"{type(exc).__name__}: {exc}")


def check_worker(timeout: float = 5.0) -> Check:
    """Send a task and wait for its answer. Cached for 15 s so a polling load balancer
    does not flood the queue."""
    cached = cache.get("health:worker")
    if cached:
        return Check(**cached)
    from .tasks import health_ping_task

    token = uuid.uuid4().hex[:8]
    started = time.monotonic()
    try:
        result = health_ping_task.apply_async(args=[token], expires=timeout + 5)
        answer = result.get(timeout=timeout)
        ok = answer == f"pong:{token}"
        check = Check("worker", ok, f"answered in {time.monotonic() - started:.2f} s"
                      if ok else f"unexpected answer {answer!r}")
    except Exception as exc:
        check = Check("worker", False, f"no worker answered within {timeout:.0f} s "
                      f"({type(exc).__name__})")
    if check.ok:
        cache.set("health:worker", check.__dict__, 15)
    return check


def check_beat() -> Check:
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return Check("beat", False, "Celery beat has not run yet")
    age = (timezone.now() - beat.seen_at).total_seconds()
    return Check("beat", age < 120, f"last ran {age:.0f} s ago")


def run_checks(*, include_worker: bool = True) -> list[Check]:
    checks = [check_database(), check_broker()]
    if include_worker:
        checks.append(check_worker())
    checks.append(check_beat())
    return checks


PUBLIC_STATUS_KEY = "health:public"
PUBLIC_STATUS_SECONDS = 15


def public_status() -> bool:
    """The yes/no answer anyone (a load balancer) may have: the database and the broker
    answer. Worked out at most once every 15 s and never sends a task, so callers cannot
    fill the queue or hold web workers while a service is down; no detail is given."""
    cached = cache.get(PUBLIC_STATUS_KEY)
    if cached is not None:
        return cached
    ok = check_database().ok and check_broker().ok
    cache.set(PUBLIC_STATUS_KEY, ok, PUBLIC_STATUS_SECONDS)
    return ok
