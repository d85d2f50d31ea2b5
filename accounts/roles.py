"""The roles people hold on the platform, the groups of roles that pages are open to, and
how to find a user's roles.

A user may hold several roles at once (a board member is usually also a member).
Officer roles come from the register of officers (governance.OfficerAppointment);
the member role from a current entry in the register of members; the site administrator
from `is_staff`. The site administrator runs the system (health, accounts, settings of the
installation); decisions about the register, meetings and votes belong to the secretary
and the board, so no group below that decides anything includes ADMIN."""

from collections.abc import Callable

from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    SECRETARY = "secretary", "Secretary"
    CHAIR = "chair", "Chair"
    BOARD = "board", "Board member"
    SCRUTINEER = "scrutineer", "Scrutineer"
    # Holds a share of a ballot's key until the ballot is counted (ballots' role source).
    TRUSTEE = "trustee", "Trustee of a ballot key"
    ADMIN = "admin", "Site administrator"


OFFICER_ROLES = frozenset({Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.SCRUTINEER,
                           Role.TRUSTEE, Role.ADMIN})
# Roles appointed through the register of officers (the site administrator is a flag on the user).
APPOINTED_ROLES = (Role.SECRETARY, Role.CHAIR, Role.BOARD, Role.SCRUTINEER)
# The offices that make someone a director: the board shown on the board page, and those
# who may retire by rotation at the AGM.
DIRECTOR_ROLES = (Role.CHAIR, Role.BOARD)

# Groups of roles, used by every `@access(...)` rule.
SECRETARY = (Role.SECRETARY,)
BOARD = (Role.SECRETARY, Role.CHAIR, Role.BOARD)  # the board and its secretary
AUDIT_READERS = (Role.SECRETARY, Role.CHAIR, Role.SCRUTINEER)
SCRUTINY = (Role.SCRUTINEER,)
TRUSTEES = (Role.TRUSTEE,)  # the trustees of ballot keys, on their own pages
CHAIR = (Role.CHAIR,)  # the chair of the meeting, voting the proxies held by the chair
SYSTEM = (Role.ADMIN,)
MEMBER = (Role.MEMBER,)


RoleSource = Callable[..., set[Role]]
_role_sources: list[RoleSource] = []


def role_source(source: RoleSource) -> RoleSource:
    """Register where some roles come from (`source(user=..., on=...)` returns them). The
    apps that hold the registers register their sources when they load: the register of
    officers (governance) and the register of members (membership)."""
    _role_sources.append(source)
    return source


def user_roles(user) -> frozenset[Role]:
    """Every role the user holds today; empty for anonymous users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    roles: set[Role] = set()
    if user.is_superuser or user.is_staff:
        roles.add(Role.ADMIN)
    for source in _role_sources:
        roles |= source(user=user, on=today)
    user._roles_cache = frozenset(roles)
    return user._roles_cache


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
