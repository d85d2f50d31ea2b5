from celery import shared_task

from .services.agm import agm_reminders_send
from .services.notices import notice_prepare, notices_resume


@shared_task(queue="notices", acks_late=True)
def notice_prepare_task(notice_id: int) -> int:
    return notice_prepare(notice_id=notice_id)


@shared_task(queue="notices")
def agm_reminders_task() -> int:
    return agm_reminders_send()


@shared_task(queue="notices")
def notices_resume_task() -> int:
    return notices_resume()
