from django.core.management.base import BaseCommand, CommandError

from governance.health import run_checks


class Command(BaseCommand):
    help = "Check the database, the broker, a worker and Celery beat; exit non-zero on failure."

    def add_arguments(self, parser):
        parser.add_argument("--no-beat", action="store_true", help="Do not require beat.")

    def handle(self, *args, **options):
        failed = []
        for check in run_checks():
            self.stdout.write(f"{check.name:<9} {'ok' if check.ok else 'FAILING':<8} "
                              f"{check.detail}")
            if not check.ok and not (options["no_beat"] and check.name == "beat"):
                failed.append(check.name)
        if failed:
            raise CommandError(f"Not healthy: {', '.join(failed)}")
