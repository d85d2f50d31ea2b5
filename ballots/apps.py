from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots"

    def ready(self) -> None:
        from meetings.services.meetings import on_attendance

        from . import emails  # noqa: F401  (registers the email composers)
        from .services.proxies import proxies_end_on_attendance

        on_attendance(proxies_end_on_attendance)

        from accounts.roles import Role, role_source

        from .selectors import is_trustee

        role_source(lambda *, user, on: {Role.TRUSTEE} if is_trustee(user) else set())
