"""What the benchmarks share: a fresh database of their own, the web server and workers as
child processes, free ports, percentiles."""

import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(database_url: str) -> None:
    """Drop and create the benchmark's own database."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


# Every child a benchmark starts (web servers, workers, helpers), each in a process group of
# its own with its own children: stopped when the benchmark ends, however it ends (finished,
# an error, Ctrl-C, SIGTERM or SIGHUP).
_children: list[subprocess.Popen] = []


def start(command: list[str], env: dict | None = None, **popen) -> subprocess.Popen:
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.STDOUT)
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True,
                               **popen)
    _children.append(process)
    return process


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    """subprocess.run for a child that is stopped with the benchmark."""
    process = start(command, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate()
    finally:
        stop(process)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the child's whole process group, SIGKILL if it is still there after 20 s."""
    if process in _children:
        _children.remove(process)
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        process.wait()
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything of its group still there
    except ProcessLookupError:
        pass
    process.wait()


def stop_all() -> None:
    for process in list(_children):
        stop(process)


def _on_signal(signum, frame) -> None:
    # Unwind through the benchmark's `finally` blocks, then atexit stops what is left.
    signal.signal(signum, signal.SIG_DFL)
    raise SystemExit(128 + signum)


atexit.register(stop_all)
for _signum in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signum, _on_signal)


def wait_for_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
