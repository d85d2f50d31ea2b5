import json

from django.core.management.base import BaseCommand, CommandError

from ballots.counting.tally import TallyError, tally_file, tally_json_schema


class Command(BaseCommand):
    help = ("Count a resolution from a tally file (JSON: resolution_type, rules, votes) by "
            "the platform's counting rules. Needs no database.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the tally file (JSON)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--schema", action="store_true",
                            help="Print the tally file's JSON Schema and stop.")

    def handle(self, *args, **options):
        if options["schema"]:
            self.stdout.write(json.dumps(tally_json_schema(), indent=1))
            return
        if not options["file"]:
            raise CommandError("Give the tally file to count (or --schema).")
        try:
            result = tally_file(options["file"])
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror or exc}") from exc
        except TallyError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.to_json()))
            return
        data = result.to_json()
        percentage = f"{data['percentage_for']}%" if data["percentage_for"] is not None \
            else "none (no votes for or against)"
        lines = [f"Outcome: {data['outcome'].replace('_', ' ')}",
                 f"For: {data['for']}  Against: {data['against']}  Withheld: "
                 f"{data['withheld']}",
                 f"For, as a percentage of for and against: {percentage}",
                 data["reason"]]
        for name, totals in data["classes"].items():
            lines.append(f"  {name or '(no class)'}: {totals['for']} for, "
                         f"{totals['against']} against, {totals['withheld']} withheld")
        self.stdout.write("\n".join(lines))
