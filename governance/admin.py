"""The Django admin, for the site administrator: accounts, and a read-only view of the
addresses and two-factor devices behind them. Every change is written to the audit log in
the same transaction as the change.

The site administrator runs the system; they cannot take over a member's login. They
cannot set anyone's email address or password (an address changes only when its new
owner confirms it: the member on their account's email page, or through the secretary,
`membership.services.members.member_login_email_change`), mark an address verified, or
add a two-factor device. Giving someone administrator rights asks for their own password
(or authenticator code) again first."""

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.db import transaction

from accounts.models import User

from .services import audit_record

AUDITED_FIELDS = ("email", "full_name", "is_active", "is_staff", "is_superuser")
ADMIN_RIGHTS = ("is_staff", "is_superuser")


def _grants_admin_rights(request, object_id) -> bool:
    """Does this request give someone administrator rights they do not have?"""
    if request.method != "POST":
        return False
    stored = User.objects.filter(pk=object_id).first() if object_id else None
    return any(request.POST.get(flag) and not getattr(stored, flag, False)
               for flag in ADMIN_RIGHTS)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    exclude = ("user_permissions", "groups")

    def get_readonly_fields(self, request, obj=None):
        # A new account gets its address; an existing one keeps it (and nobody here sets
        # a password: the person sets their own through the link they are sent).
        fixed = ("last_login", "date_joined", "password")
        return ("email", *fixed) if obj is not None else fixed

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        view = reauthentication_required(
            super().changeform_view,
            enabled=lambda request: _grants_admin_rights(request, object_id))
        return view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            stored = User.objects.get(pk=obj.pk)
            before = {name: getattr(stored, name) for name in AUDITED_FIELDS}
        else:
            obj.email = obj.email.strip().lower()
            obj.set_unusable_password()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {name: getattr(obj, name) for name in AUDITED_FIELDS}
            changed = {name: [before.get(name), value] for name, value in after.items()
                       if before.get(name) != value}
            granted = any(after[flag] and not before.get(flag) for flag in ADMIN_RIGHTS)
            action = ("account.admin_rights_granted" if granted
                      else "account.changed_by_admin" if change
                      else "account.created_by_admin")
            audit_record(actor=request.user, action=action, target=obj, changes=changed)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="account.deleted_by_admin", target=obj,
                         changes={"email": obj.email})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, action="account.deleted_by_admin",
                             target=obj, changes={"email": obj.email})
            super().delete_queryset(request, queryset)


class ReadOnly:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# allauth's own admin pages would let the site administrator add an address to anyone's
# account, mark it verified and reset the password to it, or add a device with a secret
# they chose: they are replaced by read-only ones.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("email", "user", "primary", "verified")
    list_filter = ("primary", "verified")
    search_fields = ("email", "user__email", "user__full_name")
    actions = None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnly, admin.ModelAdmin):
    """Two-factor devices, without their secrets. Removing one (a lost phone) is the only
    change: the person then sets up a new one, which asks for their password."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    fields = ("user", "type", "created_at", "last_used_at")
    search_fields = ("user__email",)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="account.mfa_removed_by_admin",
                         target=obj.user, changes={"type": obj.type})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.select_related("user"):
                audit_record(actor=request.user, action="account.mfa_removed_by_admin",
                             target=obj.user, changes={"type": obj.type})
            super().delete_queryset(request, queryset)
