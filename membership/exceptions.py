from governance.exceptions import DomainError


class HoldingLimitExceeded(DomainError):
    field = "shares"


class NotEligible(DomainError):
    pass


class WithdrawalRefused(DomainError):
    field = "shares"


class WithdrawalsSuspended(DomainError):
    pass


class AlreadyRecorded(DomainError):
    pass


class WrongState(DomainError):
    pass
