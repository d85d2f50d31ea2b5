from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "General meetings"

    def ready(self) -> None:
        from . import emails  # noqa: F401  (registers the email composers)
