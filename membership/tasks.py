from smtplib import SMTPException

from celery import shared_task

from .services import notifications

TRANSIENT = (SMTPException, ConnectionError, TimeoutError)


@shared_task(queue="notices", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_application_confirmation_task(application_id: int) -> bool:
    return notifications.application_confirmation_send(application_id=application_id)


@shared_task(queue="notices", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_rejection_task(application_id: int) -> bool:
    return notifications.rejection_send(application_id=application_id)


@shared_task(queue="notices", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_welcome_task(application_id: int) -> bool:
    return notifications.welcome_send(application_id=application_id)


@shared_task(queue="default")
def register_import_task(run_id: int) -> bool:
    from django.conf import settings

    from .services.register_import import register_import_run

    return register_import_run(run_id=run_id,
                               stale_after_seconds=settings.CELERY_TASK_TIME_LIMIT)
