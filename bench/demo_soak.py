"""Soak test of `make run`'s stack: the web server, a Celery worker and Celery beat under
honcho, on SQLite and the zero-server broker under var/ (no PostgreSQL, no Redis), as a
fresh clone runs them.

    .venv/bin/python -m bench.demo_soak --seconds 600

In a var/ of its own it migrates, loads the demo (`seed_demo`) and starts the Procfile
with honcho, which stops every process if one dies. Then, for --seconds, it sends the
demo AGM's notice (the worker writes the emails to var/mail/), makes the meeting's
ballot, opens it, closes it and waits for the count, while producer processes queue
small tasks as fast as the worker takes them and threads request pages over HTTP. The
broker sees writers in several processes at once (web, beat, the worker itself and the
producers), which is what broke the filesystem transport: a reader took a message file
before its writer had finished it, and the worker died on the half-written message.

The last line of output is one JSON object: the requests and tasks done, the work
finished (emails written, the ballot counted), whether every process of the stack is
still alive, and "ok".
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from .common import PROJECT_ROOT, free_port, run, start, stop, wait_for_http


def environment(var_dir: Path, web_port: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "CELERY_")) and k not in (
               "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "EMAIL_PORT")}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "VAR_DIR": str(var_dir), "WEB_HOST": "127.0.0.1", "WEB_PORT": str(web_port),
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "LOG_LEVEL": "WARNING"}


def alive_tree(pid: int) -> list[str]:
    """The command lines of the live processes under `pid`."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if fields[0] != "Z":
                table[int(entry.name)] = (int(fields[1]), command)
    found, parents = [], {pid}
    while parents:
        children = {p for p, (ppid, _c) in table.items() if ppid in parents}
        found += [table[p][1] for p in children]
        parents = children
    return found


def producer(count: int) -> None:
    """A separate process queueing up to `count` tasks, waiting for every 25th to be
    answered; prints how many have been answered so far after each."""
    import django

    django.setup()
    from governance.tasks import health_ping_task

    for n in range(count):
        result = health_ping_task.delay(f"{os.getpid()}-{n}")
        if n % 25 == 24:
            assert result.get(timeout=120).startswith("pong:")
            print(n + 1, flush=True)


def requests_loop(base: str, stop_event: threading.Event, counts: dict, lock) -> None:
    paths = ["/", "/health/?format=json", "/accounts/login/", "/join/"]
    n = 0
    while not stop_event.is_set():
        path = paths[n % len(paths)]
        n += 1
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                response.read()
            key = "requests"
        except Exception:
            key = "request_errors"
        with lock:
            counts[key] = counts.get(key, 0) + 1


def meeting_work(deadline: float) -> dict:
    """The secretary's year in a minute: the AGM's notice, its ballot opened, closed and
    counted. Returns what was done."""
    import datetime as dt

    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from ballots.models import Ballot
    from ballots.services import ballots
    from governance.models import Delivery, DeliveryStatus
    from meetings.models import Meeting
    from meetings.services import notices

    secretary = User.objects.get(email="secretary@example.org")
    meeting = Meeting.objects.filter(kind="agm").first()
    done = {"notice_emails": 0, "ballot_counted": False}
    notices.notice_send(actor=secretary, meeting=meeting)
    emails = Delivery.objects.filter(kind="meeting_notice")
    while time.monotonic() < deadline and not (
            emails.exists() and not emails.exclude(status=DeliveryStatus.SENT).exists()):
        time.sleep(1)
    done["notice_emails"] = emails.filter(status=DeliveryStatus.SENT).count()
    meeting.refresh_from_db()
    now = timezone.now()
    ballot = ballots.ballot_for_meeting(actor=secretary, meeting=meeting, opens_at=now,
                                        closes_at=now + dt.timedelta(days=1))
    from pathlib import Path

    from ballots.demo import demo_trustees_count, demo_trustees_make_key
    from ballots.management.commands.demo_trustees import DEMO_TRUSTEES

    keys = Path(os.environ.get("VAR_DIR", "var")) / "trustees" / f"ballot-{ballot.pk}"
    demo_trustees_make_key(ballot, DEMO_TRUSTEES, keys)
    ballots.ballot_open(actor=secretary, ballot=Ballot.objects.get(pk=ballot.pk))
    ballots.ballot_close(actor=secretary, ballot=Ballot.objects.get(pk=ballot.pk))
    while time.monotonic() < deadline:
        ballot = Ballot.objects.get(pk=ballot.pk)
        if ballot.status == "closed" and ballot.counted_at is None:
            demo_trustees_count(ballot, keys)  # the trustees' part; the worker counts too
        if Ballot.objects.get(pk=ballot.pk).counted_at is not None:
            done["ballot_counted"] = True
            break
        time.sleep(1)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=100_000,
                        help="the most tasks each producer queues in the time")
    parser.add_argument("--http-threads", type=int, default=2)
    parser.add_argument("--var-dir", help="default: a new temporary directory")
    parser.add_argument("--producer", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.producer is not None:
        producer(options.producer)
        return

    var_dir = Path(options.var_dir or tempfile.mkdtemp(prefix="mutual-demo-soak-"))
    for sub in ("broker/out", "broker/processed", "broker/control", "results", "mail"):
        (var_dir / sub).mkdir(parents=True, exist_ok=True)
    web_port = free_port()
    env = environment(var_dir, web_port)
    for command in (["manage.py", "migrate", "--noinput"], ["manage.py", "seed_demo"]):
        done = run([sys.executable, *command], env)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_ROOT))
    log = open(var_dir / "honcho.log", "w")
    honcho = start([sys.executable, "-m", "honcho", "start", "-f", "Procfile"], env,
                   stdout=log, stderr=subprocess_stdout())
    base = f"http://127.0.0.1:{web_port}"
    started = time.monotonic()
    try:
        wait_for_http(base + "/health/?format=json", timeout=90)
        stack = alive_tree(honcho.pid)
        counts, lock, stop_event = {}, threading.Lock(), threading.Event()
        threads = [threading.Thread(target=requests_loop, daemon=True,
                                    args=(base, stop_event, counts, lock))
                   for _ in range(options.http_threads)]
        for thread in threads:
            thread.start()
        producers = [start([sys.executable, "-m", "bench.demo_soak", "--producer",
                            str(options.tasks)], env, stdout=-1, stderr=-1, text=True)
                     for _ in range(options.producers)]
        work = meeting_work(started + options.seconds)
        while time.monotonic() - started < options.seconds and honcho.poll() is None \
                and any(p.poll() is None for p in producers):
            time.sleep(1)
        tasks_done, producer_errors = 0, []
        for process in producers:
            stop(process)  # at the end of the time, if it has not finished
            out, err = process.communicate()
            answered = out.split()
            tasks_done += int(answered[-1]) if answered else 0
            if "Traceback" in err:
                producer_errors.append(err.strip().splitlines()[-1])
        stop_event.set()
        for thread in threads:
            thread.join(timeout=35)
        alive = alive_tree(honcho.pid) if honcho.poll() is None else []
        names = {"web": "runserver", "worker": "worker", "beat": "beat"}
        processes_alive = {name: any(word in c and "celery" * (name != "web") in c
                                     for c in alive) for name, word in names.items()}
    finally:
        stop(honcho)
        log.close()
    result = {"benchmark": "demo_soak", "seconds": round(time.monotonic() - started, 1),
              "requests": counts.get("requests", 0),
              "request_errors": counts.get("request_errors", 0),
              "tasks_answered": tasks_done, "producer_errors": producer_errors,
              "tasks_per_second": round(tasks_done / (time.monotonic() - started), 1),
              **work, "processes_at_start": len(stack),
              "processes_alive": processes_alive, "var_dir": str(var_dir)}
    result["ok"] = (all(processes_alive.values()) and result["request_errors"] == 0
                    and tasks_done > 0 and not producer_errors and work["notice_emails"] > 0
                    and work["ballot_counted"])
    if result["ok"] and not options.var_dir:
        shutil.rmtree(var_dir, ignore_errors=True)  # kept, and named, when something failed
    print(json.dumps(result))


def subprocess_stdout():
    import subprocess

    return subprocess.STDOUT


if __name__ == "__main__":
    main()
