import json

from django.core.management.base import BaseCommand, CommandError

from ballots.counting.tally import TallyError, tally_file


class Command(BaseCommand):
    help = ("Count a resolution from a tally file (JSON: resolution_type, rules, votes) by "
            "the platform's counting rules. Needs no database.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        try:
            result = tally_file(options["file"])
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        except TallyError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.to_json()))
            return
        data = result.to_json()
        lines = [f"Outcome: {data['outcome'].replace('_', ' ')}",
                 f"For: {data['for']}  Against: {data['against']}  Withheld: "
                 f"{data['withheld']}",
                 f"For, as a percentage of for and against: {data['percentage_for']}%",
                 data["reason"]]
        for name, totals in data["classes"].items():
            lines.append(f"  {name or '(no class)'}: {totals['for']} for, "
                         f"{totals['against']} against, {totals['withheld']} withheld")
        self.stdout.write("\n".join(lines))
