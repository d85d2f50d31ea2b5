"""Homomorphic totals: Σ weight_i · c_i, grouping by weight first so that a million
ciphertexts cost about a million point additions and one scalar multiplication per distinct
weight."""
from __future__ import annotations

from collections import defaultdict

from .elgamal import ZERO, Ciphertext, ciphertext_sum


def weighted_sum(ciphertexts, weights) -> Ciphertext:
    groups: dict[int, list[Ciphertext]] = defaultdict(list)
    for ciphertext, weight in zip(ciphertexts, weights, strict=True):
        groups[weight].append(ciphertext)
    total = ZERO
    for weight, members in groups.items():
        total = total + ciphertext_sum(members).scale(weight)
    return total


def column_sums(rows, weights) -> list[Ciphertext]:
    rows = list(rows)
    if not rows:
        return []
    return [weighted_sum([row[column] for row in rows], weights)
            for column in range(len(rows[0]))]
