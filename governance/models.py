from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.roles import APPOINTED_ROLES, Role


class LegalForm(models.TextChoices):
    COOPERATIVE_SOCIETY = "coop_society", "Co-operative society (registered society)"
    COMMUNITY_BENEFIT_SOCIETY = "cbs", "Community benefit society (registered society)"
    CIC_SHARES = "cic_shares", "Community interest company limited by shares"
    CIC_GUARANTEE = "cic_guarantee", "Community interest company limited by guarantee"
    COMPANY_GUARANTEE = "company_guarantee", "Company limited by guarantee"


SOCIETY_FORMS = frozenset({LegalForm.COOPERATIVE_SOCIETY, LegalForm.COMMUNITY_BENEFIT_SOCIETY})
COMPANY_FORMS = frozenset({LegalForm.CIC_SHARES, LegalForm.CIC_GUARANTEE,
                           LegalForm.COMPANY_GUARANTEE})
SHARE_FORMS = SOCIETY_FORMS | {LegalForm.CIC_SHARES}
CIC_FORMS = frozenset({LegalForm.CIC_SHARES, LegalForm.CIC_GUARANTEE})


class Organisation(models.Model):
    """The mutual that this installation serves (one per installation)."""

    name = models.CharField(max_length=200)
    legal_form = models.CharField(max_length=20, choices=LegalForm.choices)
    registration_number = models.CharField(max_length=40, blank=True)
    registered_office = models.TextField(blank=True)
    statutory_asset_lock = models.BooleanField(
        default=False,
        help_text="A CBS that has adopted the statutory restriction on use of assets "
        "(irreversible), or any CIC.",
    )
    withdrawals_suspended = models.BooleanField(
        default=False, help_text="The board has suspended withdrawals of share capital."
    )
    membership_ends_below_minimum = models.BooleanField(
        default=True,
        help_text="The rules end membership when a holding falls below the minimum.",
    )
    minimum_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minimum age for membership, where the rules set one."
    )
    spun_out_of = models.CharField(max_length=200, blank=True)
    spun_out_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def is_society(self) -> bool:
        return self.legal_form in SOCIETY_FORMS

    @property
    def is_company(self) -> bool:
        return self.legal_form in COMPANY_FORMS

    @property
    def has_share_capital(self) -> bool:
        return self.legal_form in SHARE_FORMS

    @property
    def is_cic(self) -> bool:
        return self.legal_form in CIC_FORMS

    @property
    def has_asset_lock(self) -> bool:
        return self.is_cic or self.statutory_asset_lock


class OfficerAppointment(models.Model):
    """An entry in the register of officers: who held which office, from when to when.
    Officer roles on the platform come from the appointments current today."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="appointments")
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in APPOINTED_ROLES])
    full_name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["role", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="appointment_ends_after_start",
            ),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(ended_on__isnull=True),
                                    name="one_open_appointment_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {Role(self.role).label}"


class AuditEvent(models.Model):
    """Append-only, hash-chained record of a state change.

    Each row's hash covers its own fields and the previous row's hash, so editing or
    deleting any row breaks the chain (`manage.py audit_verify`). No foreign keys: a row
    must never change, even when what it points at is deleted. On PostgreSQL a trigger
    also refuses UPDATE and DELETE."""

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"]),
                   models.Index(fields=["actor_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only and cannot be deleted.")


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Appends lock it, so the chain never
    forks, and it lets `audit_verify` notice rows removed from the end."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head at #{self.seq}"


class Heartbeat(models.Model):
    """Last time a periodic process (Celery beat, through a worker) was seen."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
