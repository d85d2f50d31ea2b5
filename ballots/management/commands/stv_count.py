"""Count a BLT ballot file by STV: ``manage.py stv_count FILE.blt --rule scottish|ers97``.

Prints a result sheet (candidates down, stages across), or with ``--json`` one JSON object:
``rule``, ``seats``, ``valid_votes``, ``quota``, ``stages`` (each with ``votes`` per
candidate, ``non_transferable``, ``elected``, ``excluded``, ``surplus``; figures as strings
with 5 decimal places), ``elected`` in order of election and ``lots`` (ties decided by lot,
with the seed). Needs no database.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ballots.counting.blt import BltError, read_blt
from ballots.counting.stv import RULES, StvError, count_stv


class Command(BaseCommand):
    help = "Count a BLT ballot file by the single transferable vote (Scottish STV or ERS97)."
    requires_system_checks = []  # a count reads a file; it needs no database or checks

    def add_arguments(self, parser):
        parser.add_argument("file", help="the BLT ballot file")
        parser.add_argument("--rule", required=True, choices=sorted(RULES),
                            help="scottish: SSI 2007/42; ers97: ERS rules, 3rd edition 1997")
        parser.add_argument("--json", action="store_true",
                            help="print one JSON object instead of the result sheet")
        parser.add_argument("--seed", type=int, default=None,
                            help="seed for any tie decided by lot (default: a random seed, "
                                 "reported with the lot)")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            election = read_blt(path)
        except BltError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            result = count_stv(election.ballots, election.candidates, election.seats,
                               options["rule"], withdrawn=election.withdrawn,
                               seed=options["seed"])
        except StvError as exc:
            raise CommandError(f"{path}: {exc}") from exc

        if options["json"]:
            self.stdout.write(json.dumps(result.to_json(), indent=1, ensure_ascii=False))
            return
        if election.title:
            self.stdout.write(election.title)
        if election.withdrawn:
            self.stdout.write("Withdrawn: " + ", ".join(result.withdrawn))
        if election.ignored_lines:
            self.stdout.write(f"Ignored {election.ignored_lines} ballot line(s) of weight 0 "
                              f"or without preferences.")
        self.stdout.write(result.table(), ending="")
