"""The rulebook's settings (section G of the rules guide), their statutory floors for each
legal form, the presets, and what the counting of a resolution needs from them.

Pure: no database. A rulebook is stored as JSON (`Rulebook.settings`) and read back into
`RulebookSettings`; `rulebook_check` refuses settings the statute does not allow, naming the
section; `resolution_rules` gives the counting rules of one resolution type in the shape
of a tally file (the `tally` command and the counting service read the same shape)."""

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction

from governance.exceptions import DomainError
from governance.models import COMPANY_FORMS, SOCIETY_FORMS, LegalForm

CA06 = "Companies Act 2006"
CCBSA = "Co-operative and Community Benefit Societies Act 2014"
CASTING_VOTE_ABOLISHED = dt.date(2007, 10, 1)  # Companies Act 2006 (Commencement No. 3) Order


class RulebookInvalid(DomainError):
    """A setting the statute does not allow for this legal form."""


VOTING_BASES = ("one_member_one_vote", "one_share_one_vote", "class_weighted")
DENOMINATORS = ("votes_cast", "eligible_members", "total_voting_rights")
COMPARATORS = (">", ">=")
STV_RULES = {"ers97": "the Electoral Reform Society's 1997 rules (ERS97)",
             "scottish": "the Scottish STV rules (SSI 2007/42)"}


@dataclass
class Threshold:
    comparator: str = ">"
    value: str = "1/2"
    denominator: str = "votes_cast"
    dual_test: bool = False  # a majority of votes cast in each class as well (FairShares)
    minimum_turnout: str | None = None  # of eligible members (conversion: 1/2)
    two_stage: bool = False  # a society's resolution confirmed at a second meeting


@dataclass
class Quorum:
    """The greater of `minimum` and `fraction` of the members (rounded up); or `fixed`.
    Tiers by the number of members, as FairShares sets it, are a list of these, each with
    `members_up_to` (None for the last)."""

    minimum: int = 2
    fraction: str | None = None
    fixed: int | None = None
    members_up_to: int | None = None


@dataclass
class Proxies:
    allowed: bool = True
    max_per_holder: int | None = None
    appointment_deadline_hours: int | None = 48
    revocation_deadline_hours: int | None = None
    directed: bool = True
    discretionary: bool = True
    chair_is_default: bool = True
    principal_overrides: bool = True  # a principal who votes or attends overrides the proxy


@dataclass
class AgmTiming:
    """When the AGM is due: within `months_after_year_end` of the end of the financial
    year (`year_end` as MM-DD), or, for co-operative articles, at least once in each
    calendar year and no more than `max_months_apart` after the last."""

    year_end: str | None = "03-31"
    months_after_year_end: int | None = 6
    max_months_apart: int | None = None
    first_within_months: int | None = None


@dataclass
class RulebookSettings:
    voting_basis: str = "one_member_one_vote"
    share_vote_cap: int | None = None  # most votes one member has on one share one vote
    class_weights: dict[str, str] = field(default_factory=dict)  # class slug -> "1/2"
    empty_class: str = "rescale"  # a weighted class that casts no votes: rescale | zero
    class_caps: dict[str, str] = field(default_factory=dict)  # class slug -> "0.10"
    excluded_classes: dict[str, list[str]] = field(default_factory=dict)  # type -> slugs
    federal: bool = False  # a federal society may vote in proportion to shares
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    quorum: list[Quorum] = field(default_factory=lambda: [Quorum(minimum=2)])
    remote_attendance_counts: bool = True
    notice_clear_days: int = 14
    deemed_delivery_hours: int = 48
    agm: AgmTiming = field(default_factory=AgmTiming)
    proxies: Proxies = field(default_factory=Proxies)
    casting_vote: str = "none"  # none | chair
    casting_vote_article_saved: bool = False  # a company's pre-2007 article, still in force
    short_notice_allowed: bool = False
    short_notice_percent: int = 90
    advance_online_voting: bool = True
    change_vote_before_close: bool = True
    written_resolution_lapse_days: int = 28
    stv_rule: str = "ers97"  # elections by STV: ers97 (ERS 1997) | scottish (SSI 2007/42)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RulebookSettings":
        data = dict(data)
        data["thresholds"] = {name: Threshold(**value)
                              for name, value in data.get("thresholds", {}).items()}
        data["quorum"] = [Quorum(**tier) for tier in data.get("quorum", [])] or [Quorum()]
        data["agm"] = AgmTiming(**data.get("agm", {}))
        data["proxies"] = Proxies(**data.get("proxies", {}))
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise RulebookInvalid(f"Unknown settings: {', '.join(sorted(unknown))}.")
        return cls(**data)

    def threshold(self, resolution_type: str) -> Threshold:
        return self.thresholds.get(resolution_type) or Threshold()


