"""Weighted encrypted totals: Σ weight_i · c_i without decrypting any vote.

Scaling a ciphertext by a weight costs two scalar multiplications, about fifteen additions' worth,
and electorates have few distinct weights (a share class, a member's holding), so ciphertexts
are grouped by weight first: each group is summed by additions alone and scaled once.
"""
from __future__ import annotations

from collections import defaultdict

from .elgamal import ZERO, Ciphertext, ciphertext_sum


def _check_weights(weights, count: int) -> list[int]:
    weights = list(weights)
    if len(weights) != count:
        raise ValueError(f"{count} ciphertexts but {len(weights)} weights")
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise ValueError(f"a weight must be a non-negative integer, not {weight!r}")
    return weights


def _scaled_total(groups: dict[int, list[Ciphertext]]) -> Ciphertext:
    total = ZERO
    for weight, members in groups.items():
        if weight:
            total = total + ciphertext_sum(members).scale(weight)
    return total


def weighted_sum(ciphertexts, weights) -> Ciphertext:
    """The encryption of Σ weight_i · m_i (a weight of 0 leaves its ciphertext out)."""
    ciphertexts = list(ciphertexts)
    weights = _check_weights(weights, len(ciphertexts))
    groups: dict[int, list[Ciphertext]] = defaultdict(list)
    for ciphertext, weight in zip(ciphertexts, weights, strict=True):
        groups[weight].append(ciphertext)
    return _scaled_total(groups)


def column_sums(rows: list[list[Ciphertext]], weights) -> list[Ciphertext]:
    """Per column, the weighted sum over the rows (one row per ballot, one column per entry)."""
    rows = list(rows)
    weights = _check_weights(weights, len(rows))
    if not rows:
        return []
    width = len(rows[0])
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise ValueError(f"row {number} has {len(row)} ciphertexts, not {width}")
    columns: list[dict[int, list[Ciphertext]]] = [defaultdict(list) for _ in range(width)]
    for row, weight in zip(rows, weights, strict=True):
        for column, ciphertext in zip(columns, row, strict=True):
            column[weight].append(ciphertext)
    return [_scaled_total(column) for column in columns]
