from django.contrib import admin
from django.db import transaction

from accounts.models import User

from .services import audit_record

AUDITED_FIELDS = ("email", "full_name", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Accounts, for the site administrator. Every change is written to the audit log in
    the same transaction as the change."""

    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined", "password")
    exclude = ("user_permissions", "groups")

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            stored = User.objects.get(pk=obj.pk)
            before = {name: getattr(stored, name) for name in AUDITED_FIELDS}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {name: getattr(obj, name) for name in AUDITED_FIELDS}
            changed = {name: [before.get(name), value] for name, value in after.items()
                       if before.get(name) != value}
            audit_record(actor=request.user, action="account.changed_by_admin" if change
                         else "account.created_by_admin", target=obj, changes=changed)

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
