"""The asset-lock gate. Every payment of share capital to a member passes through here
before it is made; later issues add dividends, disposals and dissolution."""

from decimal import Decimal

from .exceptions import DomainError


class AssetLockViolation(DomainError):
    pass


def asset_lock_check_share_payout(*, organisation, share_class, shares: int,
                                  amount: Decimal) -> None:
    """Shares are repaid at no more than their paid-up (par) value: a society's shares
    carry no capital appreciation (FCA RFCCBS 6.1.3), a CIC may not pay more than the
    paid-up value on redemption or buy-back (CIC Regulations 2005 Sch.3 para 1), and a
    CBS with the statutory lock may pay members only the value of their shares."""
    ceiling = share_class.par_value * shares
    if amount > ceiling:
        basis = ("the asset lock" if organisation is not None and organisation.has_asset_lock
                 else "the rules on share capital")
        raise AssetLockViolation(
            f"£{amount:,.2f} is more than the £{ceiling:,.2f} paid up on {shares:,} shares: "
            f"{basis} allow shares to be repaid at no more than their paid-up value."
        )
