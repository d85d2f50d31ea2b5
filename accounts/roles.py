"""The roles people hold on the platform, and how to find a user's roles.

A user may hold several roles at once (a board member is usually also a member).
Officer roles come from the register of officers (governance.OfficerAppointment);
the member role from a current entry in the register of members."""

from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    SECRETARY = "secretary", "Secretary"
    CHAIR = "chair", "Chair"
    BOARD = "board", "Board member"
    SCRUTINEER = "scrutineer", "Scrutineer"
    ADMIN = "admin", "Site administrator"


OFFICER_ROLES = frozenset({Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.SCRUTINEER, Role.ADMIN})
# Roles appointed through the register of officers (the site administrator is a flag on the user).
APPOINTED_ROLES = (Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.SCRUTINEER)


def user_roles(user) -> frozenset[Role]:
    """Every role the user holds today; empty for anonymous users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    from governance.selectors import officer_roles_for_user
    from membership.selectors import member_for_user

    roles: set[Role] = set(officer_roles_for_user(user=user, on=timezone.localdate()))
    if user.is_superuser or user.is_staff:
        roles.add(Role.ADMIN)
    if member_for_user(user=user) is not None:
        roles.add(Role.MEMBER)
    user._roles_cache = frozenset(roles)
    return user._roles_cache


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
