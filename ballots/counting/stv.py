"""Single transferable vote counts under two published sets of rules.

``scottish``
    The Scottish Local Government Elections Order 2007 (SSI 2007/42), schedule 1, rules
    45 to 52: Droop quota ``floor(valid / (seats + 1)) + 1``; every surplus is transferred
    by the weighted inclusive Gregory method (all the elected candidate's papers, each at
    ``surplus x its value / the candidate's votes``, truncated to 5 decimal places); the
    highest surplus first and never deferred; one candidate excluded at a time, all of
    their papers at the value they arrived with, in one stage; ties decided by the most
    recent preceding stage at which the tied candidates had unequal votes, then by lot.

``ers97``
    The Electoral Reform Society's rules (How to conduct an election by the Single
    Transferable Vote, 3rd edition, 1997, section 5): quota ``valid / (seats + 1)`` to
    2 decimal places, rounded up, recalculated while nobody is elected if papers become
    non-transferable (5.4.8); a candidate is deemed elected on reaching the quota or the
    total active vote divided by one more than the places unfilled (5.1.7); a surplus
    arising at a later stage is transferred from the last batch received only, at
    ``surplus / transferable papers`` truncated to 2 places; surpluses are deferred while
    they cannot change the order at the bottom (5.2.2); several candidates are excluded
    together when that is safe (5.2.5), their papers transferred batch by batch in
    descending order of value; ties decided by the first stage, or the earliest point
    after a batch was transferred, at which the tied candidates had unequal votes, then by
    lot (or, for election, nobody at that point, 5.6.2).

All arithmetic is on integers counting units of ``10 ** -places`` (5 places for the
Scottish rules, 2 for ERS97); no floating point is used. Identical rankings always travel
together, so a count costs time in proportion to the number of *different* rankings, not
of ballot papers.

Entry point: :func:`count_stv`.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

__all__ = ["ERS97", "RULES", "SCOTTISH", "Lot", "Stage", "StvError", "StvResult", "count_stv"]

SCOTTISH = "scottish"
ERS97 = "ers97"
RULES = {
    SCOTTISH: "Scottish STV (Scottish Local Government Elections Order 2007, SSI 2007/42)",
    ERS97: "ERS97 STV (Electoral Reform Society, How to conduct an election by STV, 1997)",
}
_PLACES = {SCOTTISH: 5, ERS97: 2}
JSON_PLACES = 5  # decimal places of every figure in to_json()

_CONTINUING, _ELECTED, _EXCLUDED, _WITHDRAWN = range(4)


class StvError(ValueError):
    """The count cannot be made as asked (bad candidates, seats, rule or ballots)."""


@dataclass(frozen=True)
class Stage:
    """The position at the end of one stage of the count.

    ``votes`` maps every candidate to their votes, or to None once they are out of the
    count (excluded at an earlier stage, or withdrawn); a candidate excluded at this stage
    shows what they still hold (0 once all their papers have been transferred).
    ``non_transferable`` is cumulative and includes the fractions lost to truncation.
    ``elected`` and ``excluded`` list who was elected or excluded at this stage, in
    ballot-paper order; ``surplus`` is the candidate whose surplus this stage transferred.
    """

    number: int
    kind: str  # "first", "surplus", "exclusion" or "completion"
    votes: dict[str, Decimal | None]
    non_transferable: Decimal
    elected: tuple[str, ...]
    excluded: tuple[str, ...]
    surplus: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lot:
    """A tie decided by lot (a draw from ``random.Random(seed)``), to be reported."""

    stage: int
    reason: str
    tied: tuple[str, ...]
    chosen: str
    seed: int


@dataclass(frozen=True)
class StvResult:
    rule: str
    candidates: tuple[str, ...]
    seats: int
    places: int  # decimal places the rule counts in
    valid_votes: int
    quota: Decimal  # as calculated at the first stage
    final_quota: Decimal  # differs only if ERS97 5.4.8 reduced it
    stages: tuple[Stage, ...]
    elected: tuple[str, ...]  # in order of election
    elected_indices: tuple[int, ...]
    lots: tuple[Lot, ...]
    seed: int
    withdrawn: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        """The count as a JSON-ready dict: ``seats``, ``valid_votes``, ``quota``, ``stages``
        (each with ``votes``, ``non_transferable``, ``elected``, ``excluded``,
        ``surplus``), ``elected`` in order of election, plus ``rule`` and ``lots``.
        Figures are strings with 5 decimal places."""

        def fmt(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.{JSON_PLACES}f}"

        return {
            "rule": self.rule,
            "seats": self.seats,
            "valid_votes": self.valid_votes,
            "quota": fmt(self.quota),
            "stages": [
                {
                    "votes": {name: fmt(v) for name, v in stage.votes.items()},
                    "non_transferable": fmt(stage.non_transferable),
                    "elected": list(stage.elected),
                    "excluded": list(stage.excluded),
                    "surplus": stage.surplus,
                }
                for stage in self.stages
            ],
            "elected": list(self.elected),
            "lots": [
                {"stage": lot.stage, "reason": lot.reason, "tied": list(lot.tied),
                 "chosen": lot.chosen, "seed": lot.seed}
                for lot in self.lots
            ],
        }

    def table(self) -> str:
        """A readable result sheet: candidates down, stages across."""
        fmt = f"{{:.{self.places}f}}"
        head = [
            RULES[self.rule],
            f"{self.seats} seat{'s' if self.seats != 1 else ''}, "
            f"{self.valid_votes:,} valid votes, quota {fmt.format(self.quota)}"
            + (f" (reduced to {fmt.format(self.final_quota)})"
               if self.final_quota != self.quota else ""),
            "",
        ]
        action = {"first": "first", "surplus": "surplus", "exclusion": "exclude",
                  "completion": "complete"}
        columns = []
        for stage in self.stages:
            cells = [f"Stage {stage.number}", action[stage.kind]]
            for name in self.candidates:
                value = stage.votes[name]
                mark = ("*" if name in stage.elected else
                        "x" if name in stage.excluded else " ")
                cells.append(("-" if value is None else fmt.format(value)) + mark)
            cells.append(fmt.format(stage.non_transferable) + " ")
            columns.append(cells)
        labels = ["", ""] + list(self.candidates) + ["Non-transferable"]
        label_width = max(len(label) for label in labels)
        widths = [max(len(cell) for cell in column) for column in columns]
        rows = []
        for r, label in enumerate(labels):
            cells = [column[r].rjust(width) for column, width in zip(columns, widths, strict=True)]
            rows.append(("  ".join([label.ljust(label_width)] + cells)).rstrip())
        lines = head + rows + ["", "* elected at this stage, x excluded at this stage", ""]
        for stage in self.stages:
            if stage.notes:
                lines.append(f"Stage {stage.number}: " + " ".join(stage.notes))
        for lot in self.lots:
            lines.append(
                f"Lot at stage {lot.stage} ({lot.reason}) between {', '.join(lot.tied)}: "
                f"{lot.chosen} (random seed {lot.seed})")
        lines += ["", "Elected, in order: " + (", ".join(self.elected) or "nobody")]
        return "\n".join(lines) + "\n"


def count_stv(
    ballots: Iterable[tuple[Sequence[int], int]],
    candidates: Sequence[str],
    seats: int,
    rule: str,
    withdrawn: Iterable[int] = (),
    seed: int | None = None,
) -> StvResult:
    """Count ranked ballots by STV.

    ``ballots``: ``(ranking, weight)`` pairs; a ranking lists candidate indices (0-based,
    into ``candidates``) from first preference down; the weight is how many ballot papers
    carry that ranking. Weight-0 and empty ballots are ignored; preferences for withdrawn
    candidates are passed over, as are repeated preferences for the same candidate.
    ``candidates``: unique names. ``rule``: ``"scottish"`` or ``"ers97"``.
    ``seed``: seeds the generator used for any tie decided by lot (a random seed is drawn
    and recorded when None); every lot is reported in ``StvResult.lots``.
    """
    if rule not in RULES:
        raise StvError(f"unknown rule {rule!r}: use one of {', '.join(RULES)}")
    names = tuple(candidates)
    n = len(names)
    if n == 0:
        raise StvError("there are no candidates")
    if len(set(names)) != n:
        raise StvError("candidate names must be unique")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise StvError(f"seats must be a positive whole number, not {seats!r}")
    out = set()
    for c in withdrawn:
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < n:
            raise StvError(f"withdrawn candidate {c!r} is not one of the {n} candidates")
        out.add(c)

    # Add identical rankings together, then tidy each different ranking once.
    raw: dict[tuple, int] = {}
    get = raw.get
    for ranking, weight in ballots:
        if weight.__class__ is not int:
            if isinstance(weight, bool) or not isinstance(weight, int):
                raise StvError(f"ballot weight {weight!r} is not a whole number")
        if weight <= 0:
            if weight < 0:
                raise StvError(f"ballot weight {weight} is negative")
            continue
        key = ranking if ranking.__class__ is tuple else tuple(ranking)
        raw[key] = get(key, 0) + weight
    tidy: dict[tuple[int, ...], int] = {}
    for key, weight in raw.items():
        seen: set[int] = set()
        clean = []
        for c in key:
            if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < n:
                raise StvError(f"a ballot ranks {c!r}, which is not one of the {n} candidates")
            if c not in out and c not in seen:
                seen.add(c)
                clean.append(c)
        if clean:
            t = tuple(clean)
            tidy[t] = tidy.get(t, 0) + weight
    del raw

    if seed is None:
        seed = secrets.randbits(63)
    engine = _Scottish if rule == SCOTTISH else _Ers97
    return engine(list(tidy.keys()), list(tidy.values()), names, seats, out, rule, seed).run()


class _Count:
    """State and machinery common to both rules. Ballot papers with the same ranking are
    one entry (index ``i``): ``rankings[i]``, ``counts[i]`` papers, the position ``pos[i]``
    of the preference they are currently with, and their value ``value[i]``."""

    def __init__(self, rankings, counts, names, seats, withdrawn, rule, seed):
        self.rule = rule
        self.places = _PLACES[rule]
        self.unit = 10**self.places
        self.rankings: list[tuple[int, ...]] = rankings
        self.counts: list[int] = counts
        self.pos = [0] * len(rankings)
        self.value = [self.unit] * len(rankings)
        self.names = names
        self.n = len(names)
        self.seats = seats
        self.status = [_WITHDRAWN if c in withdrawn else _CONTINUING for c in range(self.n)]
        self.hopeful = [s == _CONTINUING for s in self.status]
        self.votes = [0] * self.n
        self.piles: list[list[list[int]]] = [[] for _ in range(self.n)]  # batches of entries
        self.non_transferable = 0
        self.valid = sum(counts)
        self.total = self.valid * self.unit
        self.quota = self.first_quota = 0
        self.elected: list[int] = []
        self.surplus_done: set[int] = set()
        self.history: list[list[int]] = []  # votes at each point that ties look back to
        self.stages: list[Stage] = []
        self.lots: list[Lot] = []
        self.seed = seed
        self.rng = random.Random(seed)

    # -- helpers ----------------------------------------------------------------------

    def continuing(self) -> list[int]:
        return [c for c in range(self.n) if self.status[c] == _CONTINUING]

    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def d(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.places)

    def show(self, units: int) -> str:
        return f"{self.d(units):.{self.places}f}"

    def elect(self, c: int) -> None:
        self.status[c] = _ELECTED
        self.hopeful[c] = False
        self.elected.append(c)

    def exclude(self, c: int) -> None:
        self.status[c] = _EXCLUDED
        self.hopeful[c] = False

    def by_votes_desc(self, cands: Iterable[int]) -> list[int]:
        return sorted(cands, key=lambda c: (-self.votes[c], c))

    def first_stage(self) -> None:
        piles: dict[int, list[int]] = {}
        for i, ranking in enumerate(self.rankings):
            piles.setdefault(ranking[0], []).append(i)
        for c, entries in piles.items():
            self.piles[c].append(entries)
            self.votes[c] = sum(self.counts[i] for i in entries) * self.unit

    def move(self, entries: Iterable[int]) -> tuple[dict[int, list[int]], list[int]]:
        """Advance each entry to its next preference for a continuing candidate; returns
        the entries grouped by the candidate they go to, and those with none left."""
        rankings, pos, hopeful = self.rankings, self.pos, self.hopeful
        dest: dict[int, list[int]] = {}
        exhausted: list[int] = []
        for i in entries:
            ranking = rankings[i]
            p = pos[i] + 1
            length = len(ranking)
            while p < length and not hopeful[ranking[p]]:
                p += 1
            pos[i] = p
            if p < length:
                c = ranking[p]
                group = dest.get(c)
                if group is None:
                    dest[c] = [i]
                else:
                    group.append(i)
            else:
                exhausted.append(i)
        return dest, exhausted

    def papers(self, entries: Iterable[int]) -> int:
        counts = self.counts
        return sum(counts[i] for i in entries)

    def worth(self, entries: Iterable[int]) -> int:
        counts, value = self.counts, self.value
        return sum(counts[i] * value[i] for i in entries)

    def snapshot(self) -> None:
        self.history.append(list(self.votes))

    def break_tie(self, tied: list[int], *, highest: bool, backward: bool, reason: str,
                  lot: bool = True) -> list[int]:
        """Narrow ``tied`` by looking at earlier points of the count (most recent first when
        ``backward``, else from the first stage on) for unequal votes, keeping the highest
        or lowest. If several remain and ``lot``, one is drawn by lot and recorded."""
        group = sorted(tied)
        points = reversed(self.history) if backward else self.history
        for votes in points:
            if len(group) == 1:
                break
            pick = max if highest else min
            best = pick(votes[c] for c in group)
            group = [c for c in group if votes[c] == best]
        if len(group) > 1 and lot:
            chosen = self.rng.choice(group)
            self.lots.append(Lot(stage=len(self.stages) + 1, reason=reason,
                                 tied=tuple(self.names[c] for c in group),
                                 chosen=self.names[chosen], seed=self.seed))
            group = [chosen]
        return group

    def record(self, kind: str, elected: Iterable[int] = (), excluded: Iterable[int] = (),
               surplus: int | None = None, notes: Iterable[str] = ()) -> None:
        excluded = set(excluded)
        elected = set(elected)
        votes = {}
        for c, name in enumerate(self.names):
            status = self.status[c]
            if status == _WITHDRAWN or (status == _EXCLUDED and c not in excluded):
                votes[name] = None
            else:
                votes[name] = self.d(self.votes[c])
        self.stages.append(Stage(
            number=len(self.stages) + 1,
            kind=kind,
            votes=votes,
            non_transferable=self.d(self.non_transferable),
            elected=tuple(self.names[c] for c in sorted(elected)),
            excluded=tuple(self.names[c] for c in sorted(excluded)),
            surplus=None if surplus is None else self.names[surplus],
            notes=tuple(notes),
        ))

    def result(self) -> StvResult:
        assert sum(self.votes) + self.non_transferable == self.total
        return StvResult(
            rule=self.rule,
            candidates=self.names,
            seats=self.seats,
            places=self.places,
            valid_votes=self.valid,
            quota=self.d(self.first_quota),
            final_quota=self.d(self.quota),
            stages=tuple(self.stages),
            elected=tuple(self.names[c] for c in self.elected),
            elected_indices=tuple(self.elected),
            lots=tuple(self.lots),
            seed=self.seed,
            withdrawn=tuple(self.names[c] for c in range(self.n)
                            if self.status[c] == _WITHDRAWN),
        )

    def names_of(self, cands: Iterable[int]) -> str:
        return ", ".join(self.names[c] for c in cands)


class _Scottish(_Count):
    """SSI 2007/42, schedule 1, rules 45-52."""

    def run(self) -> StvResult:
        # Rule 46: the quota.
        self.quota = self.first_quota = (self.valid // (self.seats + 1) + 1) * self.unit
        self.first_stage()
        elected, notes = self.elect_reached()
        self.record("first", elected=elected, notes=notes)
        self.snapshot()
        while self.vacancies() > 0:
            with_surplus = [c for c in self.elected
                            if self.votes[c] > self.quota and c not in self.surplus_done]
            continuing = self.continuing()
            if not continuing:
                self.stages[-1] = _with_note(
                    self.stages[-1], f"No continuing candidates remain: "
                    f"{self.vacancies()} seat(s) unfilled.")
                break
            if with_surplus:
                stage_notes = []
                c = self.pick_surplus(with_surplus)
                stage_notes.append(self.transfer_surplus(c))
                kind, surplus, excluded = "surplus", c, ()
            else:
                c = self.pick_exclusion(continuing)
                stage_notes = [self.transfer_exclusion(c)]
                kind, surplus, excluded = "exclusion", None, (c,)
            elected, notes = self.elect_reached()
            self.record(kind, elected=elected, excluded=excluded, surplus=surplus,
                        notes=stage_notes + notes)
            self.snapshot()
        return self.result()

    def elect_reached(self) -> tuple[list[int], list[str]]:
        """Rule 47: elect whoever has reached the quota; rule 52: when the continuing
        candidates are no more than the vacancies, they are elected."""
        notes = []
        reached = [c for c in self.by_votes_desc(self.continuing())
                   if self.votes[c] >= self.quota][: self.vacancies()]
        for c in reached:
            self.elect(c)
        if reached:
            notes.append(f"{self.names_of(reached)} reached the quota.")
        continuing = self.continuing()
        if continuing and len(continuing) <= self.vacancies():
            rest = self.by_votes_desc(continuing)
            for c in rest:
                self.elect(c)
            notes.append(f"{self.names_of(rest)} elected as the continuing candidates "
                         f"are no more than the vacancies (rule 52).")
            reached += rest
        return reached, notes

    def pick_surplus(self, with_surplus: list[int]) -> int:
        """Rule 49: the highest surplus first; equal surpluses by the most recent preceding
        stage with unequal votes, then by lot."""
        top = max(self.votes[c] for c in with_surplus)
        tied = [c for c in with_surplus if self.votes[c] == top]
        if len(tied) == 1:
            return tied[0]
        return self.break_tie(tied, highest=True, backward=True,
                              reason="which equal surplus to transfer first (rule 49)")[0]

    def pick_exclusion(self, continuing: list[int]) -> int:
        """Rules 50-51: the lowest; ties by the most recent preceding stage with unequal
        votes, then by lot."""
        low = min(self.votes[c] for c in continuing)
        tied = [c for c in continuing if self.votes[c] == low]
        if len(tied) == 1:
            return tied[0]
        return self.break_tie(tied, highest=False, backward=True,
                              reason="which candidate to exclude (rule 51)")[0]

    def transfer_surplus(self, c: int) -> str:
        """Rule 48: every paper of the candidate moves on at surplus x value / votes,
        truncated to 5 decimal places; what is not credited is non-transferable."""
        surplus = self.votes[c] - self.quota
        total = self.votes[c]
        entries = [i for batch in self.piles[c] for i in batch]
        self.piles[c] = []
        dest, _exhausted = self.move(entries)
        value, counts = self.value, self.counts
        transfer_values: dict[int, int] = {}
        credited = 0
        for d, group in dest.items():
            received = 0
            for i in group:
                v = value[i]
                tv = transfer_values.get(v)
                if tv is None:
                    tv = transfer_values[v] = surplus * v // total
                value[i] = tv
                received += counts[i] * tv
            self.votes[d] += received
            self.piles[d].append(group)
            credited += received
        self.votes[c] = self.quota
        self.non_transferable += surplus - credited
        self.surplus_done.add(c)
        values = ", ".join(self.show(tv) for _v, tv in sorted(transfer_values.items(),
                                                                reverse=True))
        how = f"at {values}" if values else "(no paper names a continuing candidate)"
        return (f"Surplus of {self.names[c]} ({self.show(surplus)}) transferred {how}; "
                f"{self.show(surplus - credited)} non-transferable.")

    def transfer_exclusion(self, c: int) -> str:
        """Rule 50: every paper moves on at the value it arrived with."""
        self.exclude(c)
        entries = [i for batch in self.piles[c] for i in batch]
        self.piles[c] = []
        dest, exhausted = self.move(entries)
        for d, group in dest.items():
            self.votes[d] += self.worth(group)
            self.piles[d].append(group)
        lost = self.worth(exhausted)
        self.non_transferable += lost
        held = self.votes[c]
        self.votes[c] = 0
        return (f"{self.names[c]} excluded with {self.show(held)}; "
                f"{self.show(lost)} non-transferable.")


class _Ers97(_Count):
    """ERS97 rules, section 5."""

    def run(self) -> StvResult:
        self.quota = self.first_quota = self.quota_for(self.total)  # 5.1.6
        self.excluding: set[int] = set()
        self.first_stage()
        self.snapshot()
        elected, notes = self.deem_elected()  # 5.1.7
        elected, notes = self.complete_if_few(elected, notes)
        self.record("first", elected=elected, notes=notes)
        while self.vacancies() > 0:
            continuing = self.continuing()
            if not continuing:
                self.stages[-1] = _with_note(
                    self.stages[-1], f"No continuing candidates remain: "
                    f"{self.vacancies()} seat(s) unfilled.")
                break
            surpluses = {c: self.votes[c] - self.quota for c in self.elected
                         if self.votes[c] > self.quota and c not in self.surplus_done}
            total_surplus = sum(surpluses.values())
            notes = []
            if surpluses and self.deferrable(total_surplus, continuing):
                notes.append(f"Surplus{'es' if len(surpluses) > 1 else ''} totalling "
                             f"{self.show(total_surplus)} deferred (5.2.2).")
            elif surpluses:
                c = self.pick_surplus(surpluses)
                notes.append(self.transfer_surplus(c, surpluses[c]))
                elected, more = self.deem_elected()
                elected, more = self.complete_if_few(elected, more)
                self.record("surplus", elected=elected, surplus=c, notes=notes + more)
                continue
            deferred = total_surplus
            losers = self.pick_exclusions(continuing, deferred)
            if len(continuing) - len(losers) <= self.vacancies():
                # 5.5.1: the proposed exclusion would leave as many continuing candidates
                # as places: they are deemed elected, and no papers are transferred.
                rest = self.by_votes_desc(c for c in continuing if c not in losers)
                for c in rest:
                    self.elect(c)
                for c in losers:
                    self.exclude(c)
                notes.append(f"Excluding {self.names_of(losers)} would leave only as many "
                             f"candidates as places: {self.names_of(rest)} deemed elected "
                             f"(5.5.1).")
                self.record("completion", elected=rest, excluded=losers, notes=notes)
                break
            elected, more = self.transfer_exclusion(losers)
            self.record("exclusion", elected=elected, excluded=losers, notes=notes + more)
        return self.result()

    def quota_for(self, total: int) -> int:
        """5.1.6: divide to 2 decimal places; if not exact, ignore the remainder and add 0.01."""
        return -(-total // (self.seats + 1))

    def active_vote(self) -> int:
        """6.20: votes of continuing candidates plus any votes awaiting transfer (surpluses
        not yet transferred, papers of candidates being excluded)."""
        total = sum(self.votes[c] for c in range(self.n) if self.status[c] == _CONTINUING)
        total += sum(self.votes[c] - self.quota for c in self.elected
                     if self.votes[c] > self.quota and c not in self.surplus_done)
        total += sum(self.votes[c] for c in self.excluding)
        return total

    def deem_elected(self) -> tuple[list[int], list[str]]:
        """5.1.7, 5.3.13, 5.4.9: considering continuing candidates in descending order of
        votes, deem elected any who has the quota or the total active vote divided by one
        more than the places not yet filled; 5.6.2 for equal votes with too few places."""
        elected: list[int] = []
        notes: list[str] = []
        while self.vacancies() > 0:
            continuing = self.continuing()
            if not continuing:
                break
            places = self.vacancies()
            threshold = -(-self.active_vote() // (places + 1))
            needed = min(self.quota, threshold)
            top = max(self.votes[c] for c in continuing)
            if top <= 0 or top < needed:
                break
            group = [c for c in continuing if self.votes[c] == top]
            stop = False
            if len(group) > places:
                chosen: list[int] = []
                remaining = list(group)
                while remaining and len(chosen) < places:
                    best = self.break_tie(remaining, highest=True, backward=False,
                                          reason="", lot=False)
                    if len(chosen) + len(best) > places:
                        break
                    chosen += best
                    remaining = [c for c in remaining if c not in best]
                notes.append(f"{self.names_of(group)} have equal votes for "
                             f"{places} place(s) (5.6.2): "
                             + (f"{self.names_of(chosen)} deemed elected."
                                if chosen else "none deemed elected at this stage."))
                group, stop = chosen, True
            for c in group:
                self.elect(c)
                elected.append(c)
                how = "the quota" if self.votes[c] >= self.quota else \
                    f"{self.show(threshold)}, the total active vote divided by " \
                    f"{places + 1}"
                notes.append(f"{self.names[c]} deemed elected with {self.show(self.votes[c])}"
                             f", reaching {how}.")
            if stop:
                break
        return elected, notes

    def complete_if_few(self, elected: list[int], notes: list[str]):
        """4.3: when no more candidates remain than places, they are all elected."""
        continuing = self.continuing()
        if continuing and len(continuing) <= self.vacancies():
            rest = self.by_votes_desc(continuing)
            for c in rest:
                self.elect(c)
            notes = notes + [f"{self.names_of(rest)} elected: no more candidates remain "
                             f"than places (4.3)."]
            elected = elected + rest
        return elected, notes

    def deferrable(self, total_surplus: int, continuing: list[int]) -> bool:
        """5.2.2: defer if the surpluses do not exceed (a) the difference between the two
        lowest candidates, or (b) the difference between the total of two or more lowest
        candidates who could be excluded together under 5.2.5 and the candidate next above."""
        v = sorted(self.votes[c] for c in continuing)
        if len(v) >= 2 and total_surplus <= v[1] - v[0]:
            return True
        total = v[0]
        for k in range(2, len(v) - self.vacancies() + 1):
            total += v[k - 1]
            if total + total_surplus <= v[k]:
                return True
        return False

    def pick_exclusions(self, continuing: list[int], deferred: int) -> list[int]:
        """5.2.5: as many of the lowest together as possible, provided enough candidates
        remain for the places and their votes with any deferred surpluses do not exceed
        the vote of the candidate next above. Equal lowest: the fewest votes at the first
        stage or the earliest point after a batch with unequal votes, then lot."""
        order = sorted(continuing, key=lambda c: self.votes[c])
        v = [self.votes[c] for c in order]
        k_max = max(1, len(order) - self.vacancies())
        k_best, total = 1, v[0]
        for k in range(2, k_max + 1):
            total += v[k - 1]
            if total + deferred <= v[k]:
                k_best = k
        cut = v[k_best - 1]
        below = [c for c in order if self.votes[c] < cut]
        tied = [c for c in order if self.votes[c] == cut]
        need = k_best - len(below)
        chosen: list[int] = []
        while len(chosen) < need:
            remaining = [c for c in tied if c not in chosen]
            if len(remaining) == need - len(chosen):
                chosen += remaining
                break
            chosen += self.break_tie(remaining, highest=False, backward=False,
                                     reason="which candidate to exclude (5.2.5)")[:1]
        return sorted(below + chosen)

    def pick_surplus(self, surpluses: dict[int, int]) -> int:
        """5.2.3: the largest; equal surpluses by the greatest vote at the first stage or
        the earliest point with unequal votes, then lot."""
        top = max(surpluses.values())
        tied = [c for c, s in surpluses.items() if s == top]
        if len(tied) == 1:
            return tied[0]
        return self.break_tie(tied, highest=True, backward=False,
                              reason="which equal surplus to transfer first (5.2.3)")[0]

    def transfer_surplus(self, c: int, surplus: int) -> str:
        """5.3: the last batch received (all papers for a first-stage surplus) is sorted by
        next available preference; the transferable papers go on at surplus / their number
        (2 places, truncated), or at their present value if that is less."""
        batch = self.piles[c].pop() if self.piles[c] else []
        dest, exhausted = self.move(batch)
        self.piles[c].append(exhausted)
        moving = [i for group in dest.values() for i in group]
        papers = self.papers(moving)
        present = self.worth(moving)
        if present > surplus:
            tv = surplus // papers
            for i in moving:
                self.value[i] = tv
            how = f"at {self.show(tv)} a paper ({_papers(papers, 'transferable ')})"
        else:
            how = f"at present value ({_papers(papers, 'transferable ')})"
        credited = 0
        for d, group in dest.items():
            received = self.worth(group)
            self.votes[d] += received
            self.piles[d].append(group)
            credited += received
        self.votes[c] = self.quota
        self.non_transferable += surplus - credited
        self.surplus_done.add(c)
        self.snapshot()
        return (f"Surplus of {self.names[c]} ({self.show(surplus)}) transferred {how}; "
                f"{self.show(surplus - credited)} non-transferable.")

    def transfer_exclusion(self, losers: list[int]) -> tuple[list[int], list[str]]:
        """5.4: the papers of the excluded candidates, batch by batch in descending order of
        value; after each batch, candidates may be deemed elected (and then receive no
        more); the count stops once every place is filled (5.5.2)."""
        for c in losers:
            self.exclude(c)
            self.excluding.add(c)
        by_value: dict[int, list[tuple[int, int]]] = {}
        for c in losers:
            for batch in self.piles[c]:
                for i in batch:
                    by_value.setdefault(self.value[i], []).append((c, i))
            self.piles[c] = []
        notes = [f"Excluded: {self.names_of(losers)}."]
        elected: list[int] = []
        values = sorted(by_value, reverse=True)
        for n_batch, v in enumerate(values, start=1):
            if self.vacancies() == 0:
                # 5.5.2: every place is filled; the remaining papers stay where they are.
                for rest in values[n_batch - 1:]:
                    for c, i in by_value[rest]:
                        self.piles[c].append([i])
                notes.append("Every place is filled; no further papers are transferred.")
                break
            entries = by_value[v]
            for c, i in entries:
                self.votes[c] -= self.counts[i] * v
            dest, exhausted = self.move(i for _c, i in entries)
            for d, group in dest.items():
                self.votes[d] += self.worth(group)
                self.piles[d].append(group)
            lost = self.worth(exhausted)
            self.non_transferable += lost
            self.snapshot()
            note = (f"Batch {n_batch} of {len(values)} at value {self.show(v)}: "
                    f"{_papers(self.papers(i for _c, i in entries))}, "
                    f"{self.show(lost)} non-transferable.")
            if not self.elected and lost:
                # 5.4.8: while nobody is elected, the quota ignores non-transferable votes.
                quota = self.quota_for(self.total - self.non_transferable)
                if quota != self.quota:
                    self.quota = quota
                    note += f" Quota recalculated to {self.show(quota)} (5.4.8)."
            notes.append(note)
            now, more = self.deem_elected()
            elected += now
            notes += more
        if not values:  # the excluded candidates held no papers
            now, more = self.deem_elected()
            elected += now
            notes += more
        self.excluding.clear()
        elected, notes = self.complete_if_few(elected, notes)
        return elected, notes


def _with_note(stage: Stage, note: str) -> Stage:
    return replace(stage, notes=stage.notes + (note,))


def _papers(number: int, kind: str = "") -> str:
    return f"{number:,} {kind}paper{'' if number == 1 else 's'}"
