import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from governance.models import Organisation
from membership.models import Member

ROOT = Path(__file__).resolve().parent.parent


def _check(env_overrides):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_overrides})
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                           "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = _check({"DJANGO_ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _check({"DJANGO_SECRET_KEY": "x" * 64})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_check():
    result = _check({"DJANGO_SECRET_KEY": "k3y-" + "a1b2c3d4e5" * 6,
                     "DJANGO_ALLOWED_HOSTS": "governance.example.org"})
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Organisation.objects.count(), User.objects.count(), Member.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), User.objects.count(), Member.objects.count()) == counts
    assert User.objects.filter(email__endswith="@example.org").count() == counts[1]
    assert counts[2] >= 10
    call_command("audit_verify")


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
