from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(queue="notices", autoretry_for=(SMTPException, ConnectionError, TimeoutError),
             retry_backoff=True, max_retries=5)
def send_invitation_task(user_id: int) -> bool:
    return services.invitation_send(user_id=user_id)
