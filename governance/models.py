from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.roles import APPOINTED_ROLES, Role

from .calendar import Nation


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


class AssetLock(models.TextChoices):
    NONE = "none", "No asset lock"
    STATUTORY = "statutory", "Statutory restriction on use of assets (community benefit society)"
    CIC = "cic", "Community interest company asset lock"
    RULES = "rules", "Asset lock in the rules (co-operative)"


class Organisation(models.Model):
    """The mutual that this installation serves (one per installation)."""

    name = models.CharField(max_length=200)
    legal_form = models.CharField(max_length=20, choices=LegalForm.choices)
    registration_number = models.CharField(max_length=40, blank=True)
    registered_office = models.TextField(blank=True)
    nation = models.CharField(
        max_length=20, choices=Nation.choices, default=Nation.ENGLAND_WALES,
        help_text="Whose bank holidays count when working days are counted.")
    incorporated_on = models.DateField(null=True, blank=True)
    asset_lock = models.CharField(
        max_length=20, choices=AssetLock.choices, default=AssetLock.NONE,
        help_text="A community benefit society's statutory lock can never be removed; a "
        "CIC's lock lasts while it is a CIC.")
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
        return self.asset_lock != AssetLock.NONE

    @property
    def statutory_asset_lock(self) -> bool:
        return self.asset_lock == AssetLock.STATUTORY


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


class AuditCheckpoint(models.Model):
    """The point of the audit chain the last passing check reached (its sequence number and
    hash): a quick check starts there and reads only the rows written since. The single
    row has pk 1. A full check that fails records the problem here, and every quick check
    reports it until a full check passes again."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    full_verified_at = models.DateTimeField(null=True, blank=True,
                                            help_text="When the whole chain last passed.")
    problem = models.CharField(max_length=300, blank=True)
    problem_seq = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain verified to #{self.seq}"


class Heartbeat(models.Model):
    """Last time a periodic process (Celery beat, through a worker) was seen."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Mailing(models.Model):
    """A group of deliveries sent together (invitations to imported members; later, the
    notice of a meeting), so that their progress can be shown."""

    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    total = models.PositiveIntegerField(default=0)
    selection = models.JSONField(default=dict, blank=True,
                                 help_text="Who the mailing is for, as chosen.")
    prepared_at = models.DateTimeField(
        null=True, blank=True, help_text="When every delivery of the mailing was queued.")
    retry_until = models.DateTimeField(
        null=True, blank=True, help_text="Until when an email of the mailing that meets a "
        "temporary failure is tried again (unset: the outbox's window from when it was "
        "queued).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"
    BOUNCED = "bounced", "Bounced"


class Delivery(models.Model):
    """One email to one person: every email of the platform goes through this outbox.

    `key` names what the email is for (for example "welcome:application:12"), so queueing
    it twice makes one row. A worker claims a row with a lease before sending; a sweep
    by Celery beat sends again what was claimed and never finished (the lease ran out) or
    never reached a worker."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=40)
    mailing = models.ForeignKey(Mailing, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="deliveries")
    to_email = models.EmailField()
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True,
                                         help_text="When a task was last sent to a worker.")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True,
                             help_text="Which worker's claim holds the lease.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="After a temporary failure: not tried again before.")
    retry_until = models.DateTimeField(
        null=True, blank=True, help_text="Temporary failures are tried again until then; "
        "after it the email has failed.")
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    gave_up = models.BooleanField(
        default=False, help_text="Failed because its retry window closed (the mail server "
        "could not take it in time), not because the address was refused.")

    class Meta:
        ordering = ["queued_at", "id"]
        indexes = [models.Index(fields=["status", "dispatched_at"]),
                   models.Index(fields=["mailing", "status"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.get_status_display().lower()})"


class DecisionKind(models.TextChoices):
    SHARE_PAYOUT = "share_payout", "Repayment or buy-back of shares"
    DIVIDEND = "dividend", "Dividend"
    INTEREST = "interest", "Interest on shares or loans"
    ASSET_TRANSFER = "asset_transfer", "Transfer or sale of assets"
    AMENDMENT = "amendment", "Amendment of the rules or articles"
    DISSOLUTION = "dissolution", "Distribution on dissolution"
    CONVERSION = "conversion", "Conversion, amalgamation or transfer of engagements"


class AssetLockDecision(models.Model):
    """One decision of the asset-lock gate: what was proposed, under which lock, whether it
    may take effect, and why. Append-only."""

    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    facts = models.JSONField(help_text="What was proposed, as entered.")
    lock = models.CharField(max_length=20, choices=AssetLock.choices)
    allowed = models.BooleanField()
    basis = models.CharField(max_length=100)
    reason = models.TextField()
    citation = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)
    proposed_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'allowed' if self.allowed else 'blocked'}"