def fraction(text: str, *, setting: str) -> Fraction:
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError) as exc:
        raise RulebookInvalid(f"{setting}: \u201c{text}\u201d is not a number or a fraction "
                              "such as 2/3.", field=setting) from exc
    return value


# --- Statutory floors --------------------------------------------------------------------

# Resolution types whose thresholds the statute fixes for a society (CCBSA ss.109-113).
SOCIETY_STATUTORY = {
    "amalgamation": Threshold(">=", "2/3", "votes_cast", two_stage=True),
    "transfer_of_engagements": Threshold(">=", "2/3", "votes_cast", two_stage=True),
    "conversion": Threshold(">=", "3/4", "votes_cast", minimum_turnout="1/2",
                            two_stage=True),
}


def rulebook_check(*, settings: RulebookSettings, legal_form: str,
                   incorporated_on: dt.date | None, class_slugs: set[str]) -> None:
    """Refuse a rulebook the law does not allow for this legal form, naming the statute."""
    if legal_form not in LegalForm.values:
        raise RulebookInvalid("Set the organisation's legal form first.")
    company = legal_form in COMPANY_FORMS
    society = legal_form in SOCIETY_FORMS
    if settings.voting_basis not in VOTING_BASES:
        raise RulebookInvalid(f"Choose a voting basis: {', '.join(VOTING_BASES)}.",
                              field="voting_basis")
    if society and settings.voting_basis == "one_share_one_vote" and not settings.federal:
        raise RulebookInvalid(
            "A registered society votes one member, one vote: votes in proportion to shares "
            "are for federal societies only (FCA RFCCBS 4 and 6.1.3).", field="voting_basis")
    if settings.voting_basis == "class_weighted":
        if not settings.class_weights:
            raise RulebookInvalid("Give each class its weight.", field="class_weights")
        weights = [fraction(w, setting="class_weights") for w in settings.class_weights.values()]
        if any(w <= 0 for w in weights):
            raise RulebookInvalid("Each class's weight is more than 0%.", field="class_weights")
        total = sum(weights)
        if total != 1:
            raise RulebookInvalid(f"The class weights add up to {float(total):.0%}; they must "
                                  "add up to 100%.", field="class_weights")
    named = set(settings.class_weights) | set(settings.class_caps) | {
        slug for slugs in settings.excluded_classes.values() for slug in slugs}
    unknown = named - class_slugs
    if unknown:
        raise RulebookInvalid(f"No stakeholder class called {', '.join(sorted(unknown))}: set "
                              "up the classes first.", field="class_weights")
    for slug, cap in settings.class_caps.items():
        if not 0 < fraction(cap, setting="class_caps") < 1:
            raise RulebookInvalid(f"The cap on the {slug} class must be between 0% and 100%.",
                                  field="class_caps")
    if settings.empty_class not in ("rescale", "zero"):
        raise RulebookInvalid("A class that casts no votes is either left out (rescale) or "
                              "counted as 0.", field="empty_class")
    for name, threshold in settings.thresholds.items():
        _check_threshold(name, threshold, company=company, society=society)
    if society:
        for name, statutory in SOCIETY_STATUTORY.items():
            if name in settings.thresholds and settings.thresholds[name] != statutory:
                raise RulebookInvalid(
                    f"The {name.replace('_', ' ')} of a society needs {statutory.value} of "
                    "the votes cast and confirmation at a second meeting, as the statute "
                    f"sets it ({CCBSA} ss.109-113).", field="thresholds")
    if company:
        if settings.notice_clear_days < 14:
            raise RulebookInvalid(
                f"A company must give at least 14 clear days' notice of a general meeting "
                f"({CA06} s.307(1)).", field="notice_clear_days")
        if not settings.proxies.allowed:
            raise RulebookInvalid(f"Every member of a company may appoint a proxy ({CA06} "
                                  "s.324).", field="proxies")
        for hours, section, name in (
                (settings.proxies.appointment_deadline_hours, "s.327", "appointment"),
                (settings.proxies.revocation_deadline_hours, "s.330", "revocation")):
            if hours is not None and hours > 48:
                raise RulebookInvalid(
                    f"A company's articles may not require a proxy {name} more than 48 "
                    f"hours before the meeting ({CA06} {section}).", field="proxies")
        if settings.casting_vote == "chair" and not (
                settings.casting_vote_article_saved and incorporated_on is not None
                and incorporated_on < CASTING_VOTE_ABOLISHED):
            raise RulebookInvalid(
                "The chair of a company's general meeting has no casting vote unless the "
                "company's articles gave one before 1 October 2007 and still do (Companies "
                "Act 2006 (Commencement No. 3) Order 2007, Sch.5 para 2(5)).",
                field="casting_vote")
        if settings.short_notice_allowed and not 90 <= settings.short_notice_percent <= 95:
            raise RulebookInvalid(
                "Short notice of a private company's meeting needs members holding 90% of the "
                f"voting rights, or up to 95% if the articles say so ({CA06} s.307(5)-(6)).",
                field="short_notice_percent")
        if settings.written_resolution_lapse_days <= 0:
            raise RulebookInvalid("A written resolution lapses after a number of days "
                                  f"(28 unless the articles say otherwise; {CA06} s.297).",
                                  field="written_resolution_lapse_days")
    if settings.stv_rule not in STV_RULES:
        raise RulebookInvalid("Count elections by single transferable vote under the ERS97 "
                              "rules or the Scottish STV rules.", field="stv_rule")
    if settings.casting_vote not in ("none", "chair"):
        raise RulebookInvalid("The casting vote is the chair's, or there is none.",
                              field="casting_vote")
    if settings.notice_clear_days < 0 or settings.deemed_delivery_hours < 0:
        raise RulebookInvalid("Notice periods cannot be negative.", field="notice_clear_days")
    for tier in settings.quorum:
        if tier.fixed is None and tier.fraction is None and tier.minimum < 1:
            raise RulebookInvalid("A quorum must be at least one person.", field="quorum")
        if company and tier.fixed is not None and tier.fixed < 2:
            raise RulebookInvalid(f"The quorum of a company with more than one member is at "
                                  f"least 2 qualifying persons ({CA06} s.318).",
                                  field="quorum")


