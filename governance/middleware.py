from .audit import AuditContext, reset_context, set_context


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
