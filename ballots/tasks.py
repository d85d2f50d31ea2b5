from celery import shared_task

from .services.ballots import ballots_close_due
from .services.reminders import ballot_reminders_send


@shared_task(queue="default")
def ballots_close_due_task() -> int:
    return ballots_close_due()


@shared_task(queue="notices")
def ballot_reminders_task() -> int:
    return ballot_reminders_send()
