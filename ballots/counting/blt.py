"""Reader for BLT ballot files, the plain-text format most STV counting programs exchange.

Layout::

    4 2                 number of candidates, number of seats
    -3                  optional: withdrawn candidates, as negative numbers
    16 1 2 3 4 0        weight, then preferences (candidate numbers from 1), then 0
    24 1 3 2            the closing 0 may be left out: the end of the line ends the ballot
    0                   a line holding only 0 ends the ballots
    "Andrea"            one candidate name a line, quoted or not
    ...
    "Title"             the title, quoted or not (may be missing)

Dialects read: names with embedded quotes written doubled (``"Jane ""JJ"" Smith"``),
unquoted names and titles, comment lines starting with ``#`` or ``//`` anywhere, blank
lines, ballot lines without the closing 0. Lines of weight 0 and ballots naming no candidate
are ignored (they are not valid votes). Equal preferences (``1=2``) are not supported. A file
with no valid ballot at all (or only ballots for withdrawn candidates) is refused: there is
nothing to count, and seats must not be filled by lot when nobody voted.

Anything else is an error: :class:`BltError` names the line, for example
``line 7: candidate 12 does not exist (there are 9)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["BltElection", "BltError", "parse_blt", "read_blt", "write_blt"]


class BltError(ValueError):
    """A malformed BLT file. ``line`` is the 1-based line number (None for the whole file)."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.detail = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class BltElection:
    """A parsed BLT file. Candidates are numbered from 0 here (the file numbers them from 1):
    ``ballots`` holds ``(ranking, weight)`` pairs, identical rankings added together, in the
    order first seen."""

    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[tuple[tuple[int, ...], int], ...]
    withdrawn: frozenset[int]
    title: str | None
    ignored_lines: int  # ballot lines of weight 0 or without any preference

    @property
    def total_weight(self) -> int:
        return sum(weight for _ranking, weight in self.ballots)


