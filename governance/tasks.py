from celery import shared_task

from . import services


@shared_task
def health_ping_task(token: str) -> str:
    """Round trip used by the health page to prove that a worker answers."""
    return f"pong:{token}"


@shared_task
def beat_heartbeat_task() -> str:
    """Sent every 30 s by Celery beat; the health page shows when it last ran."""
    return services.heartbeat_touch(name="beat").seen_at.isoformat()
