from celery import shared_task
from django.conf import settings

from .services.invitations import member_invitations_prepare, member_invitations_resume
from .services.register_import import register_import_run, register_imports_resume


@shared_task(queue="default")
def register_import_task(run_id: int) -> bool:
    return register_import_run(run_id=run_id,
                               stale_after_seconds=settings.CELERY_TASK_TIME_LIMIT)


@shared_task(queue="notices")
def member_invitations_prepare_task(mailing_id: int) -> int:
    return member_invitations_prepare(mailing_id=mailing_id)


@shared_task(queue="default")
def register_imports_resume_task() -> int:
    return register_imports_resume(stale_after_seconds=settings.CELERY_TASK_TIME_LIMIT)


@shared_task(queue="notices")
def member_invitations_resume_task() -> int:
    return member_invitations_resume()
