"""Reads for membership: a user's own entry, the register."""

from .models import Member


def member_for_user(*, user) -> Member | None:
    """The user's current entry in the register of members, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user, ceased_on__isnull=True).first()


def current_members():
    return Member.objects.filter(ceased_on__isnull=True).select_related("stakeholder_class")


def current_member_count() -> int:
    return current_members().count()
