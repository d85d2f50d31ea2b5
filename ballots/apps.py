from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots"

    def ready(self) -> None:
        from meetings.services.meetings import on_attendance

        from . import emails  # noqa: F401  (registers the email composers)
        from .services.proxies import proxies_end_on_attendance

        on_attendance(proxies_end_on_attendance)
