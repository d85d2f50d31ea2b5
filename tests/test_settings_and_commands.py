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


@pytest.mark.django_db
def test_the_staff_owned_cic_demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--preset", "cic-staff")
    organisation = Organisation.objects.get()
    assert organisation.legal_form == "cic_shares" and organisation.asset_lock == "cic"
    assert not Member.objects.filter(holdings__shares__gt=1).exists()  # one share each
    assert Member.objects.filter(cessation_reason="shares_sold").count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already holds Riverside"):
        call_command("seed_demo", "--preset", "cbs")


@pytest.mark.django_db
def test_setup_organisation_sets_up_a_real_mutual_without_the_demo(tmp_path, mailbox):
    from django.core.management.base import CommandError

    from governance.models import Delivery, OfficerAppointment
    from membership.models import ShareClass, StakeholderClass
    from membership.selectors import voting_classes_on

    classes = tmp_path / "classes.json"
    classes.write_text("""{
      "share_classes": [{"name": "Ordinary £1 shares", "par_value": "1.00", "min_holding": 1,
                         "max_holding": 5000, "withdrawable": true,
                         "withdrawal_notice_months": 3, "carries_votes": false,
                         "votes_from": "2020-01-01"}],
      "stakeholder_classes": [{"name": "Members", "eligibility": "Anyone in the valley",
                               "votes": true, "votes_from": "2020-01-01",
                               "share_classes": ["Ordinary £1 shares"]}]}""")
    args = ["setup_organisation", "--name", "Valley Energy Co-operative",
            "--legal-form", "cbs", "--nation", "scotland", "--registration-number", "SP1234",
            "--asset-lock", "statutory", "--secretary-email", "Sec@Valley.coop",
            "--secretary-name", "Sam Secretary", "--classes", str(classes)]
    call_command(*args)
    organisation = Organisation.objects.get()
    assert (organisation.nation, organisation.asset_lock) == ("scotland", "statutory")
    assert OfficerAppointment.objects.get(role="secretary").user.email == "sec@valley.coop"
    assert Delivery.objects.filter(kind="invitation", to_email="sec@valley.coop").exists()
    share_class = ShareClass.objects.get()
    assert StakeholderClass.objects.get().share_classes.get() == share_class
    import datetime as dt

    voting, carrying = voting_classes_on(on=dt.date(2021, 1, 1))
    assert voting == {StakeholderClass.objects.get().pk} and carrying == set()
    with pytest.raises(CommandError, match="already set up"):
        call_command(*args)
    Organisation.objects.all().delete()
    with pytest.raises(CommandError, match="statutory restriction"):
        call_command("setup_organisation", "--name", "X", "--legal-form", "coop_society",
                     "--nation", "england-wales", "--asset-lock", "statutory",
                     "--secretary-email", "a@b.org", "--secretary-name", "A")
    assert not Organisation.objects.exists()  # nothing half-written


def test_make_run_serves_the_address_it_prints(tmp_path):
    """`make run` prints an address; the web process it starts (under honcho, which sets
    PORT for every process) must listen there."""
    import re
    import socket
    import time
    import urllib.request

    # The README gives the address `make run` prints when no port is chosen.
    make_env = {k: v for k, v in os.environ.items() if k not in ("WEB_HOST", "WEB_PORT")}
    by_default = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=make_env,
                                capture_output=True, text=True, check=True).stdout
    default_address = re.search(r"starting at (http://\S+/)", by_default).group(1)
    said = re.search(r"^make run\b.*?(http://[^\s,]+)", (ROOT / "README.md").read_text(),
                     re.M)
    assert said, "the README does not say where `make run` serves the platform"
    assert said.group(1) == default_address

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    printed = subprocess.run(["make", "-n", "run", f"WEB_PORT={port}"], cwd=ROOT,
                             env=make_env, capture_output=True, text=True, check=True).stdout
    address = re.search(r"starting at (http://\S+/)", printed).group(1)
    assert address == f"http://127.0.0.1:{port}/"
    honcho = re.search(r"^(WEB_HOST=\S+ WEB_PORT=\S+) .*?honcho start -f Procfile", printed,
                       re.M | re.S)
    assert honcho, printed
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                **dict(pair.split("=") for pair in honcho.group(1).split())})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    web = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile", "web"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(address, timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        os.killpg(web.pid, 15)
        web.wait(10)


@pytest.mark.parametrize("command", [
    ["manage.py", "check"],
    ["-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"],
    ["-m", "celery", "-A", "config", "beat"],
    ["-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
], ids=["manage.py", "celery worker", "celery beat", "gunicorn"])
def test_without_a_settings_module_nothing_starts_and_the_message_says_why(command):
    """No default settings: a server started without DJANGO_SETTINGS_MODULE must not run
    on the development settings (DEBUG on, a known secret key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run([sys.executable, *command], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr
    assert "config.settings.production" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
