"""The count of a resolution under a rulebook: one module for the platform's counts and for
`manage.py tally FILE.json` (a tally file a scrutineer can also write by hand). Pure
Python, exact arithmetic (fractions), no database.

A tally file (its one schema, and the typed input of the count, is `tally_input.py`):

    {"resolution_type": "special",
     "rules": {"voting_basis": "one_member_one_vote", "threshold": {"comparator": ">=",
               "value": "3/4"}, "denominator": "votes_cast", "dual_test": true, ...},
     "votes": [{"class": "User", "weight": "1", "choice": "for", "count": 40}, ...]}

Each row of `votes` gives how many papers (`count`, required) of one class and weight
(default 1) gave one choice. How the rules are read:
- `voting_basis`: one member one vote counts each vote once (its weight is ignored); one
  share one vote counts weight x count; class weighted works out each class's share of
  its own votes for, and combines the classes by their fixed weights.
- `class_weights` (class weighted only): fractions from 0 to 1 summing to 1.
  `empty_class`: a class that casts no votes for or against is left out and the other
  weights are rescaled ("rescale"), or counts as no votes for, its weight kept ("zero").
- `class_caps`: a class's votes for and against count for at most this share (above 0,
  below 1) of the votes cast, scaled down to it if they are more. A cap limits voting
  strength only: the class's withheld papers are reported unscaled, and its members
  count in the turnout as they voted.
- `excluded_classes`: a list of classes whose votes are left out of this resolution.
- `dual_test`: as well as the overall threshold, a majority (for more than against) in
  every class that voted.
- `denominator`: votes cast (for + against; withheld is not a vote), or `eligible` (all
  members, or all voting rights, given as a number above 0; a number of members is whole).
- `threshold`: comparator `>` or `>=` and a fraction above 0 and at most 1. An exact tie
  (for equal to against, each exactly half of the measure, on votes cast, against "more
  than half") is decided by the chair's casting vote where the rules give one
  (`casting_vote: chair` and `chair_casting_vote`), recorded apart; with no casting vote
  the resolution is not passed; with a casting vote but no record of how it was used, the
  result is `tied_undecided`: never guessed. Under class weights with `empty_class: zero`,
  equal weighted votes for and against with a class empty are each below half: not a
  tie, and not passed.
- `minimum_turnout` (above 0, at most 1): the members who voted for, against or withheld
  (the voting rights they hold, when `denominator` is `total_voting_rights`), before any
  cap, must be at least this share of `eligible`. More voting than are eligible is refused.
- `two_stage`: a resolution that passes awaits its confirming meeting.

`percentage_for` follows UK practice: for / (for + against), to two places, rounded half
up; for class weighted votes it is the weighted share for, which is what the threshold is
tested on. Percentages in the reason are rounded the same way (a whole percentage is
written without places: "40%").
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from .tally_input import (
    BASES,
    CHOICES,
    DENOMINATORS,
    HALF,
    Rules,
    TallyError,
    TallyFile,
    Threshold,
    VoteRow,
    load_json,
    tally_json_schema,
)

__all__ = ["BASES", "CHOICES", "DENOMINATORS", "ClassTotals", "Rules", "TallyError",
           "TallyFile", "TallyResult", "Threshold", "VoteRow", "count_resolution",
           "tally_file", "tally_from_json", "tally_json_schema"]


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


def _rounded(value: Fraction, places: int) -> Decimal:
    """`value` rounded half up to `places` decimal places, exactly (no float, no
    intermediate rounding)."""
    scaled = value * 10**places
    whole = (scaled + HALF).__floor__() if scaled >= 0 else -((-scaled + HALF).__floor__())
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def _number(value: Fraction) -> str:
    """An integer as it is; otherwise a decimal to six places."""
    if value.denominator == 1:
        return str(value.numerator)
    return str(_rounded(value, 6))


def _percent(part: Fraction, whole: Fraction) -> Decimal | None:
    if whole == 0:
        return None
    return _rounded(Fraction(100) * part / whole, 2)


def _words(value: Fraction) -> str:
    """A share as a percentage in the reason: a whole percentage as it is ("40%"), otherwise
    to two places, rounded as `percentage_for` is ("82.95%")."""
    percent = value * 100
    return f"{percent.numerator}%" if percent.denominator == 1 else f"{_rounded(percent, 2)}%"


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


def _turnout(rows: Iterable[VoteRow], rules: Rules) -> Fraction:
    """Who voted (for, against or withheld), before any cap, in the unit of `eligible`: the
    members who voted, or the voting rights they hold when the rules count voting rights.
    A cap limits a class's voting strength, not whether its members voted."""
    return sum((row.count * (1 if rules.counts_members else row.weight)
                for row in rows if row.klass not in rules.excluded_classes), Fraction(0))