def _check_threshold(name: str, threshold: Threshold, *, company: bool, society: bool) -> None:
    if threshold.comparator not in COMPARATORS or threshold.denominator not in DENOMINATORS:
        raise RulebookInvalid(f"The {name} threshold needs a comparator (> or >=) and a "
                              f"denominator ({', '.join(DENOMINATORS)}).", field="thresholds")
    value = fraction(threshold.value, setting="thresholds")
    if not 0 < value <= 1:
        raise RulebookInvalid(f"The {name} threshold must be between 0 and 100%.",
                              field="thresholds")
    if company and name == "ordinary" and (value < Fraction(1, 2) or (
            value == Fraction(1, 2) and threshold.comparator == ">=")):
        raise RulebookInvalid(f"An ordinary resolution of a company needs a simple majority, "
                              f"more than half of the votes ({CA06} s.282).",
                              field="thresholds")
    if company and name == "special" and value < Fraction(3, 4):
        raise RulebookInvalid(f"A special resolution of a company needs at least 75% of the "
                              f"votes ({CA06} s.283).", field="thresholds")


# --- Counting rules of one resolution, in the tally file's shape -------------------------


def resolution_rules(settings: RulebookSettings, resolution_type: str, *,
                     chair_casting_vote: str | None = None) -> dict:
    """The `rules` object of a tally file for one resolution type (see the `tally`
    command): what the count of that resolution applies."""
    threshold = settings.threshold(resolution_type)
    caps = dict(settings.class_caps)
    rules = {
        "voting_basis": settings.voting_basis,
        "threshold": {"comparator": threshold.comparator, "value": threshold.value},
        "denominator": threshold.denominator,
        "dual_test": threshold.dual_test,
        "two_stage": threshold.two_stage,
        "casting_vote": settings.casting_vote,
        "excluded_classes": list(settings.excluded_classes.get(resolution_type, [])),
    }
    if settings.voting_basis == "class_weighted":
        rules["class_weights"] = dict(settings.class_weights)
        rules["empty_class"] = settings.empty_class
    if caps:
        rules["class_caps"] = caps
    if threshold.minimum_turnout:
        rules["minimum_turnout"] = threshold.minimum_turnout
    if chair_casting_vote:
        rules["chair_casting_vote"] = chair_casting_vote
    return rules


