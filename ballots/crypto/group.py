"""The group: the prime-order subgroup of ed25519, through libsodium.

Points are immutable `Point` values wrapping their 32-byte encoding. Every point that arrives from
outside goes through `point_decode`, which accepts only the canonical encoding of a point in the
prime-order subgroup (libsodium's `crypto_core_ed25519_is_valid_point`), or the identity.
libsodium refuses the identity as an input or output of scalar multiplication, so it is handled
here: an encrypted zero, a sum of nothing and a decrypted zero are all the identity.
Scalars are Python integers modulo the group order `Q`.
"""
from __future__ import annotations

import secrets

from nacl import bindings as sodium

# The order of the prime-order subgroup: 2^252 + 27742317777372353535851937790883648493.
Q = 2**252 + 27742317777372353535851937790883648493
SCALAR_BYTES = 32
POINT_BYTES = 32

_IDENTITY_BYTES = b"\x01" + b"\x00" * 31


class GroupError(ValueError):
    """A value that is not an element of the group, or not a scalar."""


class Point:
    __slots__ = ("encoded",)

    def __init__(self, encoded: bytes):
        self.encoded = encoded

    @property
    def is_identity(self) -> bool:
        return self.encoded == _IDENTITY_BYTES

    def __eq__(self, other) -> bool:
        return isinstance(other, Point) and self.encoded == other.encoded

    def __hash__(self) -> int:
        return hash(self.encoded)

    def __add__(self, other: Point) -> Point:
        return add(self, other)

    def __sub__(self, other: Point) -> Point:
        return sub(self, other)

    def __mul__(self, scalar: int) -> Point:
        return mul(self, scalar)

    __rmul__ = __mul__

    def hex(self) -> str:
        return self.encoded.hex()

    def __repr__(self) -> str:
        return f"Point({self.encoded.hex()[:16]}…)"


IDENTITY = Point(_IDENTITY_BYTES)


def _scalar_bytes(scalar: int) -> bytes:
    return (scalar % Q).to_bytes(SCALAR_BYTES, "little")


def base_mul(scalar: int) -> Point:
    """g^scalar, for the standard ed25519 base point g."""
    scalar %= Q
    if scalar == 0:
        return IDENTITY
    return Point(sodium.crypto_scalarmult_ed25519_base_noclamp(_scalar_bytes(scalar)))


def mul(point: Point, scalar: int) -> Point:
    scalar %= Q
    if scalar == 0 or point.is_identity:
        return IDENTITY
    if scalar == 1:
        return point
    return Point(sodium.crypto_scalarmult_ed25519_noclamp(_scalar_bytes(scalar), point.encoded))


def add(a: Point, b: Point) -> Point:
    if a.is_identity:
        return b
    if b.is_identity:
        return a
    return Point(sodium.crypto_core_ed25519_add(a.encoded, b.encoded))


def sub(a: Point, b: Point) -> Point:
    if b.is_identity:
        return a
    if a.is_identity:
        return neg(b)
    return Point(sodium.crypto_core_ed25519_sub(a.encoded, b.encoded))


def neg(a: Point) -> Point:
    if a.is_identity:
        return a
    return Point(sodium.crypto_core_ed25519_sub(_IDENTITY_BYTES, a.encoded))


def point_sum(points) -> Point:
    total = IDENTITY
    for point in points:
        total = add(total, point)
    return total


def multi_mul(pairs) -> Point:
    """The product of point^scalar over (point, scalar) pairs."""
    return point_sum(mul(point, scalar) for point, scalar in pairs)


G = base_mul(1)


def random_scalar() -> int:
    """A uniformly random non-zero scalar, from the operating system's generator."""
    while True:
        value = int.from_bytes(secrets.token_bytes(64), "little") % Q
        if value:
            return value


def point_decode(value: bytes | str) -> Point:
    """A point received from outside: canonical, in the prime-order subgroup, or the identity."""
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value)
        except ValueError:
            raise GroupError("a group element must be 64 hexadecimal digits") from None
    if not isinstance(value, bytes | bytearray) or len(value) != POINT_BYTES:
        raise GroupError("a group element must be 32 bytes (64 hexadecimal digits)")
    value = bytes(value)
    if value == _IDENTITY_BYTES:
        return IDENTITY
    if not sodium.crypto_core_ed25519_is_valid_point(value):
        raise GroupError("not an element of the prime-order group")
    return Point(value)


def scalar_decode(value: str | int) -> int:
    """A scalar received from outside: an integer in [0, Q), as 64 hexadecimal digits or an int."""
    if isinstance(value, bool):
        raise GroupError("a scalar must be a number")
    if isinstance(value, str):
        if len(value) != 2 * SCALAR_BYTES:
            raise GroupError("a scalar must be 64 hexadecimal digits")
        try:
            value = int.from_bytes(bytes.fromhex(value), "little")
        except ValueError:
            raise GroupError("a scalar must be 64 hexadecimal digits") from None
    if not isinstance(value, int) or not 0 <= value < Q:
        raise GroupError("a scalar must be below the group order")
    return value


def scalar_hex(scalar: int) -> str:
    return _scalar_bytes(scalar).hex()
