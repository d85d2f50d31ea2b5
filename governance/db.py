"""Limits on how long a web request may wait for a lock or run a statement, and how to
recognise the errors PostgreSQL raises when it reaches them.

A web request must never hold voters up for long: a lock it cannot get within
`WEB_DB_LOCK_TIMEOUT` and a statement that runs longer than `WEB_DB_STATEMENT_TIMEOUT`
are given up, the transaction is rolled back, and the person is asked to try again
(`governance.middleware.DatabaseLimitsMiddleware`). Celery workers and management commands
do not pass through the middleware and keep no limit: a count or a bundle may take
minutes."""

from django.conf import settings
from django.db import connection

LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout, or NOWAIT
QUERY_CANCELED = "57014"  # statement_timeout


def _sqlstate(exc: BaseException) -> str | None:
    while exc is not None:
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if state:
            return state
        exc = exc.__cause__
    return None


def is_lock_timeout(exc: BaseException) -> bool:
    return _sqlstate(exc) == LOCK_NOT_AVAILABLE


def is_statement_timeout(exc: BaseException) -> bool:
    return _sqlstate(exc) == QUERY_CANCELED


def web_limits_set() -> bool:
    """Set the web request's limits on its database session (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false), "
                       "set_config('statement_timeout', %s, false)",
                       [settings.WEB_DB_LOCK_TIMEOUT, settings.WEB_DB_STATEMENT_TIMEOUT])
    return True


def web_limits_reset() -> None:
    """Back to the server's defaults, so that a connection kept for the next request (or a
    test's own connection) carries no limit it was not given."""
    if connection.connection is None:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
            cursor.execute("RESET statement_timeout")
    except Exception:  # an aborted transaction: it is rolled back, and SETs with it
        pass
