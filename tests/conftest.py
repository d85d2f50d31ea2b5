"""Shared fixtures: a real SMTP sink, a real Celery worker process, users in every role."""

import asyncio
import contextlib
import email
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from accounts.roles import Role

from .factories import MemberFactory, OrganisationFactory, UserFactory, appoint, give_totp

ROOT = Path(__file__).resolve().parent.parent
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """Collects every message the SMTP sink receives."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    hold_at: int | None = None  # hold the connection that brings this many-th message
    held = threading.Event()
    release = threading.Event()

    refuse: frozenset = frozenset()  # addresses the server answers "550 no such user"
    defer: frozenset = frozenset()  # addresses it answers "450 try again later"
    accept_held = False  # answer the held message 250 when released (the sender is alive)
    held_for: str = ""  # the recipient of the held message
    delay = 0.0  # seconds the server takes to answer each message, as a slow server does
    down_after: int | None = None  # answer "421 shutting down" to the message after this many
    went_down = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.down_after is not None and len(self.messages) >= self.down_after:
            self.went_down.set()
            return "421 4.3.2 Service shutting down"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_at is not None and len(self.messages) == self.hold_at \
                and not self.held.is_set():
            # Keep the sender waiting for the server's answer, as a slow server would; when
            # released the message is refused (the sender died: nobody hears a 250), or
            # accepted if the test says the sender is still there.
            self.held_for = ", ".join(envelope.rcpt_tos)
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            self.hold_at = None
            if not self.accept_held:
                return "451 Requested action aborted: the sender went away"
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
        self.hold_at = None
        self.refuse = self.defer = frozenset()
        self.accept_held, self.held_for, self.delay = False, "", 0.0
        self.down_after = None
        self.held, self.release = threading.Event(), threading.Event()
        self.went_down = threading.Event()
        if self.server is not None:
            self.server.up()

    server: "SmtpServer | None" = None

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} emails, got {len(self.messages)}")
                self._arrived.wait(remaining)
            return list(self.messages)

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


class SmtpServer:
    """The sink's server, which a test may stop (connections are then refused, as when the
    mail server is down) and start again on the same port."""

    def __init__(self, mailbox: Mailbox, port: int):
        self.mailbox, self.port = mailbox, port
        self.controller: Controller | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        with self._lock:
            if self.controller is None:
                self.controller = Controller(self.mailbox, hostname="127.0.0.1",
                                             port=self.port)
                self.controller.start()

    def down(self) -> None:
        with self._lock:
            if self.controller is not None:
                self.controller.stop()
                self.controller = None


@pytest.fixture(scope="session")
def smtp_sink():
    mailbox = Mailbox()
    port = free_port()
    mailbox.server = SmtpServer(mailbox, port)
    mailbox.server.up()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    yield mailbox, port
    mailbox.server.down()


@pytest.fixture
def mailbox(smtp_sink):
    box, _port = smtp_sink
    box.clear()
    return box


@pytest.fixture(autouse=True)
def _always_smtp(smtp_sink, settings):
    # pytest-django switches to the locmem backend; the platform sends real SMTP to the sink.
    _box, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and used two-factor codes live in the (Redis) cache.
    from django.core.cache import cache

    cache.clear()


class Worker:
    """A real `celery worker` process consuming from Redis, connected to the test database.
    A test may kill it (as a machine failure would) and start another."""

    def __init__(self, port: int, *, name: str = "test", env: dict | None = None):
        db = settings.DATABASES["default"]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "TEST_DATABASE_NAME": db["NAME"],
            "EMAIL_PORT": str(port),
            **(env or {}),
        }
        self.name = name
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def hostname(self) -> str:
        return f"{self.name}-{os.getpid()}-{self.starts}@{socket.gethostname()}"

    def start(self) -> None:
        from governance.tasks import health_ping_task

        self.starts += 1
        log = open(ROOT / "var" / "test-worker.log", "a") if (ROOT / "var").is_dir() else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q",
             "default,notices,counting", "--pool", "solo", "--loglevel", "INFO",
             "--hostname", self.hostname],
            cwd=ROOT, env=self.env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                assert health_ping_task.apply_async(args=["ready"]).get(timeout=5) == \
                    "pong:ready"
                return
            except Exception as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError("The Celery worker did not start; see "
                                       "var/test-worker.log") from exc

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, in the middle of whatever it was doing."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        from config.celery import app

        if self.process is None or self.process.poll() is not None:
            return
        try:
            app.control.broadcast("shutdown", destination=[self.hostname])
            self.process.wait(timeout=10)
        except Exception:  # the broker is unreachable, or the worker does not answer
            self.process.kill()
            self.process.wait(timeout=10)

    def poll(self):
        return self.process.poll()


def _new_producer_pool() -> None:
    from kombu import pools

    from config.celery import app

    pools.reset()  # kombu keeps producer pools by connection, process-wide
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's producer at another broker address (a closed port: Redis is
    down; a port that accepts and never answers: Redis hangs), keeping the app's own
    time-outs; workers stay connected to the real broker."""
    from config.celery import app

    real_url = app.conf.broker_url
    _new_producer_pool()
    app.conf.broker_url = url
    try:
        yield
    finally:
        _new_producer_pool()
        app.conf.broker_url = real_url


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_sink):
    """The worker shared by the tests. Only tests marked `django_db(transaction=True)` can
    share data with it."""
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    worker = Worker(smtp_sink[1])
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def own_workers(celery_worker_process, smtp_sink):
    """Workers started by the test with settings of their own (a short lease, short waits
    between tries), in place of the shared worker, which is stopped meanwhile and started
    again after."""
    celery_worker_process.stop()
    started: list[Worker] = []

    def start(name: str = "own", **env) -> Worker:
        worker = Worker(smtp_sink[1], name=f"{name}{len(started)}",
                        env={key: str(value) for key, value in env.items()})
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    celery_worker_process.start()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


ROLE_NAMES = ["member", "secretary", "chair", "board", "scrutineer", "admin"]


@pytest.fixture
def users(db, organisation):
    """One user for each role (officers with two-factor authentication set up), plus a
    secretary and a chair who have not set it up, a member who is also on the board
    without it, and a user with no role at all."""
    made = {}
    made["member"] = UserFactory(email="member@example.org")
    MemberFactory(user=made["member"], full_name=made["member"].full_name)
    for role in (Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.SCRUTINEER):
        made[role.value] = UserFactory(email=f"{role.value}@example.org")
        appoint(made[role.value], role)
        give_totp(made[role.value])
    made["admin"] = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    give_totp(made["admin"])
    made["officer_without_mfa"] = UserFactory(email="new.secretary@example.org")
    appoint(made["officer_without_mfa"], Role.SECRETARY)
    made["chair_without_mfa"] = UserFactory(email="new.chair@example.org")
    appoint(made["chair_without_mfa"], Role.CHAIR)
    # A board member who is also a member and has not set up two-factor: they may use the
    # platform as a member, never as an officer.
    made["member_board_without_mfa"] = UserFactory(email="member.board@example.org")
    MemberFactory(user=made["member_board_without_mfa"],
                  full_name=made["member_board_without_mfa"].full_name)
    appoint(made["member_board_without_mfa"], Role.BOARD)
    made["no_role"] = UserFactory(email="nobody@example.org")
    return made
