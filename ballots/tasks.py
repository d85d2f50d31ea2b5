from celery import shared_task

from .services.ballots import ballots_close_due
from .services.counting import ballot_count, ballots_count_due
from .services.reminders import ballot_reminders_send
from .services.scrutiny import scrutiny_bundle_build, scrutiny_bundles_due


@shared_task(queue="default")
def ballots_close_due_task() -> int:
    return ballots_close_due()


@shared_task(queue="notices")
def ballot_reminders_task() -> int:
    return ballot_reminders_send()


@shared_task(queue="counting", acks_late=True)
def ballot_count_task(ballot_id: int) -> int:
    return ballot_count(ballot_id=ballot_id)


@shared_task(queue="default")
def ballots_count_due_task() -> int:
    return ballots_count_due()


@shared_task(queue="counting", acks_late=True)
def scrutiny_bundle_task(bundle_id: int) -> bool:
    return scrutiny_bundle_build(bundle_id=bundle_id)


@shared_task(queue="default")
def scrutiny_bundles_due_task() -> int:
    return scrutiny_bundles_due()
