"""Adopting a version of the rulebook. Each version has the date from which it is in
force; a meeting pins the version in force on the day its notice is sent."""

import datetime as dt

from django.db.models import Max

from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.models import LegalForm
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic
from membership.models import StakeholderClass

from ..models import Rulebook
from ..rules import PRESETS, RulebookInvalid, RulebookSettings, rulebook_check


def rulebook_adopt(*, actor, title: str, settings: RulebookSettings, clauses: dict[str, str],
                   effective_from: dt.date, adopted_by: str, preset: str = "") -> Rulebook:
    """Record a version of the rules, in force from `effective_from` (which may be in the
    future: a meeting held after it uses it). Settings the statute does not allow for the
    organisation's legal form are refused, naming the section."""
    organisation = organisation_get()
    if organisation is None:
        raise DomainError("Set up the organisation first.")
    if not adopted_by.strip():
        raise DomainError("Say how the rules were adopted (the resolution or minute, and the "
                          "FCA's registration for a society).", field="adopted_by")
    if not title.strip():
        raise DomainError("Give the rules a title.", field="title")
    rulebook_check(settings=settings, legal_form=organisation.legal_form,
                   incorporated_on=organisation.incorporated_on,
                   class_slugs=set(StakeholderClass.objects.values_list("slug", flat=True)))
    with atomic():
        if Rulebook.objects.select_for_update().filter(effective_from=effective_from).exists():
            raise DomainError(f"A version of the rules already takes effect on "
                              f"{long_date(effective_from)}.", field="effective_from")
        version = (Rulebook.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        rulebook = Rulebook.objects.create(
            version=version, title=title.strip(), preset=preset, effective_from=effective_from,
            adopted_by=adopted_by.strip(), settings=settings.to_json(), clauses=clauses,
            recorded_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="rulebook.adopted", target=rulebook, changes={
            "version": version, "effective_from": effective_from, "preset": preset,
            "adopted_by": adopted_by, "settings": rulebook.settings})
        return rulebook


def rulebook_adopt_preset(*, actor, preset: str, effective_from: dt.date, adopted_by: str,
                          changes: dict | None = None) -> Rulebook:
    """Adopt one of the presets, with any settings changed (`changes`: setting -> value)."""
    if preset not in PRESETS:
        raise DomainError(f"Choose one of the presets: {', '.join(PRESETS)}.", field="preset")
    chosen = PRESETS[preset]
    organisation = organisation_get()
    if organisation is not None and organisation.legal_form not in chosen.legal_forms:
        forms = " or ".join(LegalForm(form).label.lower() for form in chosen.legal_forms)
        raise RulebookInvalid(f"The preset \u201c{chosen.title}\u201d is for a {forms}, not "
                              f"a {organisation.get_legal_form_display().lower()}.",
                              field="preset")
    data = chosen.settings.to_json()
    data.update(changes or {})
    return rulebook_adopt(actor=actor, title=chosen.title,
                          settings=RulebookSettings.from_json(data), clauses=chosen.clauses,
                          effective_from=effective_from, adopted_by=adopted_by,
                          preset=preset)
