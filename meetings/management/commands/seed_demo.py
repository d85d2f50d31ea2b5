from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.exceptions import DomainError
from meetings.demo import seed_meetings
from membership.demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET, PRESETS, seed_demo


class Command(BaseCommand):
    help = ("Create (or top up) a fictional mutual with one login per role: a community "
            "benefit society (--preset cbs, the default) or a staff-owned CIC "
            "(--preset cic-staff).")

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=PRESETS, default="cbs")
        parser.add_argument("--force", action="store_true",
                            help="Run even when DEBUG is off (never on a live site).")

    def handle(self, *args, preset="cbs", force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo makes known passwords: it runs only with DEBUG on "
                               "(or --force on a throwaway site).")
        try:
            result = seed_demo(preset=preset)
            seed_meetings(preset=preset, actor=result["users"]["secretary@example.org"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo mutual ready: {result['organisation']}"))
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        for email, name, role, _is_member in DEMO_LOGINS:
            label = role.label if role else ("Site administrator" if email.startswith("admin")
                                             else "Member")
            self.stdout.write(f"  {label:<20} {email:<26} {name}")
        self.stdout.write(
            "Officers sign in with a two-factor code: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`python manage.py demo_totp EMAIL`.")
