"""Setting up and changing stakeholder classes and share classes. What affects voting
(whether a class votes, whether a share class carries votes) changes from a date and is
kept as history, so that a meeting can ask what was in force on its record date; share
write-downs are board resolutions with their date and minute."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from governance.exceptions import DomainError
from governance.formatting import money
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.transactions import atomic
from governance.validators import INT_MAX, MAX_NOTICE_DAYS, MAX_NOTICE_MONTHS, int_problem

from ..models import (
    ShareClass,
    ShareClassVoting,
    ShareValueResolution,
    StakeholderClass,
    StakeholderClassVoting,
)
from .ledger import check_date

SHARE_CLASS_FIELDS = ("name", "code", "par_value", "min_holding", "max_holding",
                      "withdrawable", "transferable", "withdrawal_notice_months",
                      "withdrawal_notice_days", "max_interest_rate",
                      "transfer_needs_board_approval", "transfer_at_par_only",
                      "sale_notice_days")
FIXED_ONCE_ISSUED = ("par_value", "code")
# The same ranges as the share class form's fields (and within the columns).
SHARE_CLASS_LIMITS = {"min_holding": INT_MAX, "max_holding": INT_MAX,
                      "withdrawal_notice_months": MAX_NOTICE_MONTHS,
                      "withdrawal_notice_days": MAX_NOTICE_DAYS,
                      "sale_notice_days": MAX_NOTICE_DAYS}
PAR_MAX = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)


def _unique(model, field: str, value: str, instance=None, label: str = "name") -> None:
    clash = model.objects.filter(**{f"{field}__iexact": value})
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DomainError(f"There is already a class with this {label}.", field=field)


def _check_share_class(share_class: ShareClass) -> None:
    organisation = organisation_get()
    if not share_class.name.strip():
        raise DomainError("Enter a name for the shares.", field="name")
    if share_class.par_value is None or share_class.par_value <= 0:
        raise DomainError("The par value must be more than £0.", field="par_value")
    if share_class.par_value > PAR_MAX:
        raise DomainError(f"The par value cannot be above {money(PAR_MAX)}.", field="par_value")
    if share_class.min_holding < 1:
        raise DomainError("A member must hold at least one share.", field="min_holding")
    for name, highest in SHARE_CLASS_LIMITS.items():
        value = getattr(share_class, name)
        problem = value is not None and int_problem(value, lowest=0, highest=highest)
        if problem:
            raise DomainError(f"{name.replace('_', ' ').capitalize()}: {problem}", field=name)
    if share_class.max_interest_rate is not None and share_class.max_interest_rate >= 1000:
        raise DomainError("The interest cap must be below 1,000%.", field="max_interest_rate")
    if share_class.max_holding is not None and share_class.max_holding < share_class.min_holding:
        raise DomainError(f"The maximum holding cannot be below the minimum "
                          f"({share_class.min_holding:,}).", field="max_holding")
    if share_class.max_interest_rate is not None and share_class.max_interest_rate < 0:
        raise DomainError("The interest cap cannot be below 0%.", field="max_interest_rate")
    if organisation is not None and organisation.is_company and share_class.withdrawable:
        raise DomainError("Withdrawable shares belong to registered societies; a company buys "
                          "back or redeems its shares instead.", field="withdrawable")
    if share_class.sale_notice_days is not None and not share_class.transferable:
        raise DomainError("Shares that must be sold on leaving must be transferable (or "
                          "bought back): tick \u201ctransferable\u201d.", field="transferable")
    if share_class.transfer_at_par_only and not share_class.transferable:
        raise DomainError("A transfer price only applies to transferable shares.",
                          field="transfer_at_par_only")


def share_class_create(*, actor, name: str, par_value: Decimal, carries_votes: bool,
                       votes_from: dt.date, code: str = "", minute_reference: str = "",
                       **settings) -> ShareClass:
    unknown = set(settings) - set(SHARE_CLASS_FIELDS)
    if unknown:
        raise ValueError(f"not share class settings: {sorted(unknown)}")
    code = slugify(code or name)[:20]
    with atomic():
        _unique(ShareClass, "name", name.strip())
        _unique(ShareClass, "code", code, label="code")
        share_class = ShareClass(name=name.strip(), code=code, par_value=par_value, **settings)
        _check_share_class(share_class)
        share_class.save()
        ShareClassVoting.objects.create(share_class=share_class, carries_votes=carries_votes,
                                        effective_from=votes_from,
                                        minute_reference=minute_reference)
        audit_record(actor=actor, action="share_class.created", target=share_class, changes={
            **{f: getattr(share_class, f) for f in SHARE_CLASS_FIELDS},
            "carries_votes": carries_votes, "votes_from": votes_from})
        return share_class


def share_class_update(*, actor, share_class: ShareClass, **changes) -> ShareClass:
    unknown = set(changes) - set(SHARE_CLASS_FIELDS)
    if unknown:
        raise ValueError(f"not share class settings: {sorted(unknown)}")
    with atomic():
        share_class = ShareClass.objects.select_for_update().get(pk=share_class.pk)
        changed = {f: v for f, v in changes.items() if getattr(share_class, f) != v}
        issued = share_class.transactions.exists()
        for field in FIXED_ONCE_ISSUED:
            if field in changed and issued:
                raise DomainError(f"The {field.replace('_', ' ')} cannot change once shares "
                                  "of the class have been issued.", field=field)
        before = {f: getattr(share_class, f) for f in changed}
        for field, value in changed.items():
            setattr(share_class, field, value)
        if "name" in changed:
            _unique(ShareClass, "name", share_class.name, share_class)
        _check_share_class(share_class)
        if changed:
            share_class.save(update_fields=list(changed))
            audit_record(actor=actor, action="share_class.updated", target=share_class,
                         changes={"before": before, "after": changed})
        return share_class


def share_class_voting_change(*, actor, share_class: ShareClass, carries_votes: bool,
                              effective_from: dt.date, minute_reference: str
                              ) -> ShareClassVoting:
    """From a date, shares of this class carry votes (or stop carrying them). The date may
    be in the future: the change is then in force from that date."""
    return _voting_change(actor=actor, model=ShareClassVoting, owner_field="share_class",
                          owner=share_class, value_field="carries_votes",
                          value=carries_votes, effective_from=effective_from,
                          minute_reference=minute_reference)


def stakeholder_class_voting_change(*, actor, stakeholder_class: StakeholderClass,
                                    votes: bool, effective_from: dt.date,
                                    minute_reference: str) -> StakeholderClassVoting:
    return _voting_change(actor=actor, model=StakeholderClassVoting,
                          owner_field="stakeholder_class", owner=stakeholder_class,
                          value_field="votes", value=votes, effective_from=effective_from,
                          minute_reference=minute_reference)


def _voting_change(*, actor, model, owner_field: str, owner, value_field: str, value: bool,
                   effective_from: dt.date, minute_reference: str):
    if not minute_reference.strip():
        raise DomainError("Enter the minute reference, or the rule, that makes the change.",
                          field="minute_reference")
    with atomic():
        history = model.objects.select_for_update().filter(**{owner_field: owner})
        in_force = history.filter(effective_from__lte=effective_from).order_by(
            "-effective_from").first()
        if in_force is not None and getattr(in_force, value_field) == value:
            raise DomainError(f"That is already in force on {effective_from:%d %B %Y}.",
                              field=value_field)
        try:
            with transaction.atomic():
                change = model.objects.create(**{owner_field: owner, value_field: value,
                                                 "effective_from": effective_from,
                                                 "minute_reference": minute_reference.strip()})
        except IntegrityError as exc:
            raise DomainError("There is already a change on that date; choose another date.",
                              field="effective_from") from exc
        audit_record(actor=actor, action=f"{model._meta.model_name}.changed", target=owner,
                     changes={value_field: value, "effective_from": effective_from,
                              "minute_reference": minute_reference})
        return change


def share_class_write_down(*, actor, share_class: ShareClass, value_per_share: Decimal,
                           resolved_on: dt.date, minute_reference: str) -> ShareValueResolution:
    """A board resolution: from `resolved_on`, shares of this class are repaid at this
    value (between £0 and par)."""
    if not minute_reference.strip():
        raise DomainError("A write-down is a board resolution: enter its minute reference.",
                          field="minute_reference")
    if value_per_share is None or value_per_share < 0:
        raise DomainError("The value of a share cannot be below £0.", field="value_per_share")
    if value_per_share > share_class.par_value:
        raise DomainError(f"Shares are never repaid above par ({money(share_class.par_value)}"
                          " each).", field="value_per_share")
    check_date(resolved_on, field="resolved_on", what="A board resolution")
    with atomic():
        resolution = ShareValueResolution.objects.create(
            share_class=share_class, value_per_share=value_per_share, resolved_on=resolved_on,
            minute_reference=minute_reference.strip(), recorded_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="share_class.written_down", target=share_class,
                     changes={"value_per_share": value_per_share, "resolved_on": resolved_on,
                              "minute_reference": minute_reference})
        return resolution


def stakeholder_class_create(*, actor, name: str, eligibility: str, votes: bool,
                             votes_from: dt.date, share_classes=(), slug: str = "",
                             minute_reference: str = "") -> StakeholderClass:
    slug = slugify(slug or name)[:40]
    if not name.strip():
        raise DomainError("Enter a name for the class.", field="name")
    if not eligibility.strip():
        raise DomainError("Say who may join the class, as the rules say.", field="eligibility")
    with atomic():
        _unique(StakeholderClass, "name", name.strip())
        _unique(StakeholderClass, "slug", slug, label="short name")
        klass = StakeholderClass.objects.create(
            name=name.strip(), slug=slug, eligibility=eligibility.strip(),
            position=StakeholderClass.objects.count())
        klass.share_classes.set(share_classes)
        StakeholderClassVoting.objects.create(stakeholder_class=klass, votes=votes,
                                              effective_from=votes_from,
                                              minute_reference=minute_reference)
        audit_record(actor=actor, action="stakeholder_class.created", target=klass, changes={
            "name": klass.name, "eligibility": klass.eligibility, "votes": votes,
            "votes_from": votes_from,
            "share_classes": sorted(s.code for s in klass.share_classes.all())})
        return klass


def stakeholder_class_update(*, actor, stakeholder_class: StakeholderClass, name: str,
                             eligibility: str, share_classes) -> StakeholderClass:
    with atomic():
        klass = StakeholderClass.objects.select_for_update().get(pk=stakeholder_class.pk)
        if not name.strip():
            raise DomainError("Enter a name for the class.", field="name")
        _unique(StakeholderClass, "name", name.strip(), klass)
        wanted = {s.pk for s in share_classes}
        dropped = set(klass.share_classes.values_list("pk", flat=True)) - wanted
        held = ShareClass.objects.filter(pk__in=dropped, holdings__shares__gt=0,
                                         holdings__member__ceased_on__isnull=True,
                                         holdings__member__stakeholder_class=klass).first()
        if held is not None:
            raise DomainError(f"Members of this class hold {held.name}; they must keep being "
                              "allowed to hold them.", field="share_classes")
        before = {"name": klass.name, "eligibility": klass.eligibility,
                  "share_classes": sorted(klass.share_classes.values_list("code", flat=True))}
        klass.name, klass.eligibility = name.strip(), eligibility.strip()
        klass.save(update_fields=["name", "eligibility"])
        klass.share_classes.set(share_classes)
        after = {"name": klass.name, "eligibility": klass.eligibility,
                 "share_classes": sorted(klass.share_classes.values_list("code", flat=True))}
        if before != after:
            audit_record(actor=actor, action="stakeholder_class.updated", target=klass,
                         changes={"before": before, "after": after})
        return klass
