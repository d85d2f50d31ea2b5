"""Small discrete logarithms: recovering a total m from g^m after decryption.

Baby-step giant-step: a table of g^0 .. g^(n-1) (n a power of two, at least √(bound + 1)), then
giant steps of g^-n from the point until one lands in the table. The table is kept for the life of
the process, per size, so a count that solves many totals builds it once; a table built for a
larger bound serves every smaller one. About 2·√bound group additions: instant for a few
thousand, about a second for 10^9 (the table's 32,768 entries take a few megabytes).
"""
from __future__ import annotations

import math
import threading

from . import group
from .group import IDENTITY, G, Point


class DiscreteLogError(ValueError):
    """No m in [0, bound] has g^m equal to the point."""


_tables: dict[int, tuple[dict[bytes, int], Point]] = {}
_lock = threading.Lock()


def _table(size: int) -> tuple[dict[bytes, int], Point]:
    """The baby steps {g^j: j} for j < size, and the giant step g^-size."""
    with _lock:
        for known in sorted(_tables):
            if known >= size:
                return _tables[known]
        steps: dict[bytes, int] = {}
        point = IDENTITY
        for j in range(size):
            steps[point.encoded] = j
            point = point + G
        _tables[size] = (steps, group.neg(point))  # point is now g^size
        return _tables[size]


def discrete_log(point: Point, bound: int) -> int:
    """The m in [0, bound] with g^m = point; DiscreteLogError if there is none."""
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
        raise DiscreteLogError("the bound of a discrete logarithm must be a non-negative "
                               "integer")
    size = 1 << max(4, math.isqrt(bound).bit_length())  # a power of two, size² > bound
    steps, giant = _table(size)
    size = len(steps)
    for i in range(bound // size + 1):
        j = steps.get(point.encoded)
        if j is not None:
            m = i * size + j
            if m <= bound:
                return m
            break
        point = point + giant
    raise DiscreteLogError(f"the decrypted value is not an integer in [0, {bound}]")
