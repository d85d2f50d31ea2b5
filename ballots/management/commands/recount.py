"""Recount a ballot from the scrutineer's signed bundle, with no access to the database:
``manage.py recount BUNDLE.zip [--json]``.

Checks the manifest (every file's SHA-256) and its Ed25519 signature, counts each question
again from its anonymised contents (a tally file, or a BLT file) by the platform's counting
modules, and compares the recount with the result the platform stored. Exits with status 1
when anything disagrees, so it can stand in a script."""

import json

from django.core.management.base import BaseCommand, CommandError

from ballots.counting.recount import RecountError, recount_bundle


class Command(BaseCommand):
    help = ("Recount a ballot from the scrutineer's bundle (a zip file or the folder it was "
            "unpacked into) and compare with the stored results. Needs no database.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="the bundle: a .zip file or a folder")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        try:
            check = recount_bundle(options["bundle"])
        except OSError as exc:
            raise CommandError(f"{options['bundle']}: {exc.strerror or exc}") from exc
        except RecountError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(check.to_json()))
        else:
            signature = {True: "valid", False: "DOES NOT MATCH", None: "absent"}[
                check.signature_valid]
            lines = [f"Files: {'intact' if check.files_intact else 'NOT INTACT'}",
                     f"Signature: {signature}"
                     + (f" (key {check.key_fingerprint})" if check.key_fingerprint else "")]
            lines += [f"  {problem}" for problem in check.problems]
            if check.sealed_checks or check.sealed_failure:
                lines.append("The sealed ballot box:")
                lines += [f"  checked: {passed}" for passed in check.sealed_checks]
                if check.sealed_failure:
                    lines.append(f"  FAILS: {check.sealed_failure}")
            for question in check.questions:
                lines.append(f"{question.position}. {question.title}: "
                             + ("agrees" if question.agrees else "DISAGREES"))
                lines += [f"    {difference}" for difference in question.differences]
            lines.append("The recount agrees with the stored results." if check.agrees
                         else "The recount does NOT agree with the stored results.")
            self.stdout.write("\n".join(lines))
        if not check.agrees:
            raise SystemExit(1)
