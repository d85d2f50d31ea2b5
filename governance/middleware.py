import logging

from django.shortcuts import render

from .audit import AuditContext, reset_context, set_context
from .db import is_lock_timeout, is_statement_timeout, web_limits_reset, web_limits_set

logger = logging.getLogger(__name__)


class AuditContextMiddleware:
    """Makes the client's address available to audit rows written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_context(AuditContext(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        ))
        try:
            return self.get_response(request)
        finally:
            reset_context(token)


class DatabaseLimitsMiddleware:
    """Every web request waits at most `WEB_DB_LOCK_TIMEOUT` for a row lock and runs no
    statement longer than `WEB_DB_STATEMENT_TIMEOUT`, so nothing a secretary clicks can
    hold voters up for long. A request that reaches a limit is rolled back and answered
    503 with a page that says nothing was saved and to try again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limited = web_limits_set()
        try:
            return self.get_response(request)
        finally:
            if limited:
                web_limits_reset()

    def process_exception(self, request, exception):
        if is_lock_timeout(exception):
            reason = "busy"
        elif is_statement_timeout(exception):
            reason = "slow"
        else:
            return None
        logger.warning("%s %s gave up: %s", request.method, request.path, exception)
        response = render(request, "busy.html", {"reason": reason}, status=503)
        response["Retry-After"] = "5"
        return response
