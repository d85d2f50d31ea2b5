"""First-run set-up of a real mutual, without the demo: the organisation, its first
secretary (invited by email to set a password), and optionally its classes from a JSON
file. Everything else the secretary does on the platform's pages."""

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.roles import Role
from governance.calendar import Nation
from governance.exceptions import DomainError
from governance.models import AssetLock, LegalForm
from governance.services import officer_appoint, organisation_set_up
from governance.transactions import atomic
from governance.validators import (
    EARLIEST_INCORPORATION,
    MAX_MINIMUM_AGE,
    date_problem,
    int_problem,
    text_problem,
)
from membership.services.classes import share_class_create, stakeholder_class_create

CONFIG_EXAMPLE = """{
  "share_classes": [
    {"name": "Ordinary £1 shares", "par_value": "1.00", "min_holding": 1,
     "max_holding": 20000, "withdrawable": true, "withdrawal_notice_months": 3,
     "carries_votes": false, "votes_from": "2024-01-01"}
  ],
  "stakeholder_classes": [
    {"name": "Staff", "eligibility": "Permanent employees", "votes": true,
     "votes_from": "2024-01-01", "share_classes": ["Ordinary £1 shares"]}
  ]
}"""


class Command(BaseCommand):
    help = ("Set up the mutual this installation serves: the organisation and its first "
            "secretary, and optionally its classes (--classes FILE.json).")

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Registered name.")
        parser.add_argument("--legal-form", required=True, choices=LegalForm.values)
        parser.add_argument("--nation", required=True, choices=Nation.values)
        parser.add_argument("--registration-number", default="")
        parser.add_argument("--registered-office", default="")
        parser.add_argument("--asset-lock", choices=AssetLock.values, default=AssetLock.NONE,
                            help="A CIC always has the CIC lock.")
        parser.add_argument("--incorporated-on", type=dt.date.fromisoformat, default=None,
                            help="YYYY-MM-DD")
        parser.add_argument("--minimum-age", type=int, default=None)
        parser.add_argument("--secretary-email", required=True)
        parser.add_argument("--secretary-name", required=True)
        parser.add_argument("--secretary-since", type=dt.date.fromisoformat, default=None,
                            help="Date of appointment, YYYY-MM-DD (default today).")
        parser.add_argument("--classes", type=Path, default=None,
                            help="A JSON file of share classes and stakeholder classes:\n"
                                 + CONFIG_EXAMPLE)

    def handle(self, *args, **options):
        self._check_options(options)
        classes = self._read_classes(options["classes"]) if options["classes"] else None
        try:
            with atomic():
                organisation = organisation_set_up(
                    actor=None, name=options["name"], legal_form=options["legal_form"],
                    nation=options["nation"],
                    registration_number=options["registration_number"],
                    registered_office=options["registered_office"],
                    asset_lock=options["asset_lock"],
                    incorporated_on=options["incorporated_on"],
                    minimum_age=options["minimum_age"])
                officer_appoint(actor=None, email=options["secretary_email"],
                                full_name=options["secretary_name"], role=Role.SECRETARY,
                                started_on=options["secretary_since"] or timezone.localdate())
                if classes:
                    self._create_classes(classes)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{organisation.name} is set up."))
        self.stdout.write(
            f"{options['secretary_name']} ({options['secretary_email']}) is the secretary and "
            "is being emailed a link to choose a password. They then set up two-factor "
            "authentication, and can add classes and shares, appoint the board and import "
            "the register of members.")

    def _check_options(self, options) -> None:
        """The same rules as the platform's forms (governance.validators)."""
        for option, multiline in (("name", False), ("registration_number", False),
                                  ("registered_office", True), ("secretary_name", False),
                                  ("secretary_email", False)):
            problem = text_problem(options[option], multiline=multiline)
            if problem:
                raise CommandError(f"--{option.replace('_', '-')}: {problem}")
        if options["minimum_age"] is not None:
            problem = int_problem(options["minimum_age"], lowest=0, highest=MAX_MINIMUM_AGE)
            if problem:
                raise CommandError(f"--minimum-age: {problem}")
        for option, earliest in (("incorporated_on", EARLIEST_INCORPORATION),
                                 ("secretary_since", None)):
            if options[option] is not None:
                problem = date_problem(options[option], future=False,
                                       **({"earliest": earliest} if earliest else {}))
                if problem:
                    raise CommandError(f"--{option.replace('_', '-')}: {problem}")

    @staticmethod
    def _check_item(what: str, item: dict, *, lines=(), text=("name",), dates=()) -> None:
        if not isinstance(item, dict):
            raise CommandError(f"{what}: expected an object (see --help for the shape)")
        for key in (*text, *lines):
            value = item.get(key)
            problem = text_problem(value, multiline=key in lines) if isinstance(
                value, str) else None
            if problem:
                raise CommandError(f"{what}, {key}: {problem}")
        for key in dates:
            try:
                problem = date_problem(dt.date.fromisoformat(str(item.get(key))))
            except ValueError as exc:
                raise CommandError(f"{what}, {key}: {exc}") from exc
            if problem:
                raise CommandError(f"{what}, {key}: {problem}")

    def _read_classes(self, path: Path) -> dict:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{path}: expected an object like\n{CONFIG_EXAMPLE}")
        return data

    def _create_classes(self, data: dict) -> None:
        made = {}
        for index, item in enumerate(data.get("share_classes", []), start=1):
            self._check_item(f"share class {index}", item, text=("name", "code",
                             "minute_reference"), dates=("votes_from",))
            item = dict(item)
            try:
                name = item.pop("name")
                par_value = Decimal(str(item.pop("par_value", "1.00")))
                carries_votes = bool(item.pop("carries_votes", False))
                votes_from = dt.date.fromisoformat(item.pop("votes_from"))
            except (KeyError, ValueError, InvalidOperation) as exc:
                raise CommandError(f"share class {index}: {exc!s} (see --help for the "
                                   "shape)") from exc
            try:
                made[name] = share_class_create(actor=None, name=name, par_value=par_value,
                                                carries_votes=carries_votes,
                                                votes_from=votes_from, **item)
            except TypeError as exc:
                raise CommandError(f"share class {index}: {exc}") from exc
        for index, item in enumerate(data.get("stakeholder_classes", []), start=1):
            self._check_item(f"stakeholder class {index}", item, lines=("eligibility",),
                             dates=("votes_from",))
            try:
                share_classes = [made[name] for name in item.get("share_classes", [])]
                stakeholder_class_create(
                    actor=None, name=item["name"], eligibility=item["eligibility"],
                    votes=bool(item.get("votes", True)),
                    votes_from=dt.date.fromisoformat(item["votes_from"]),
                    share_classes=share_classes)
            except (KeyError, ValueError) as exc:
                raise CommandError(f"stakeholder class {index}: unknown or missing {exc!s}"
                                   ) from exc
