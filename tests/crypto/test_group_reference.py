"""group.py (libsodium) against an independent ed25519 written from RFC 8032."""
import secrets

import pytest

from ballots.crypto import group

from . import reference25519 as ref

# RFC 8032 §7.1, test 1
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def scalars(count=8):
    return [secrets.randbelow(group.Q) for _ in range(count)] + [1, 2, group.Q - 1]


def torsion():
    """The eight points of order dividing 8: the multiples of an order-8 point, found as L·P
    for points P of the full curve until one has order 8."""
    for y in range(2, 200):
        point = ref.decode(y.to_bytes(32, "little"))
        if point is None:
            continue
        t = ref.mul(ref.L, point)
        if not ref.equal(ref.mul(4, t), ref.IDENTITY):
            points = [ref.mul(k, t) for k in range(8)]
            assert len({ref.encode(x) for x in points}) == 8
            return points
    raise AssertionError("no point of order 8 found")


def test_the_reference_reproduces_rfc8032_test_1():
    assert ref.public_key(RFC_SECRET) == RFC_PUBLIC


def test_group_reproduces_rfc8032_test_1():
    assert group.base_mul(ref.clamped_scalar(RFC_SECRET)).encoded == RFC_PUBLIC
    assert group.point_decode(RFC_PUBLIC).encoded == RFC_PUBLIC


def test_the_base_point_and_the_order():
    assert group.G.encoded == ref.encode(ref.B)
    assert group.Q == ref.L
    assert ref.equal(ref.mul(ref.L, ref.B), ref.IDENTITY)
    assert group.base_mul(group.Q).is_identity
    assert group.IDENTITY.encoded == ref.encode(ref.IDENTITY)


def test_base_mul_matches():
    for x in scalars():
        assert group.base_mul(x).encoded == ref.encode(ref.mul(x, ref.B))


def test_mul_add_sub_neg_match():
    for x, y in zip(scalars(), scalars(), strict=True):
        P, Q = ref.mul(x, ref.B), ref.mul(y, ref.B)
        gp, gq = group.point_decode(ref.encode(P)), group.point_decode(ref.encode(Q))
        k = secrets.randbelow(group.Q)
        assert group.mul(gp, k).encoded == ref.encode(ref.mul(k, P))
        assert group.add(gp, gq).encoded == ref.encode(ref.add(P, Q))
        assert group.sub(gp, gq).encoded == ref.encode(ref.sub(P, Q))
        assert group.neg(gp).encoded == ref.encode(ref.neg(P))
    P = ref.mul(5, ref.B)
    gp = group.point_decode(ref.encode(P))
    assert group.sub(gp, gp).is_identity
    assert group.add(gp, group.neg(gp)).is_identity
    assert group.multi_mul([(gp, 3), (group.G, 4)]).encoded == ref.encode(ref.mul(19, ref.B))


def test_point_decode_accepts_subgroup_points_and_the_identity():
    for x in scalars(4):
        data = ref.encode(ref.mul(x, ref.B))
        assert group.point_decode(data).encoded == data
        assert group.point_decode(data.hex()).encoded == data
    assert group.point_decode(ref.encode(ref.IDENTITY)).is_identity


def test_point_decode_refuses_small_order_points():
    points = torsion()
    for point in points[1:]:
        with pytest.raises(group.GroupError):
            group.point_decode(ref.encode(point))


def test_point_decode_refuses_points_outside_the_prime_order_subgroup():
    t = torsion()[1]
    for x in scalars(4):
        mixed = ref.add(ref.mul(x, ref.B), t)
        data = ref.encode(mixed)
        assert ref.decode(data) is not None  # on the curve, canonically encoded
        with pytest.raises(group.GroupError):
            group.point_decode(data)


def test_point_decode_refuses_off_curve_encodings():
    found = 0
    for y in range(2, 100):
        data = y.to_bytes(32, "little")
        if ref.decode(data) is None:  # no x for this y
            found += 1
            with pytest.raises(group.GroupError):
                group.point_decode(data)
    assert found > 10


def test_point_decode_refuses_non_canonical_encodings():
    # y ≥ p: y + p for small y, and the identity with y = p + 1
    for y in range(19):
        data = (y + ref.p).to_bytes(32, "little")
        assert ref.decode(data) is None
        with pytest.raises(group.GroupError):
            group.point_decode(data)
    # x = 0 with the sign bit set: the identity's other encoding
    negative_zero = (1 | (1 << 255)).to_bytes(32, "little")
    assert ref.decode(negative_zero) is None
    with pytest.raises(group.GroupError):
        group.point_decode(negative_zero)


@pytest.mark.parametrize("value", ["zz" * 32, "00" * 31, b"\x00" * 31, 5, None, "ab" * 33])
def test_point_decode_refuses_malformed_input(value):
    with pytest.raises(group.GroupError):
        group.point_decode(value)


def test_scalar_decode():
    x = secrets.randbelow(group.Q)
    assert group.scalar_decode(group.scalar_hex(x)) == x
    for bad in [group.Q, -1, True, "00" * 31, "zz" * 32, (group.Q).to_bytes(32, "little").hex()]:
        with pytest.raises(group.GroupError):
            group.scalar_decode(bad)
