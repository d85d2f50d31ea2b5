from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from accounts.access import access
from accounts.roles import Role, user_has_mfa


def _admin_has_permission(request) -> bool:
    """The Django admin is for site administrators who have set up two-factor
    authentication, like every other officer page."""
    user = request.user
    return user.is_active and user.is_staff and user_has_mfa(user)


@access(Role.ADMIN)
def admin_login(request, extra_context=None):
    # Sign-in happens through allauth (rate limits, MFA); reaching here means it succeeded.
    return redirect("admin:index")


def admin_password_change(request, extra_context=None):
    # One's own password changes on allauth's page (which asks for it first and tells the
    # account's address); nobody changes another person's password.
    return redirect("account_change_password")


admin.site.has_permission = _admin_has_permission
admin.site.login = admin_login
admin.site.password_change = admin_password_change
admin.site.site_header = "Site administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("governance.urls")),
    path("", include("membership.urls")),
    path("", include("meetings.urls")),
    path("", include("ballots.urls")),
]

handler400 = "governance.views.error_400"
handler403 = "governance.views.error_403"
handler404 = "governance.views.error_404"
handler500 = "governance.views.error_500"
