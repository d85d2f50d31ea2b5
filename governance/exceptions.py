class DomainError(Exception):
    """A rule of the platform refused an action. The message is shown to the user as is,
    so it must be written for them."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class AuditChainBroken(Exception):
    pass
