from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo


class Command(BaseCommand):
    help = "Create (or top up) a fictional public service mutual with one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Run even when DEBUG is off (never on a live site).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo makes known passwords: it runs only with DEBUG on "
                               "(or --force on a throwaway site).")
        result = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo mutual ready: {result['organisation']}"))
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        for email, name, role, _is_member in DEMO_LOGINS:
            label = role.label if role else ("Site administrator" if email.startswith("admin")
                                             else "Member")
            self.stdout.write(f"  {label:<20} {email:<26} {name}")
        self.stdout.write(
            "Officers sign in with a two-factor code: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`python manage.py demo_totp EMAIL`."
        )
