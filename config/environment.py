"""The settings module must be chosen: there is no default, so that a server never runs on
the development settings (DEBUG on, a known secret key) by mistake."""

import os
import sys
from pathlib import Path

MESSAGE = """DJANGO_SETTINGS_MODULE is not set. Choose the settings explicitly:
  config.settings.production  on a server (with DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS)
  config.settings.local       to try the platform on this machine (`make run` sets it)
  config.settings.test        for the tests (pytest sets it)
Set it in the environment or in a .env file (see .env.example).
"""


def require_settings_module() -> None:
    """Stop with a clear message, not a traceback, when no settings module is chosen. A
    .env file at the top of the project may choose it."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    env_file = Path(__file__).resolve().parent.parent / ".env"
    if env_file.exists():
        import environ

        environ.Env.read_env(str(env_file))
        if os.environ.get("DJANGO_SETTINGS_MODULE"):
            return
    sys.stderr.write(MESSAGE)
    # 3 is also gunicorn's "worker failed to boot": its master stops instead of starting
    # the worker again and again.
    raise SystemExit(3)
