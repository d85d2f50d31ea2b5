"""The one Celery app. Tasks are thin: they load by id and call a service."""

from celery import Celery
from kombu import Queue

from . import broker  # noqa: F401  (the demo's broker transport, `mutualfs://`)
from .environment import require_settings_module

require_settings_module()

app = Celery("mutual")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=60 * 60 * 24,
    # Tasks are idempotent (see docs/architecture.md), so a message is acknowledged only
    # after the task finishes: a worker killed mid-task leaves it for another worker.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    # Separate queues so that a big mailing never delays a count, and the reverse.
    task_queues=(Queue("default"), Queue("notices"), Queue("counting")),
    broker_connection_retry_on_startup=True,
    timezone="Europe/London",
    beat_schedule={
        "beat-heartbeat": {"task": "governance.tasks.beat_heartbeat_task", "schedule": 30.0},
        "deliveries-sweep": {"task": "governance.tasks.deliveries_sweep_task",
                             "schedule": 60.0},
        "notices-resume": {"task": "meetings.tasks.notices_resume_task", "schedule": 60.0},
        "imports-resume": {"task": "membership.tasks.register_imports_resume_task",
                           "schedule": 60.0},
        "invitations-resume": {"task": "membership.tasks.member_invitations_resume_task",
                               "schedule": 60.0},
        "ballots-close-due": {"task": "ballots.tasks.ballots_close_due_task",
                              "schedule": 60.0},
        "ballots-count-due": {"task": "ballots.tasks.ballots_count_due_task",
                              "schedule": 60.0},
        "ballot-reminders": {"task": "ballots.tasks.ballot_reminders_task",
                             "schedule": 15 * 60.0},
        "agm-reminders": {"task": "meetings.tasks.agm_reminders_task",
                          "schedule": 6 * 60 * 60.0},
        "audit-verify": {"task": "governance.tasks.audit_verify_task",
                         "schedule": 24 * 60 * 60.0},
        "scrutiny-bundles-due": {"task": "ballots.tasks.scrutiny_bundles_due_task",
                                 "schedule": 60.0},
    },
)
app.autodiscover_tasks()
