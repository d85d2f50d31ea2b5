"""Stored results put into words, tables and a chart for the results pages, the exports and
the results notice. Pure: it reads a question's stored result and the names of the
classes, nothing else."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

OUTCOME_WORDS = {
    "passed": "Passed",
    "not_passed": "Not passed",
    "passed_pending_confirmation": "Passed, pending confirmation at a second meeting",
    "tied_undecided": "Tied: waiting for the chair's casting vote",
    "undecidable": "Not decided: the rules cannot be applied",
    "elected": "Elected",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # as shown: a count, or a weighted figure
    percent: Decimal | None  # the bar's length, 0-100
    tone: str  # for | against | withheld | candidate | elected

    @property
    def width(self) -> str:
        """The bar's length in the chart's units (250 for the longest), as SVG wants it."""
        return f"{float(self.percent or 0) * 2.5:.1f}"

    @property
    def value_x(self) -> str:
        """Where the figure is written: just after the end of the bar."""
        return f"{6 + float(self.percent or 0) * 2.5:.1f}"


def _decimal(text) -> Decimal:
    return Decimal(str(text))


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (100 * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def outcome_words(question) -> str:
    """The outcome in words, with a two-stage resolution's confirmation where it came."""
    result = question.stored
    if result is None:
        return "Not counted yet"
    data = result.data
    if result.outcome == "elected":
        return data.get("reason") or "Elected"
    words = OUTCOME_WORDS.get(result.outcome, result.outcome)
    confirmation = getattr(question, "confirmation", None)
    if result.outcome == "passed_pending_confirmation" and confirmation is not None:
        meeting = confirmation.question.ballot.meeting
        when = f" at {meeting.title}" if meeting else ""
        words = ("Passed and confirmed" + when if confirmation.outcome == "passed"
                 else "Passed at the first meeting, but not confirmed" + when)
    return words


def resolution_bars(data: dict) -> list[Bar]:
    votes_for, against = _decimal(data["for"]), _decimal(data["against"])
    cast = votes_for + against
    return [Bar("For", data["for"], _percent(votes_for, cast), "for"),
            Bar("Against", data["against"], _percent(against, cast), "against")]


def election_bars(data: dict) -> list[Bar]:
    if data.get("method") == "stv":
        final = data["stages"][-1]["votes"] if data["stages"] else {}
        first = data["stages"][0]["votes"] if data["stages"] else {}
        votes = {name: first.get(name) or "0" for name in first} or final
    else:
        votes = {name: str(value) for name, value in data["votes"].items()}
    most = max((_decimal(v) for v in votes.values()), default=Decimal(0))
    elected = set(data.get("elected", []))
    return [Bar(name, _trim(value), _percent(_decimal(value), most) if most else Decimal(0),
                "elected" if name in elected else "candidate")
            for name, value in sorted(votes.items(), key=lambda kv: -_decimal(kv[1]))]


def _trim(value: str) -> str:
    """5-decimal STV figures without their trailing zeros (12.00000 -> 12)."""
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


SMALL_CELL = 5  # a class with fewer voters is not shown on its own


def _figure(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else \
        str(round(float(value), 5))


def published_classes(question, data: dict) -> list[tuple[str, dict]]:
    """The classes' figures as published: a class with fewer than 5 voters on a secret
    question is merged with the other small ones into one row, or left out if they are
    fewer than 5 together, so that no figure narrows a vote down to a few people. (The
    count itself used every class.)"""
    classes = data.get("classes", {})
    record = getattr(question.ballot, "count_record", None) or {}
    cells = record.get("cells", {}).get(str(question.position))
    if question.recorded or not cells:
        return list(classes.items())
    shown, small, voters = [], [], 0
    for slug, totals in classes.items():
        papers = cells.get(slug, {}).get("papers", 0)
        if papers >= SMALL_CELL:
            shown.append((slug, totals))
        else:
            small.append(totals)
            voters += papers
    if small and voters >= SMALL_CELL:
        merged = {key: _figure(sum((Fraction(str(t[key])) for t in small), Fraction(0)))
                  for key in ("for", "against", "withheld")}
        shown.append((SMALL_CLASSES, merged))
    return shown


SMALL_CLASSES = "classes of fewer than 5 voters, together"


def class_rows(data: dict, names: dict[str, str], question=None) -> list[dict]:
    rows = []
    classes = published_classes(question, data) if question is not None else \
        list(data.get("classes", {}).items())
    for slug, totals in classes:
        cast = _decimal(totals["for"]) + _decimal(totals["against"])
        name = "Classes of fewer than 5 voters, together" if slug == SMALL_CLASSES else \
            names.get(slug, slug or "Everyone")
        rows.append({"name": name, "for": totals["for"],
                     "against": totals["against"], "withheld": totals["withheld"],
                     "percent": _percent(_decimal(totals["for"]), cast)})
    return rows


def stage_table(data: dict) -> dict | None:
    """An STV count's stages as a table: a row for each candidate (votes at each stage,
    None once out of the count) and the non-transferable row."""
    if data.get("method") != "stv" or not data.get("stages"):
        return None
    stages = data["stages"]
    names = list(stages[0]["votes"])
    rows = [{"name": name, "elected": name in data["elected"],
             "cells": [None if stage["votes"].get(name) is None
                       else _trim(stage["votes"][name]) for stage in stages]}
            for name in names]
    actions = []
    for stage in stages:
        if stage["surplus"]:
            actions.append(f"Surplus of {stage['surplus']}")
        elif stage["excluded"]:
            actions.append("Exclusion of " + ", ".join(stage["excluded"]))
        else:
            actions.append("First preferences" if not actions else "")
    return {"stages": list(range(1, len(stages) + 1)), "actions": actions, "rows": rows,
            "non_transferable": [_trim(stage["non_transferable"]) for stage in stages],
            "elected_at": {name: i + 1 for i, stage in enumerate(stages)
                           for name in stage["elected"]}}


def _turnout(question) -> dict | None:
    electors = getattr(question, "electors", 0)
    if not electors:
        return None
    voted = question.voted
    return {"voted": voted, "electors": electors,
            "percent": (Decimal(100 * voted) / electors).quantize(Decimal("0.1"),
                                                                  rounding=ROUND_HALF_UP)}


def question_view(question, names: dict[str, str]) -> dict:
    """Everything a results page shows of one question."""
    result = question.stored
    data = result.data if result else {}
    view = {"question": question, "result": result, "data": data,
            "outcome": outcome_words(question), "bars": [], "classes": [], "stages": None,
            "turnout": _turnout(question)}
    if result is None or result.outcome == "undecidable":
        return view
    if data.get("method") == "resolution":
        view["bars"] = resolution_bars(data)
        view["classes"] = class_rows(data, names, question)
    else:
        view["bars"] = election_bars(data)
        view["stages"] = stage_table(data)
    return view


def results_lines(questions) -> list[str]:
    """One line per question, for the results notice and the plain exports."""
    lines = []
    for question in questions:
        result = question.stored
        line = f"{question.position}. {question.title}: {outcome_words(question)}"
        if result is not None and result.data.get("method") == "resolution" and \
                result.data.get("percentage_for") is not None:
            data = result.data
            line += (f" ({data['for']} for, {data['against']} against, {data['withheld']} "
                     f"withheld; {data['percentage_for']}% for)")
        lines.append(line)
    return lines