# --- Quorum ------------------------------------------------------------------------------


def quorum_required(settings: RulebookSettings, *, members: int) -> int:
    """How many members must be present, for a meeting of this many members."""
    for tier in settings.quorum:
        if tier.members_up_to is not None and members > tier.members_up_to:
            continue
        if tier.fixed is not None:
            return tier.fixed
        needed = tier.minimum
        if tier.fraction is not None:
            needed = max(needed, math.ceil(fraction(tier.fraction, setting="quorum") * members))
        return needed
    return settings.quorum[-1].fixed or settings.quorum[-1].minimum


# --- Presets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    code: str
    title: str
    legal_forms: tuple[str, ...]
    settings: RulebookSettings
    clauses: dict[str, str]


def _presets() -> dict[str, Preset]:
    society_thresholds = {
        "ordinary": Threshold(">", "1/2"),
        "special": Threshold(">=", "3/4"),
        "extraordinary": Threshold(">=", "3/4"),
        "rule_amendment": Threshold(">=", "2/3"),
        **SOCIETY_STATUTORY,
    }
    company_thresholds = {
        "ordinary": Threshold(">", "1/2"),
        "special": Threshold(">=", "3/4"),
        "written": Threshold(">", "1/2", "total_voting_rights"),
        "written_special": Threshold(">=", "3/4", "total_voting_rights"),
    }
    society_clauses = {
        "voting_basis": "Rule 30: each member has one vote",
        "thresholds": "Rules 32-33; CCBSA ss.109-113 for amalgamation, transfer and "
                      "conversion",
        "quorum": "Rule 27: 10% of the members or 3, whichever is greater",
        "notice_clear_days": "Rule 25: 14 clear days",
        "proxies": "Rule 31: a proxy may act for no more than 5 members",
        "casting_vote": "Rule 29: the chair has a casting vote",
        "agm": "Rule 24: within six months of the end of the financial year",
    }
    return {preset.code: preset for preset in [
        Preset("coop_society", "Co-operative society, one member one vote",
               (LegalForm.COOPERATIVE_SOCIETY, LegalForm.COMMUNITY_BENEFIT_SOCIETY),
               RulebookSettings(
                   thresholds=dict(society_thresholds),
                   quorum=[Quorum(minimum=3, fraction="1/10")],
                   proxies=Proxies(max_per_holder=5),
                   casting_vote="chair"),
               society_clauses),
        Preset("cbs_statutory_lock",
               "Community benefit society with the statutory asset lock",
               (LegalForm.COMMUNITY_BENEFIT_SOCIETY,),
               RulebookSettings(
                   thresholds=dict(society_thresholds),
                   quorum=[Quorum(minimum=3, fraction="1/10")],
                   proxies=Proxies(max_per_holder=5),
                   casting_vote="none"),
               {**society_clauses, "casting_vote": "Rule 29: no casting vote",
                "asset_lock": "Rule 4: restriction on use of assets (SI 2006/264)"}),
        Preset("cic_shares", "Community interest company limited by shares, one share one vote",
               (LegalForm.CIC_SHARES,),
               RulebookSettings(
                   voting_basis="one_share_one_vote", thresholds=dict(company_thresholds),
                   quorum=[Quorum(fixed=2)], proxies=Proxies(appointment_deadline_hours=48),
                   casting_vote="none", short_notice_allowed=True, short_notice_percent=90,
                   agm=AgmTiming(year_end=None, months_after_year_end=None,
                                 max_months_apart=15, first_within_months=18)),
               {"voting_basis": "Article 40: one vote for each share held (CA06 s.284)",
                "thresholds": "CA06 ss.282-283, 288 and 297",
                "quorum": "Article 38: two qualifying persons (CA06 s.318)",
                "notice_clear_days": "CA06 s.307(1): 14 clear days",
                "proxies": "Article 45; CA06 ss.324-327",
                "casting_vote": "Incorporated after 1 October 2007: no casting vote",
                "agm": "Article 36: an AGM every calendar year, no more than 15 months apart"}),
        Preset("fairshares", "FairShares multi-stakeholder co-operative",
               (LegalForm.COOPERATIVE_SOCIETY, LegalForm.COMMUNITY_BENEFIT_SOCIETY),
               RulebookSettings(
                   thresholds={**society_thresholds,
                               "special": Threshold(">=", "3/4", dual_test=True)},
                   quorum=[Quorum(minimum=3, fraction="1/2", members_up_to=9),
                           Quorum(minimum=2, fraction="2/5", members_up_to=50),
                           Quorum(fixed=20)],
                   proxies=Proxies(max_per_holder=1), casting_vote="none"),
               {"thresholds": "FairShares rules: a special resolution needs a majority in "
                              "each class and 75% overall",
                "quorum": "FairShares rules: half (at least 3) under 10 members, two-fifths "
                          "up to 50, then 20",
                "proxies": "FairShares rules: a proxy may act for one member only"}),
        Preset("somerset", "Co-operative with fixed class weights (Somerset Rules)",
               (LegalForm.COOPERATIVE_SOCIETY, LegalForm.COMMUNITY_BENEFIT_SOCIETY),
               RulebookSettings(
                   voting_basis="class_weighted",
                   class_weights={"workers": "1/2", "users": "1/4", "investors": "1/4"},
                   empty_class="rescale", thresholds=dict(society_thresholds),
                   quorum=[Quorum(minimum=3, fraction="1/10")],
                   proxies=Proxies(max_per_holder=5), casting_vote="none"),
               {"voting_basis": "Somerset Rules: workers 50%, users 25%, investors 25% of the "
                                "votes at general meetings, one member one vote within each",
                "class_weights": "Somerset Rules, voting rule",
                "empty_class": "A class that casts no votes is left out and the other "
                               "weights rescaled"}),
    ]}


