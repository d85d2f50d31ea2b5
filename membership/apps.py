from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Membership and shares"

    def ready(self) -> None:
        from accounts.roles import Role, role_source

        from . import emails, signals  # noqa: F401  (registers composers and receivers)
        from .selectors import member_for_user

        role_source(lambda *, user, on: {Role.MEMBER} if member_for_user(user=user) else set())
