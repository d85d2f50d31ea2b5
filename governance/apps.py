from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from accounts.roles import role_source

        from . import emails, signals  # noqa: F401  (email composers, audit of accounts)
        from .selectors import officer_roles_for_user

        role_source(officer_roles_for_user)
