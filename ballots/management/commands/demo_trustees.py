"""The demo's trustees, played on this machine: `make run`'s demo has no people to make a
ballot's key on their own computers, so this command plays them. It does exactly what each
trustee would do with `manage.py trustee` (the same functions), keeping each demo
trustee's secret under var/trustees/ as the trustee's own folder would, and uploads their
files through the platform's checks. DEBUG only: on a live site trustees are people."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.exceptions import DomainError

# The scrutineer, a member, and a person from outside: two are not officers.
DEMO_TRUSTEES = [("Ruth Adeyemi", "scrutineer@example.org"),
                 ("Priya Shah", "member@example.org"),
                 ("Alex Morgan", "alex.trustee@example.org")]


class Command(BaseCommand):
    help = ("Demo only: the demo's three trustees make a draft ballot's key (naming them "
            "first if need be), or take their part in its count once it has closed.")

    def add_arguments(self, parser):
        parser.add_argument("ballot", type=int, help="the ballot's number (its id)")
        parser.add_argument("--force", action="store_true",
                            help="Run even when DEBUG is off (never on a live site).")

    def handle(self, *args, ballot: int, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_trustees plays the trustees: it runs only with DEBUG on.")
        from ballots.demo import demo_trustees_count, demo_trustees_make_key
        from ballots.models import Ballot, BallotStatus

        found = Ballot.objects.filter(pk=ballot).first()
        if found is None:
            raise CommandError(f"There is no ballot {ballot}.")
        folder = Path(settings.VAR_DIR) / "trustees" / f"ballot-{ballot}"
        try:
            if found.status == BallotStatus.DRAFT:
                demo_trustees_make_key(found, DEMO_TRUSTEES, folder)
                self.stdout.write(self.style.SUCCESS(
                    f"The key of ballot {ballot} is made by its three demo trustees; their "
                    f"secrets are in {folder}/ (a real trustee keeps theirs on their own "
                    "computer). The ballot can be opened."))
            elif found.status == BallotStatus.CLOSED:
                counted = demo_trustees_count(found, folder)
                self.stdout.write(self.style.SUCCESS(
                    f"Two demo trustees took part in the count of ballot {ballot}: "
                    + ("counted." if counted else "waiting for the worker; run me again.")))
            else:
                raise CommandError("The trustees make the key of a draft ballot, and take "
                                   "part in the count of a closed one.")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
