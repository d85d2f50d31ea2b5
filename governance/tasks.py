from celery import shared_task

from . import outbox, services


@shared_task
def health_ping_task(token: str) -> str:
    """Round trip used by the health page to prove that a worker answers."""
    return f"pong:{token}"


@shared_task
def beat_heartbeat_task() -> str:
    """Sent every 30 s by Celery beat; the health page shows when it last ran."""
    return services.heartbeat_touch(name="beat").seen_at.isoformat()


@shared_task(queue="notices")
def deliveries_send_task(delivery_ids: list[int]) -> int:
    """Temporary failures are not retried by Celery: the outbox puts the rows back in the
    queue with their time to try again and hands them over for then (see outbox.py)."""
    return outbox.deliveries_send(ids=delivery_ids)


@shared_task(queue="notices")
def deliveries_sweep_task() -> int:
    return outbox.deliveries_sweep()


@shared_task(queue="default")
def audit_verify_task() -> bool:
    """Nightly: the full check of the audit chain, which moves the checkpoint the pages'
    quick checks start from, or records the break for every page to show."""
    return services.audit_chain_check(full=True).ok
