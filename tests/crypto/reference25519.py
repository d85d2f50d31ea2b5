"""An independent ed25519, written from RFC 8032 §5.1, used only by the tests to check group.py.

Plain Python integers, extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z,
x·y = T/Z, and the RFC's complete addition formula (which also doubles). Slow and not constant
time: for tests only.
"""
import hashlib

p = 2**255 - 19
d = -121665 * pow(121666, p - 2, p) % p
L = 2**252 + 27742317777372353535851937790883648493  # the order of the base point
SQRT_M1 = pow(2, (p - 1) // 4, p)  # a square root of -1 mod p

IDENTITY = (0, 1, 1, 0)


def add(P, Q):
    """RFC 8032 §5.1.4: A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = 2d·T1·T2, D = 2·Z1·Z2."""
    a = (P[1] - P[0]) * (Q[1] - Q[0]) % p
    b = (P[1] + P[0]) * (Q[1] + Q[0]) % p
    c = 2 * d * P[3] * Q[3] % p
    dd = 2 * P[2] * Q[2] % p
    e, f, g, h = b - a, dd - c, dd + c, b + a
    return (e * f % p, g * h % p, f * g % p, e * h % p)


def neg(P):
    return ((-P[0]) % p, P[1], P[2], (-P[3]) % p)


def sub(P, Q):
    return add(P, neg(Q))


def mul(scalar: int, P):
    """scalar·P by double-and-add (scalar taken as given, not reduced)."""
    result = IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = add(result, P)
        P = add(P, P)
        scalar >>= 1
    return result


def recover_x(y: int, sign: int):
    """RFC 8032 §5.1.3 steps 2–4: x from y and the sign bit, or None."""
    if y >= p:
        return None
    u = (y * y - 1) % p
    v = (d * y * y + 1) % p
    x = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
    if v * x * x % p == u:
        pass
    elif v * x * x % p == (-u) % p:
        x = x * SQRT_M1 % p
    else:
        return None  # not a square: no point has this y
    if x == 0 and sign:
        return None  # x = 0 has only one encoding
    if x & 1 != sign:
        x = p - x
    return x


def decode(data: bytes):
    """RFC 8032 §5.1.3: the point, or None if the 32 bytes encode no point."""
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % p)


def encode(P) -> bytes:
    """RFC 8032 §5.1.2: y little-endian, the low bit of x in the top bit."""
    zinv = pow(P[2], p - 2, p)
    x, y = P[0] * zinv % p, P[1] * zinv % p
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def equal(P, Q) -> bool:
    return (P[0] * Q[2] - Q[0] * P[2]) % p == 0 and (P[1] * Q[2] - Q[1] * P[2]) % p == 0


_by = 4 * pow(5, p - 2, p) % p
B = (recover_x(_by, 0), _by, 1, recover_x(_by, 0) * _by % p)  # §5.1: y = 4/5, x positive


def public_key(secret: bytes) -> bytes:
    """RFC 8032 §5.1.5: the public key of a 32-byte secret key."""
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return encode(mul(a, B))


def clamped_scalar(secret: bytes) -> int:
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    return (a & ((1 << 254) - 8)) | (1 << 254)


# The RFC's own names, as the other tests use them
P, D, BASE = p, d, B
