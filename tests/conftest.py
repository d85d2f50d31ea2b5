"""Shared fixtures: a real SMTP sink, a real Celery worker process, users in every role."""

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

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

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


@pytest.fixture(scope="session")
def smtp_sink():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    yield mailbox, port
    controller.stop()


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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_sink):
    """A real `celery worker` process consuming from Redis, connected to the test database.
    Only tests marked `django_db(transaction=True)` can share data with it."""
    import redis

    from config.celery import app

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_DATABASE_NAME": db["NAME"],
        "EMAIL_PORT": str(smtp_sink[1]),
    }
    log = open(ROOT / "var" / "test-worker.log", "w") if (ROOT / "var").is_dir() else None
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q",
         "default,notices,counting", "--pool", "solo", "--loglevel", "INFO",
         "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    from governance.tasks import health_ping_task

    deadline = time.monotonic() + 60
    while True:
        try:
            assert health_ping_task.apply_async(args=["ready"]).get(timeout=5) == "pong:ready"
            break
        except Exception as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("The Celery worker did not start; see var/test-worker.log"
                                   ) from exc
    yield process
    app.control.broadcast("shutdown", destination=[f"test-{os.getpid()}@{socket.gethostname()}"])
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


ROLE_NAMES = ["member", "secretary", "chair", "board", "scrutineer", "admin"]


@pytest.fixture
def users(db, organisation):
    """One user for each role (officers with two-factor authentication set up), plus an
    officer who has not set it up, a member who is also on the board without it, and a
    user with no role at all."""
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
    # A board member who is also a member and has not set up two-factor: they may use the
    # platform as a member, never as an officer.
    made["member_board_without_mfa"] = UserFactory(email="member.board@example.org")
    MemberFactory(user=made["member_board_without_mfa"],
                  full_name=made["member_board_without_mfa"].full_name)
    appoint(made["member_board_without_mfa"], Role.BOARD)
    made["no_role"] = UserFactory(email="nobody@example.org")
    return made