def read_blt(path: str | Path) -> BltElection:
    """Read and parse a BLT file (UTF-8; a byte-order mark is allowed)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BltError(None, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")\
            from None
    return parse_blt(text)


def _is_comment(stripped: str) -> bool:
    return stripped.startswith("#") or stripped.startswith("//")


def _text_value(stripped: str, lineno: int, what: str) -> str:
    """A name or title: a quoted string (embedded quotes doubled) or the bare line."""
    if not stripped.startswith('"'):
        return stripped
    parts: list[str] = []
    i = 1
    while True:
        j = stripped.find('"', i)
        if j < 0:
            raise BltError(lineno, f"the quoted {what} has no closing quote")
        parts.append(stripped[i:j])
        if stripped.startswith('"', j + 1):  # a doubled quote stands for one quote
            parts.append('"')
            i = j + 2
            continue
        rest = stripped[j + 1:].strip()
        if rest and not _is_comment(rest):
            raise BltError(lineno, f"unexpected text after the quoted {what}: {rest!r}")
        return "".join(parts)


MAX_WEIGHT = 10**15  # papers on one line: far more than any electorate


def _integer(token: str, lineno: int, what: str) -> int:
    shown = token if len(token) <= 20 else token[:20] + "..."
    if len(token) > 20:
        raise BltError(lineno, f"{what} {shown!r} is too long to be a number this file uses")
    try:
        return int(token)
    except ValueError:
        hint = " (equal preferences are not supported)" if "=" in token else ""
        raise BltError(lineno, f"{what} {shown!r} is not a whole number{hint}") from None


def parse_blt(text: str) -> BltElection:
    """Parse the text of a BLT file; raises :class:`BltError` naming the offending line."""
    lines = text.removeprefix("\ufeff").splitlines()
    meaningful = (
        (number, line.strip())
        for number, line in enumerate(lines, start=1)
        if line.strip() and not _is_comment(line.strip())
    )

    # Header: "candidates seats".
    try:
        lineno, header = next(meaningful)
    except StopIteration:
        raise BltError(None, "the file is empty (no 'candidates seats' line)") from None
    tokens = header.split()
    if len(tokens) != 2:
        raise BltError(lineno, f"expected 'candidates seats', found {header!r}")
    n_candidates = _integer(tokens[0], lineno, "number of candidates")
    seats = _integer(tokens[1], lineno, "number of seats")
    if n_candidates < 1:
        raise BltError(lineno, "there must be at least one candidate")
    if seats < 1:
        raise BltError(lineno, "there must be at least one seat")
    if seats > n_candidates:
        raise BltError(lineno, f"{seats} seats but only {n_candidates} candidates")

    def candidate(token: str, lineno: int) -> int:
        number = _integer(token, lineno, "candidate")
        if not 1 <= number <= n_candidates:
            raise BltError(lineno, f"candidate {number} does not exist (there are {n_candidates})")
        return number - 1

    withdrawn: set[int] = set()
    aggregated: dict[tuple[int, ...], int] = {}
    ignored = 0
    first_ballot_line = True
    closed = False
    last_lineno = lineno
    for lineno, line in meaningful:
        last_lineno = lineno
        tokens = line.split()
        if tokens == ["0"]:
            closed = True
            break
        if first_ballot_line and tokens[0].startswith("-"):
            # Withdrawn candidates: negative numbers on the line after the header.
            for token in tokens:
                number = _integer(token, lineno, "withdrawn candidate")
                if number >= 0:
                    raise BltError(lineno, "withdrawn candidates must all be negative numbers")
                withdrawn.add(candidate(str(-number), lineno))
            first_ballot_line = False
            continue
        first_ballot_line = False
        weight = _integer(tokens[0], lineno, "weight")
        if weight < 0:
            raise BltError(lineno, f"weight {weight} is negative")
        if weight > MAX_WEIGHT:
            raise BltError(lineno, f"weight {weight} is more than {MAX_WEIGHT:,} papers")
        prefs = tokens[1:]
        if prefs and prefs[-1] == "0":
            prefs.pop()
        if "0" in prefs:
            raise BltError(lineno, "preferences follow the 0 that ends the ballot")
        ranking = tuple(candidate(token, lineno) for token in prefs)
        if len(set(ranking)) != len(ranking):
            seen: set[int] = set()
            for c in ranking:
                if c in seen:
                    raise BltError(lineno, f"candidate {c + 1} is ranked more than once")
                seen.add(c)
        if weight == 0 or not ranking:
            ignored += 1
            continue
        aggregated[ranking] = aggregated.get(ranking, 0) + weight
    if not closed:
        raise BltError(last_lineno, "the file ends before the line '0' that closes the ballots")
    # An election with no votes has nothing to count: filling its seats by lot would
    # report a result nobody voted for.
    if not aggregated:
        raise BltError(None, "the file holds no ballots (no line gives a weight above 0 and "
                             "a preference), so there is nothing to count"
                       + (f"; {ignored} ballot line(s) were empty or of weight 0" if ignored
                          else ""))
    if all(c in withdrawn for ranking in aggregated for c in ranking):
        raise BltError(None, "no ballot ranks a candidate who has not withdrawn, so there is "
                             "nothing to count")

    names: list[str] = []
    for lineno, line in meaningful:
        last_lineno = lineno
        name = _text_value(line, lineno, "candidate name")
        if not name.strip():
            raise BltError(lineno, "a candidate name is empty")
        if name in names:
            raise BltError(lineno, f"candidate name {name!r} is used twice")
        names.append(name)
        if len(names) == n_candidates:
            break
    if len(names) < n_candidates:
        raise BltError(last_lineno,
                       f"the file ends after {len(names)} of {n_candidates} candidate names")

    title = None
    for lineno, line in meaningful:
        if title is not None:
            raise BltError(lineno, f"unexpected text after the title: {line!r}")
        title = _text_value(line, lineno, "title")

    return BltElection(
        candidates=tuple(names),
        seats=seats,
        ballots=tuple(aggregated.items()),
        withdrawn=frozenset(withdrawn),
        title=title,
        ignored_lines=ignored,
    )


def write_blt(*, candidates: list[str], seats: int,
              ballots: list[tuple[tuple[int, ...], int]], title: str) -> str:
    """A BLT file of these ballots (rankings of 0-based candidate indices with weights), in
    the order given, with names and title quoted (embedded quotes doubled)."""

    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = [f"{len(candidates)} {min(seats, len(candidates))}"]
    lines += [" ".join([str(weight), *(str(i + 1) for i in ranking), "0"])
              for ranking, weight in ballots if ranking and weight > 0]
    lines.append("0")
    lines += [quoted(name) for name in candidates]
    lines.append(quoted(title))
    return "\n".join(lines) + "\n"
