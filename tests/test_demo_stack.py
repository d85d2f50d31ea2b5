"""`make run`'s zero-server stack holds up: its broker never hands a worker half a message
with several processes writing at once, and the web server, worker and beat under honcho
are all alive after a soak of notices, a ballot and its count, tasks and page requests."""

import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Connection

import config.broker  # noqa: F401  (registers mutualfs://)

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_EACH, WRITERS = 300, 3


def _options(folder: Path) -> dict:
    return {"data_folder_in": str(folder / "out"), "data_folder_out": str(folder / "out"),
            "processed_folder": str(folder / "processed"), "store_processed": False,
            "polling_interval": 0.01}


def _write(folder: Path) -> None:
    with Connection("mutualfs://", transport_options=_options(folder)) as connection:
        queue = connection.SimpleQueue("race")
        for n in range(MESSAGES_EACH):
            # Large messages take long enough to write for a reader to meet one half done.
            queue.put({"n": n, "padding": "x" * 500_000})


def test_the_demo_broker_never_hands_a_worker_half_a_message(tmp_path):
    for sub in ("out", "processed"):
        (tmp_path / sub).mkdir()
    writers = [multiprocessing.get_context("spawn").Process(target=_write, args=(tmp_path,))
               for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    received, unreadable = 0, []
    with Connection("mutualfs://", transport_options=_options(tmp_path)) as connection:
        queue = connection.SimpleQueue("race")
        deadline = time.monotonic() + 120
        while received < WRITERS * MESSAGES_EACH and time.monotonic() < deadline:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                continue
            except Exception as exc:  # what made the worker die
                unreadable.append(repr(exc))
                continue
            assert len(message.payload["padding"]) == 500_000
            message.ack()
            received += 1
    for writer in writers:
        writer.join(30)
    assert unreadable == []
    assert received == WRITERS * MESSAGES_EACH


@pytest.mark.soak
def test_the_make_run_stack_survives_a_soak():
    """A short run of bench/demo_soak.py (the benchmark runs it for longer)."""
    done = subprocess.run([sys.executable, "-m", "bench.demo_soak", "--seconds", "45"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["processes_alive"] == {"web": True, "worker": True, "beat": True}, result
    assert result["ok"], result
    assert result["requests"] > 1000 and result["tasks_answered"] > 100
