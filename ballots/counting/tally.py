"""The count of a resolution under a rulebook: one module for the platform's counts and for
`manage.py tally FILE.json` (a tally file a scrutineer can also write by hand). Pure
Python, exact arithmetic (fractions), no database.

A tally file:

    {"resolution_type": "special",
     "rules": {"voting_basis": "one_member_one_vote", "threshold": {"comparator": ">=",
               "value": "3/4"}, "denominator": "votes_cast", "dual_test": true, ...},
     "votes": [{"class": "User", "weight": "1", "choice": "for", "count": 40}, ...]}

How the rules are read:
- `voting_basis`: one member one vote counts each vote once (its weight is ignored); one
  share one vote counts weight x count; class weighted works out each class's share of
  its own votes for, and combines the classes by their fixed weights.
- `class_weights` (class weighted): fractions summing to 1. `empty_class`: a class that
  casts no votes for or against is left out and the other weights are rescaled
  ("rescale"), or counts as no votes for, its weight kept ("zero").
- `class_caps`: a class's votes count for at most this share of the votes cast (for and
  against), scaled down to it if they are more.
- `excluded_classes`: their votes are left out of this resolution.
- `dual_test`: as well as the overall threshold, a majority (for more than against) in
  every class that voted.
- `denominator`: votes cast (for + against; withheld is not a vote), or `eligible` (all
  members, or all voting rights, given as a number).
- `threshold`: comparator `>` or `>=` and a fraction. An exact tie (for equal to against,
  on votes cast, against "more than half") is decided by the chair's casting vote where the
  rules give one (`casting_vote: chair` and `chair_casting_vote`), recorded apart; with no
  casting vote the resolution is not passed; with a casting vote but no record of how it
  was used, the result is `tied_undecided`: never guessed.
- `minimum_turnout`: votes for, against and withheld must be at least this share of
  `eligible`.
- `two_stage`: a resolution that passes awaits its confirming meeting.

`percentage_for` follows UK practice: for / (for + against), to two places; for class
weighted votes it is the weighted share for, which is what the threshold is tested on.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CHOICES = ("for", "against", "withheld")
BASES = ("one_member_one_vote", "one_share_one_vote", "class_weighted")
DENOMINATORS = ("votes_cast", "eligible_members", "total_voting_rights")
RULE_KEYS = {"voting_basis", "class_weights", "empty_class", "class_caps", "excluded_classes",
             "dual_test", "threshold", "denominator", "eligible", "minimum_turnout",
             "two_stage", "casting_vote", "chair_casting_vote"}
HALF = Fraction(1, 2)


class TallyError(ValueError):
    """A tally file or rule that cannot be counted, naming the field."""


def exact(value, *, where: str) -> Fraction:
    """A number from a tally file: an integer, a decimal string or a fraction "2/3"."""
    if isinstance(value, bool) or value is None:
        raise TallyError(f"{where}: expected a number, got {value!r}")
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise TallyError(f"{where}: {value!r} is not a number") from exc


@dataclass(frozen=True)
class VoteRow:
    klass: str
    weight: Fraction
    choice: str
    count: int


@dataclass
class Rules:
    voting_basis: str = "one_member_one_vote"
    class_weights: dict[str, Fraction] = field(default_factory=dict)
    empty_class: str = "rescale"
    class_caps: dict[str, Fraction] = field(default_factory=dict)
    excluded_classes: tuple[str, ...] = ()
    dual_test: bool = False
    comparator: str = ">"
    threshold: Fraction = HALF
    denominator: str = "votes_cast"
    eligible: Fraction | None = None
    minimum_turnout: Fraction | None = None
    two_stage: bool = False
    casting_vote: str = "none"
    chair_casting_vote: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Rules":
        unknown = set(data) - RULE_KEYS
        if unknown:
            raise TallyError(f"rules: unknown setting {', '.join(sorted(unknown))}")
        rules = cls()
        basis = data.get("voting_basis", rules.voting_basis)
        if basis not in BASES:
            raise TallyError(f"rules.voting_basis: {basis!r} is not one of {', '.join(BASES)}")
        rules.voting_basis = basis
        rules.class_weights = {name: exact(v, where=f"rules.class_weights.{name}")
                               for name, v in data.get("class_weights", {}).items()}
        if basis == "class_weighted":
            if not rules.class_weights:
                raise TallyError("rules.class_weights: class weighted votes need the weights")
            if sum(rules.class_weights.values()) != 1:
                raise TallyError("rules.class_weights: the weights must add up to 1, not "
                                 f"{sum(rules.class_weights.values())}")
        rules.empty_class = data.get("empty_class", "rescale")
        if rules.empty_class not in ("rescale", "zero"):
            raise TallyError("rules.empty_class: expected rescale or zero")
        rules.class_caps = {name: exact(v, where=f"rules.class_caps.{name}")
                            for name, v in data.get("class_caps", {}).items()}
        for name, cap in rules.class_caps.items():
            if not 0 < cap < 1:
                raise TallyError(f"rules.class_caps.{name}: a cap is between 0 and 1")
        rules.excluded_classes = tuple(data.get("excluded_classes", ()))
        rules.dual_test = bool(data.get("dual_test", False))
        threshold = data.get("threshold", {})
        rules.comparator = threshold.get("comparator", ">")
        if rules.comparator not in (">", ">="):
            raise TallyError("rules.threshold.comparator: expected > or >=")
        rules.threshold = exact(threshold.get("value", "1/2"), where="rules.threshold.value")
        if not 0 < rules.threshold <= 1:
            raise TallyError("rules.threshold.value: a threshold is above 0 and at most 1")
        rules.denominator = data.get("denominator", "votes_cast")
        if rules.denominator not in DENOMINATORS:
            raise TallyError(f"rules.denominator: expected {', '.join(DENOMINATORS)}")
        if "eligible" in data:
            rules.eligible = exact(data["eligible"], where="rules.eligible")
        if rules.denominator != "votes_cast" and not rules.eligible:
            raise TallyError(f"rules.eligible: the denominator {rules.denominator} needs the "
                             "number eligible")
        if data.get("minimum_turnout") is not None:
            rules.minimum_turnout = exact(data["minimum_turnout"],
                                          where="rules.minimum_turnout")
            if not rules.eligible:
                raise TallyError("rules.eligible: a minimum turnout needs the number eligible")
        rules.two_stage = bool(data.get("two_stage", False))
        rules.casting_vote = data.get("casting_vote", "none")
        if rules.casting_vote not in ("none", "chair"):
            raise TallyError("rules.casting_vote: expected none or chair")
        rules.chair_casting_vote = data.get("chair_casting_vote")
        if rules.chair_casting_vote not in (None, "for", "against"):
            raise TallyError("rules.chair_casting_vote: expected for or against")
        return rules


@dataclass
class ClassTotals:
    votes_for: Fraction = Fraction(0)
    votes_against: Fraction = Fraction(0)
    withheld: Fraction = Fraction(0)

    @property
    def cast(self) -> Fraction:
        return self.votes_for + self.votes_against


@dataclass
class TallyResult:
    outcome: str
    votes_for: Fraction
    votes_against: Fraction
    withheld: Fraction
    percentage_for: Decimal | None
    classes: dict[str, ClassTotals]
    reason: str
    casting_vote: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome in ("passed", "passed_pending_confirmation")

    def to_json(self) -> dict:
        return {
            "outcome": self.outcome, "for": _number(self.votes_for),
            "against": _number(self.votes_against), "withheld": _number(self.withheld),
            "percentage_for": str(self.percentage_for) if self.percentage_for is not None
            else None,
            "classes": {name: {"for": _number(t.votes_for), "against": _number(t.votes_against),
                               "withheld": _number(t.withheld)}
                        for name, t in sorted(self.classes.items())},
            "casting_vote": self.casting_vote, "reason": self.reason,
        }


def _number(value: Fraction) -> str:
    """An integer as it is; otherwise a decimal to six places."""
    if value.denominator == 1:
        return str(value.numerator)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP))


def _percent(part: Fraction, whole: Fraction) -> Decimal | None:
    if whole == 0:
        return None
    value = Fraction(100) * part / whole
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


def _words(value: Fraction) -> str:
    percent = value * 100
    return f"{percent.numerator // percent.denominator}%" if percent.denominator == 1 else \
        f"{float(percent):.2f}%"


def rows_from_json(votes: list) -> list[VoteRow]:
    if not isinstance(votes, list):
        raise TallyError("votes: expected a list")
    rows = []
    for i, vote in enumerate(votes):
        where = f"votes[{i}]"
        if not isinstance(vote, dict):
            raise TallyError(f"{where}: expected an object")
        unknown = set(vote) - {"class", "weight", "choice", "count"}
        if unknown:
            raise TallyError(f"{where}: unknown field {', '.join(sorted(unknown))}")
        choice = vote.get("choice")
        if choice not in CHOICES:
            raise TallyError(f"{where}.choice: {choice!r} is not for, against or withheld")
        count = vote.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise TallyError(f"{where}.count: a count is a whole number of 0 or more")
        weight = exact(vote.get("weight", 1), where=f"{where}.weight")
        if weight < 0:
            raise TallyError(f"{where}.weight: a weight cannot be negative")
        rows.append(VoteRow(klass=str(vote.get("class", "")), weight=weight, choice=choice,
                            count=count))
    return rows


def _class_totals(rows: Iterable[VoteRow], rules: Rules) -> dict[str, ClassTotals]:
    totals: dict[str, ClassTotals] = defaultdict(ClassTotals)
    by_weight = rules.voting_basis == "one_share_one_vote"
    for row in rows:
        if row.klass in rules.excluded_classes:
            continue
        amount = row.count * (row.weight if by_weight else 1)
        totals_for = totals[row.klass]
        if row.choice == "for":
            totals_for.votes_for += amount
        elif row.choice == "against":
            totals_for.votes_against += amount
        else:
            totals_for.withheld += amount
    return dict(totals)


def _apply_caps(totals: dict[str, ClassTotals], rules: Rules) -> list[str]:
    notes = []
    for name, cap in rules.class_caps.items():
        capped = totals.get(name)
        if capped is None or capped.cast == 0:
            continue
        others = sum(t.cast for n, t in totals.items() if n != name)
        if capped.cast / (capped.cast + others) <= cap:
            continue
        factor = cap * others / ((1 - cap) * capped.cast)
        capped.votes_for *= factor
        capped.votes_against *= factor
        capped.withheld *= factor
        notes.append(f"the {name} class's votes were scaled down to {_words(cap)} of the "
                     "votes cast")
    return notes


def count_resolution(rows: Iterable[VoteRow], rules: Rules,
                     resolution_type: str = "ordinary") -> TallyResult:
    rows = list(rows)
    totals = _class_totals(rows, rules)
    notes = _apply_caps(totals, rules)
    withheld = sum((t.withheld for t in totals.values()), Fraction(0))
    if rules.voting_basis == "class_weighted":
        present = {n: t for n, t in totals.items() if t.cast > 0}
        unknown = set(present) - set(rules.class_weights)
        if unknown:
            raise TallyError(f"votes: class {', '.join(sorted(unknown))} has no weight in "
                             "rules.class_weights")
        weight = sum((rules.class_weights[n] for n in present), Fraction(0)) \
            if rules.empty_class == "rescale" else Fraction(1)
        if weight == 0:
            votes_for = votes_against = Fraction(0)
        else:
            votes_for = sum((rules.class_weights[n] * t.votes_for / t.cast
                             for n, t in present.items()), Fraction(0)) / weight
            votes_against = sum((rules.class_weights[n] * t.votes_against / t.cast
                                 for n, t in present.items()), Fraction(0)) / weight
        for name in set(rules.class_weights) - set(present):
            notes.append(f"the {name} class cast no votes "
                         + ("and was left out, the other weights rescaled"
                            if rules.empty_class == "rescale" else "and counts as none for"))
        percentage = _percent(votes_for, Fraction(1))
        measured = votes_for
        headline = f"the weighted vote for is {_words(votes_for)}"
    else:
        votes_for = sum((t.votes_for for t in totals.values()), Fraction(0))
        votes_against = sum((t.votes_against for t in totals.values()), Fraction(0))
        percentage = _percent(votes_for, votes_for + votes_against)
        if rules.denominator == "votes_cast":
            measured = votes_for / (votes_for + votes_against) if votes_for + votes_against \
                else Fraction(0)
            headline = f"{_words(measured)} of the votes cast were for"
        else:
            measured = votes_for / rules.eligible
            whom = "members" if rules.denominator == "eligible_members" else "voting rights"
            headline = (f"{_number(votes_for)} for is {_words(measured)} of the "
                        f"{_number(rules.eligible)} {whom}")
    result = TallyResult(outcome="not_passed", votes_for=votes_for,
                         votes_against=votes_against, withheld=withheld,
                         percentage_for=percentage, classes=totals, reason="")
    need = f"{'more than' if rules.comparator == '>' else 'at least'} {_words(rules.threshold)}"

    def finish(outcome: str, why: str) -> TallyResult:
        if outcome == "passed" and rules.two_stage:
            outcome = "passed_pending_confirmation"
            why += "; it takes effect if a second meeting confirms it"
        extra = ("; " + "; ".join(notes)) if notes else ""
        result.outcome, result.reason = outcome, why[0].upper() + why[1:] + extra + "."
        return result

    if rules.minimum_turnout is not None:
        turnout = (sum((t.cast + t.withheld for t in totals.values()), Fraction(0))
                   / rules.eligible)
        if turnout < rules.minimum_turnout:
            return finish("not_passed", f"not passed: {_words(turnout)} of those eligible "
                                        f"voted, below the {_words(rules.minimum_turnout)} "
                                        "the rules require")
    if rules.dual_test:
        lost = sorted(n for n, t in totals.items()
                      if t.cast > 0 and not t.votes_for > t.votes_against)
        if lost:
            return finish("not_passed", f"not passed: no majority in the "
                                        f"{', '.join(lost)} class"
                                        f"{'es' if len(lost) > 1 else ''} "
                                        f"({headline})")
    tie = (rules.denominator == "votes_cast" and rules.comparator == ">"
           and rules.threshold == HALF and votes_for == votes_against and votes_for > 0)
    if tie:
        if rules.casting_vote != "chair":
            return finish("not_passed", f"not passed: the votes are tied ({_number(votes_for)}"
                                        f" each) and the rules give no casting vote")
        if rules.chair_casting_vote is None:
            return finish("tied_undecided", "tied: the chair has a casting vote, and how it "
                                            "was used is not recorded")
        result.casting_vote = rules.chair_casting_vote
        return finish("passed" if rules.chair_casting_vote == "for" else "not_passed",
                      f"tied at {_number(votes_for)} each; the chair's casting vote was "
                      f"{rules.chair_casting_vote}")
    ok = measured > rules.threshold if rules.comparator == ">" else \
        measured >= rules.threshold
    if ok:
        return finish("passed", f"passed: {headline}, {need} needed"
                                + (", with a majority in every class" if rules.dual_test
                                   else ""))
    return finish("not_passed", f"not passed: {headline}, {need} needed")


def tally_from_json(data: dict) -> TallyResult:
    if not isinstance(data, dict):
        raise TallyError("a tally file is one JSON object")
    unknown = set(data) - {"resolution_type", "rules", "votes"}
    if unknown:
        raise TallyError(f"unknown field {', '.join(sorted(unknown))}")
    if "votes" not in data:
        raise TallyError("votes: missing")
    rules = Rules.from_json(data.get("rules", {}))
    return count_resolution(rows_from_json(data["votes"]), rules,
                            data.get("resolution_type", "ordinary"))


def tally_file(path: str) -> TallyResult:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise TallyError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    return tally_from_json(data)