def _apply_caps(totals: dict[str, ClassTotals], rules: Rules) -> list[str]:
    """Scale a capped class's votes for and against down to its cap of the votes cast.
    Withheld is not a vote, so it is not scaled: it stays the number who withheld."""
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
        notes.append(f"the {name} class's votes were scaled down to {_words(cap)} of the "
                     "votes cast")
    return notes


def count_resolution(rows: Iterable[VoteRow], rules: Rules,
                     resolution_type: str = "ordinary") -> TallyResult:
    """Count a resolution: `rows` (validated `VoteRow`s) under `rules` (a validated
    `Rules`). `TallyError` when the votes do not fit the rules (a weighted class without a
    weight, more voting than are eligible)."""
    rows = list(rows)
    if not isinstance(rules, Rules) or not all(isinstance(row, VoteRow) for row in rows):
        raise TypeError("count_resolution counts VoteRow rows under Rules")
    turnout = _turnout(rows, rules)
    if rules.eligible is not None and turnout > rules.eligible:
        unit = "members" if rules.counts_members else "voting rights"
        raise TallyError(f"votes: {_number(turnout)} {unit} voted, more than the "
                         f"{_number(rules.eligible)} eligible (rules.eligible)")
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
        for name in sorted(set(rules.class_weights) - set(present)):
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
        if rules.denominator == "votes_cast" and not votes_for + votes_against:
            measured = Fraction(0)
            headline = "no votes were cast for or against"
        elif rules.denominator == "votes_cast":
            measured = votes_for / (votes_for + votes_against)
            headline = f"{_words(measured)} of the votes cast were for"
        else:
            measured = votes_for / rules.eligible
            whom = "members" if rules.denominator == "eligible_members" else "voting rights"
            headline = (f"{_number(votes_for)} for is {_words(measured)} of the "
                        f"{_number(rules.eligible)} {whom}")
    result = TallyResult(outcome="not_passed", votes_for=votes_for,
                         votes_against=votes_against, withheld=withheld,
                         percentage_for=percentage, classes=totals, reason="")
    threshold = rules.threshold
    need = f"{'more than' if threshold.comparator == '>' else 'at least'} " \
        f"{_words(threshold.value)}"

    def finish(outcome: str, why: str) -> TallyResult:
        if outcome == "passed" and rules.two_stage:
            outcome = "passed_pending_confirmation"
            why += "; it takes effect if a second meeting confirms it"
        extra = ("; " + "; ".join(notes)) if notes else ""
        result.outcome, result.reason = outcome, why[0].upper() + why[1:] + extra + "."
        return result

    if rules.minimum_turnout is not None:
        share = turnout / rules.eligible
        if share < rules.minimum_turnout:
            return finish("not_passed", f"not passed: {_words(share)} of those eligible "
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
    # A tie is for equal to against with exactly half the measure, against "more than
    # half". Under class weights with empty classes counted as none for, equal weighted
    # votes for and against are each below half: that is not a tie but a loss.
    tie = (rules.denominator == "votes_cast" and threshold.comparator == ">"
           and threshold.value == HALF and votes_for == votes_against and votes_for > 0
           and measured == HALF)
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
    ok = measured > threshold.value if threshold.comparator == ">" else \
        measured >= threshold.value
    if ok:
        return finish("passed", f"passed: {headline}, {need} needed"
                                + (", with a majority in every class" if rules.dual_test
                                   else ""))
    return finish("not_passed", f"not passed: {headline}, {need} needed")


def tally_from_json(data) -> TallyResult:
    """Count a tally file's contents (the parsed JSON), validated by `TallyFile`."""
    tally = TallyFile.from_json(data)
    return count_resolution(tally.votes, tally.rules, tally.resolution_type)


def tally_file(path: str | Path) -> TallyResult:
    """Count a tally file. `OSError` if it cannot be read; `TallyError` if it is not a
    tally file, naming the file and the field."""
    path = Path(path)
    try:
        data = load_json(path.read_bytes(), name=str(path))
    except ValueError as exc:
        raise TallyError(str(exc)) from None
    return tally_from_json(data)
