"""Fiat–Shamir challenges over a canonical, domain-separated encoding of the whole statement.

Every item is tagged with its type and length, so no two different statements encode alike; the
domain names the proof and the context (election, question, trustee) is always part of the input.
Weak Fiat–Shamir (hashing the commitment without the statement) is the classic fault; each proof
here hashes the public key, the ciphertext and every commitment.
"""
from __future__ import annotations

import hashlib

from .group import Point, Q


def _encode(item, out: list[bytes]) -> None:
    if isinstance(item, Point):
        out.append(b"P" + item.encoded)
    elif isinstance(item, bool):
        raise TypeError("booleans are not hashed: name the value")
    elif isinstance(item, int):
        if item < 0:
            raise ValueError("negative integers are not hashed")
        data = item.to_bytes(max(1, (item.bit_length() + 7) // 8), "big")
        out.append(b"I" + len(data).to_bytes(4, "big") + data)
    elif isinstance(item, str):
        data = item.encode("utf-8")
        out.append(b"S" + len(data).to_bytes(4, "big") + data)
    elif isinstance(item, bytes | bytearray):
        out.append(b"B" + len(item).to_bytes(4, "big") + bytes(item))
    elif isinstance(item, list | tuple):
        out.append(b"L" + len(item).to_bytes(4, "big"))
        for part in item:
            _encode(part, out)
    else:
        raise TypeError(f"cannot hash a {type(item).__name__}")


def encode(*items) -> bytes:
    out: list[bytes] = []
    _encode(list(items), out)
    return b"".join(out)


def digest(domain: str, *items) -> bytes:
    """SHA-256 of the domain and the items' canonical encoding."""
    return hashlib.sha256(encode(domain, *items)).digest()


def challenge(domain: str, *items) -> int:
    """A challenge scalar: 64 bytes of SHA-256 output (two counters) reduced modulo Q, so the
    result is uniform to within 2^-250."""
    first = hashlib.sha256(b"\x00" + encode(domain, *items)).digest()
    second = hashlib.sha256(b"\x01" + encode(domain, *items)).digest()
    return int.from_bytes(first + second, "big") % Q
