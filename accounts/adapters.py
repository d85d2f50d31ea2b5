from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: accounts are made when a member is admitted or an officer is
    appointed (governance.services.officer_appoint)."""

    def is_open_for_signup(self, request) -> bool:
        return False