PRESETS: dict[str, Preset] = _presets()


# --- In words ----------------------------------------------------------------------------

_BASES = {"one_member_one_vote": "One member, one vote",
          "one_share_one_vote": "One vote for each voting share",
          "class_weighted": "Each class's votes weighted"}
_DENOMINATORS = {"votes_cast": "of the votes cast", "eligible_members": "of the members",
                 "total_voting_rights": "of all the voting rights"}


def _percent(text: str) -> str:
    value = Fraction(text) * 100
    return f"{int(value)}%" if value.denominator == 1 else f"{float(value):.1f}%"


def threshold_words(threshold: Threshold) -> str:
    words = ("more than " if threshold.comparator == ">" else "at least ") + \
        _percent(threshold.value) + " " + _DENOMINATORS[threshold.denominator]
    if threshold.dual_test:
        words += ", and a majority in each class"
    if threshold.minimum_turnout:
        words += f", with at least {_percent(threshold.minimum_turnout)} of members voting"
    if threshold.two_stage:
        words += ", confirmed at a second meeting"
    return words


def quorum_words(tiers: list[Quorum]) -> str:
    parts = []
    for tier in tiers:
        if tier.fixed is not None:
            text = f"{tier.fixed} members"
        elif tier.fraction:
            text = f"{_percent(tier.fraction)} of the members or {tier.minimum}, if greater"
        else:
            text = f"{tier.minimum} members"
        if tier.members_up_to is not None:
            text += f" (up to {tier.members_up_to} members)"
        parts.append(text)
    return "; ".join(parts)


