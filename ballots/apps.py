from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots"

    def ready(self) -> None:
        from . import emails  # noqa: F401  (registers the email composers)
