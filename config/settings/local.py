"""Local development and `make run`: SQLite and the filesystem broker unless
DATABASE_URL / REDIS_URL say otherwise; email is written to var/mail/."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
if not env("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