def settings_in_words(settings: RulebookSettings, clauses: dict[str, str]
                      ) -> list[tuple[str, str, str]]:
    """(setting, what it says, the clause it comes from) for the rulebook page."""
    basis = _BASES[settings.voting_basis]
    if settings.share_vote_cap:
        basis += f", at most {settings.share_vote_cap} each"
    if settings.class_weights:
        basis += ": " + ", ".join(f"{slug} {_percent(weight)}"
                                  for slug, weight in settings.class_weights.items())
    proxies = settings.proxies
    proxy_text = "Not allowed" if not proxies.allowed else ", ".join(filter(None, [
        f"at most {proxies.max_per_holder} for each holder" if proxies.max_per_holder
        else "no limit for each holder",
        f"appointed {proxies.appointment_deadline_hours} working hours before"
        if proxies.appointment_deadline_hours else "appointed until the meeting starts",
        "the chair if no one is named" if proxies.chair_is_default else "",
        "directed or discretionary" if proxies.directed and proxies.discretionary
        else "directed only" if proxies.directed else "discretionary only"]))
    rows = [
        ("Voting", basis, clauses.get("voting_basis", "")),
        ("A class that casts no votes",
         "left out, the other weights rescaled" if settings.empty_class == "rescale"
         else "counted as no votes", clauses.get("empty_class", ""))
        if settings.class_weights else None,
        *[(f"{name.replace('_', ' ').capitalize()} resolution", threshold_words(threshold),
           clauses.get("thresholds", "")) for name, threshold in settings.thresholds.items()],
        ("Quorum", quorum_words(settings.quorum), clauses.get("quorum", "")),
        ("Members attending online", "count towards the quorum"
         if settings.remote_attendance_counts else "do not count towards the quorum", ""),
        ("Notice of general meetings", f"{settings.notice_clear_days} clear days, delivered "
         f"{settings.deemed_delivery_hours} working hours after posting or sending",
         clauses.get("notice_clear_days", "")),
        ("Proxies", proxy_text, clauses.get("proxies", "")),
        ("Chair's casting vote", "Yes" if settings.casting_vote == "chair" else "None",
         clauses.get("casting_vote", "")),
        ("Short notice", f"with the agreement of {settings.short_notice_percent}% of members"
         if settings.short_notice_allowed else "Not allowed", ""),
        ("Voting online before the meeting",
         "Allowed" if settings.advance_online_voting else "Not allowed", ""),
        ("Changing a vote before voting closes",
         "Allowed" if settings.change_vote_before_close else "Not allowed", ""),
        ("Annual general meeting", agm_words(settings.agm), clauses.get("agm", "")),
        ("Elections by single transferable vote", f"counted under {STV_RULES[settings.stv_rule]}",
         clauses.get("stv_rule", "")),
    ]
    return [row for row in rows if row is not None]


def agm_words(timing: AgmTiming) -> str:
    if timing.months_after_year_end and timing.year_end:
        month, day = (int(part) for part in timing.year_end.split("-"))
        year_end = dt.date(2001, month, day).strftime("%-d %B")
        return f"within {timing.months_after_year_end} months of the year end ({year_end})"
    if timing.max_months_apart:
        return f"every calendar year, no more than {timing.max_months_apart} months apart"
    return "as the rules say"
