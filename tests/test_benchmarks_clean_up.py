"""A benchmark stopped half way (SIGTERM, as a CI runner or `kill` sends, or Ctrl-C) stops
every server and worker it started."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process on the machine."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":  # a zombie has exited
            found[int(entry.name)] = (int(fields[1]), command)
    return found


def descendants(pid: int) -> dict[int, str]:
    table = processes()
    found, parents = {}, {pid}
    while parents:
        children = {p for p, (ppid, _command) in table.items() if ppid in parents}
        found.update({p: table[p][1] for p in children})
        parents = children
    return found


@pytest.mark.parametrize(("benchmark", "options", "servers"), [
    ("bench.notices", ["--size", "300"], ("gunicorn", "celery")),
    ("bench.casting", ["--voters", "300"], ("gunicorn",)),
], ids=["notices", "casting"])
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stopped_benchmark_leaves_no_process_behind(benchmark, options, servers, how):
    database = f"postgres://postgres@127.0.0.1:5432/test_bench_stop_{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    process = subprocess.Popen([sys.executable, "-m", benchmark, *options, "--database-url",
                                database], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:  # until its servers (and their own children) are up
            tree = descendants(process.pid)
            running = " ".join(tree.values())
            if all(name in running for name in servers) and len(tree) > len(servers):
                break
            assert process.poll() is None, "the benchmark ended before its servers started"
            assert time.monotonic() < deadline, f"its servers did not start: {tree}"
            time.sleep(0.2)
        time.sleep(1)
        tree = descendants(process.pid)
        process.send_signal(how)
        process.wait(timeout=60)
        time.sleep(0.5)
        now = processes()
        left = {pid: command for pid, command in tree.items()
                if pid in now and now[pid][1] == command}
        assert not left, f"still running after the benchmark stopped: {left}"
    finally:
        if process.poll() is None:
            process.kill()
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "test_bench_stop_{os.getpid()}" '
                               "WITH (FORCE)")
