"""Running writes at the same moment, each on its own database connection."""

import threading

from django.db import connection

from governance.exceptions import DomainError


def run_together(*calls, timeout: float = 60):
    """Start the calls at the same moment in separate threads (separate connections).
    Each outcome is ("ok", value), ("refused", DomainError) or ("error", exception): a
    deadlock or a constraint violation shows up as an error, never silently."""
    barrier = threading.Barrier(len(calls))
    outcomes = [("error", TimeoutError("did not finish"))] * len(calls)

    def runner(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except DomainError as exc:
            outcomes[index] = ("refused", exc)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes
