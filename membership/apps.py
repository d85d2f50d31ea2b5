from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Membership and shares"

    def ready(self) -> None:
        from accounts.roles import Role, role_source

        from . import emails  # noqa: F401  (registers the email composers)
        from .selectors import member_for_user

        role_source(lambda *, user, on: {Role.MEMBER} if member_for_user(user=user) else set())
