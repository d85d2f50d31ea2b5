"""Recovering a small total m from g^m: baby-step giant-step, up to a known bound (the
total voting rights of the cell, at most)."""
from __future__ import annotations

import math
from functools import lru_cache

from . import group
from .group import Point


class DiscreteLogError(ValueError):
    pass


@lru_cache(maxsize=8)
def _baby_steps(size: int) -> tuple[dict[bytes, int], Point]:
    table, point = {}, group.IDENTITY
    for j in range(size):
        table[point.encoded] = j
        point = point + group.G
    return table, group.neg(group.base_mul(size))


def discrete_log(point: Point, bound: int) -> int:
    """m in [0, bound] with g^m = point."""
    if bound < 0:
        raise DiscreteLogError("the bound of a total cannot be negative")
    size = max(16, 1 << max(4, math.isqrt(bound) + 1).bit_length())
    table, giant = _baby_steps(size)
    current = point
    for i in range(bound // size + 1):
        j = table.get(current.encoded)
        if j is not None and i * size + j <= bound:
            return i * size + j
        current = current + giant
    raise DiscreteLogError(f"the decrypted total is not a whole number from 0 to {bound}")
