"""Every view declares who may use it with `@access(...)`.

The role table test (tests/test_access_table.py) walks every URL of the platform and fails
when a view has no declaration, so a new view cannot be added without a rule."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from .roles import OFFICER_ROLES, user_has_mfa, user_roles

PUBLIC = "public"
SIGNED_IN = "signed-in"


def access(*allowed: str) -> Callable:
    """Allow a view to PUBLIC, to anyone SIGNED_IN, or to the given roles.

    Anonymous visitors are sent to the login page; signed-in users without a matching role
    get 403. Officer roles count only for a user who has set up two-factor
    authentication, whatever other roles they hold. The roles that let the request in are
    `request.granted_roles`: views decide what to show and allow from those alone."""
    if not allowed:
        raise ValueError("access() needs at least one rule")
    allowed_set = frozenset(allowed)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if PUBLIC in allowed_set:
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                login = reverse("account_login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if SIGNED_IN in allowed_set:
                # Open to anyone signed in; a view that also offers something to a role
                # reads it from `granted_roles`, where officer roles need two-factor too.
                request.granted_roles = roles_that_count(request.user)
                return view(request, *args, **kwargs)
            granted = user_roles(request.user) & allowed_set
            if not granted:
                raise PermissionDenied("Your role does not give access to this page.")
            if granted & OFFICER_ROLES and not user_has_mfa(request.user):
                # A request may use an officer role only with two-factor authentication.
                # Someone who is also a member goes on as a member alone; an officer with
                # no other way in is sent to set it up.
                granted = granted - OFFICER_ROLES
                if not granted:
                    messages.warning(
                        request,
                        "Officers must set up two-factor authentication before they can use "
                        "officer pages. Scan the code with an authenticator app to continue.",
                    )
                    return redirect(f"{reverse('mfa_activate_totp')}?"
                                    f"{urlencode({'next': request.get_full_path()})}")
            request.granted_roles = granted
            return view(request, *args, **kwargs)

        wrapper.access_rule = allowed_set
        return wrapper

    return decorator


def roles_that_count(user) -> frozenset:
    """The user's roles that a request may use: officer roles only with two-factor."""
    roles = user_roles(user)
    if roles & OFFICER_ROLES and not user_has_mfa(user):
        roles = roles - OFFICER_ROLES
    return roles


def acting_as(request, *roles: str) -> bool:
    """Did this request get in through one of these roles?"""
    return bool(getattr(request, "granted_roles", frozenset()) & set(roles))
