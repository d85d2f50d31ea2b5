from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q


class StakeholderClass(models.Model):
    """A class of members (staff, service users, community...). A member belongs to one
    class at a time; changes are kept in MemberClassPeriod."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    eligibility = models.TextField(help_text="Who may join this class, as the rules say.")
    share_classes = models.ManyToManyField("ShareClass", related_name="stakeholder_classes",
                                           blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "stakeholder classes"

    def __str__(self) -> str:
        return self.name


class VotingChange(models.Model):
    """A change, from a date, to what carries votes: kept as history so that a meeting can
    ask what was in force on its record date."""

    effective_from = models.DateField()
    minute_reference = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class StakeholderClassVoting(VotingChange):
    """From when a stakeholder class votes, or stops voting."""

    stakeholder_class = models.ForeignKey(StakeholderClass, on_delete=models.PROTECT,
                                          related_name="voting_history")
    votes = models.BooleanField()

    class Meta:
        ordering = ["stakeholder_class", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["stakeholder_class", "effective_from"],
                                               name="one_class_voting_change_a_day")]

    def __str__(self) -> str:
        return f"{self.stakeholder_class_id} votes={self.votes} from {self.effective_from}"


class ShareClass(models.Model):
    name = models.CharField(max_length=80, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    par_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1.00"),
                                    validators=[MinValueValidator(Decimal("0.01"))])
    min_holding = models.PositiveIntegerField(default=1, help_text="Minimum number of shares.")
    max_holding = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Maximum number of shares per member (1 means one member, one share).",
    )
    withdrawable = models.BooleanField(default=True)
    transferable = models.BooleanField(default=False)
    withdrawal_notice_months = models.PositiveSmallIntegerField(default=3)
    withdrawal_notice_days = models.PositiveSmallIntegerField(
        default=0, help_text="Added to the months of notice.")
    max_interest_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True,
                                            blank=True, help_text="Percent a year.")
    withdrawals_suspended = models.BooleanField(default=False)
    transfer_needs_board_approval = models.BooleanField(
        default=False, help_text="Each transfer needs the board's approval (a minute).")
    transfer_at_par_only = models.BooleanField(
        default=False, help_text="The transfer price is locked at par.")
    sale_notice_days = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="A member who stops being eligible (for example leaves employment) is "
                  "deemed to give notice to sell; after this many days the shares are "
                  "transferred or bought back at no more than their paid-up value.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "share classes"
        constraints = [
            models.CheckConstraint(
                condition=Q(max_holding__isnull=True) | Q(max_holding__gte=F("min_holding")),
                name="share_class_max_at_least_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def payout_per_share(self, on) -> Decimal:
        """Shares are repaid at par, or at the value the board last wrote them down to on
        or before `on`; never above par."""
        resolution = self.value_resolutions.filter(resolved_on__lte=on).order_by(
            "-resolved_on", "-id").first()
        if resolution is None:
            return self.par_value
        return min(self.par_value, resolution.value_per_share)


class ShareClassVoting(VotingChange):
    """From when shares of a class carry votes, or stop carrying them."""

    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="voting_history")
    carries_votes = models.BooleanField()

    class Meta:
        ordering = ["share_class", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["share_class", "effective_from"],
                                               name="one_share_voting_change_a_day")]

    def __str__(self) -> str:
        return f"{self.share_class_id} votes={self.carries_votes} from {self.effective_from}"


class ShareValueResolution(models.Model):
    """A board resolution writing shares down (or back up, never above par): the value a
    share is repaid at from the date of the resolution."""

    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="value_resolutions")
    value_per_share = models.DecimalField(max_digits=12, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0"))])
    resolved_on = models.DateField()
    minute_reference = models.CharField(max_length=100)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["share_class", "resolved_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(value_per_share__gte=0),
                                              name="share_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.share_class_id} at {self.value_per_share} from {self.resolved_on}"


class MemberKind(models.TextChoices):
    PERSON = "person", "Individual"
    ORGANISATION = "organisation", "Organisation"


class CessationReason(models.TextChoices):
    RESIGNED = "resigned", "Resigned"
    WITHDREW_ALL = "withdrew_all", "Withdrew all shares"
    BELOW_MINIMUM = "below_minimum", "Holding fell below the minimum"
    DIED = "died", "Died"
    EXPELLED = "expelled", "Expelled"
    DISSOLVED = "dissolved", "Organisation dissolved"
    SHARES_SOLD = "shares_sold", "Shares transferred or bought back after a notice to sell"


class Member(models.Model):
    """An entry in the register of members. Never deleted: a former member keeps the entry
    with `ceased_on` set."""

    member_number = models.PositiveIntegerField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
        help_text="The login. A former member who rejoins gets a new entry with the same "
                  "login; at most one entry per login is current.")
    kind = models.CharField(max_length=20, choices=MemberKind.choices, default=MemberKind.PERSON)
    society_registration_number = models.CharField(
        max_length=40, blank=True,
        help_text="For an organisation that says it is a registered society.")
    registered_society_confirmed_on = models.DateField(
        null=True, blank=True,
        help_text="When the board confirmed the member is a registered society (then the "
                  "£100,000 limit on withdrawable shares does not apply).")
    registered_society_minute = models.CharField(max_length=100, blank=True)
    full_name = models.CharField(max_length=200)
    representative = models.CharField(max_length=200, blank=True,
                                      help_text="For an organisation, who represents it.")
    representative_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="represents",
        help_text="For an organisation, the login of the person who represents it: they "
                  "vote for it.")
    address = models.TextField()
    email = models.EmailField(blank=True)
    email_purpose = models.CharField(
        max_length=200, blank=True,
        help_text="What the member agreed their email may be used for.",
    )
    date_of_birth = models.DateField(null=True, blank=True)
    stakeholder_class = models.ForeignKey(StakeholderClass, on_delete=models.PROTECT,
                                          related_name="members")
    admitted_on = models.DateField()
    ceased_on = models.DateField(null=True, blank=True)
    cessation_reason = models.CharField(max_length=20, choices=CessationReason.choices,
                                        blank=True)
    cessation_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ceased_on__isnull=True) | Q(ceased_on__gte=F("admitted_on")),
                name="member_ceases_after_admission",
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(ceased_on__isnull=True),
                                    name="one_current_entry_per_login"),
            models.CheckConstraint(
                condition=Q(registered_society_confirmed_on__isnull=True)
                | (Q(kind="organisation") & ~Q(society_registration_number="")),
                name="only_an_organisation_is_a_registered_society",
            ),
            models.CheckConstraint(
                condition=Q(representative_user__isnull=True) | Q(kind="organisation"),
                name="only_an_organisation_has_a_representative",
            ),
        ]
        indexes = [
            models.Index(fields=["admitted_on", "ceased_on"]),
            models.Index(fields=["full_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (no. {self.member_number})"

    @property
    def is_current(self) -> bool:
        """On the register today. Dated changes cannot be in the future, so this is the
        same as "on the register as at today" (membership.selectors)."""
        return self.ceased_on is None

    @property
    def is_registered_society(self) -> bool:
        return self.registered_society_confirmed_on is not None


class CommunicationConsent(models.Model):
    """A member's agreement to be sent notices and documents by email, at the address they
    notified (CA06 ss.1144-1148 and Sch.5; a society's rules). It ends when the member
    withdraws it or when mail to the address bounces; the member is then sent post."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consents")
    email = models.EmailField()
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "given_on"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(withdrawn_on__isnull=True),
                                    name="one_current_consent_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: email to {self.email} from {self.given_on}"


class MemberClassPeriod(models.Model):
    """Which stakeholder class a member was in, and when. Periods are half-open:
    [started_on, ended_on)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="class_periods")
    stakeholder_class = models.ForeignKey(StakeholderClass, on_delete=models.PROTECT,
                                          related_name="periods")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["member", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("started_on")),
                name="class_period_ends_after_start",
            ),
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True),
                                    name="one_open_class_period_per_member"),
            models.UniqueConstraint(fields=["member", "started_on"],
                                    name="one_class_period_starts_a_day"),
            # On PostgreSQL an exclusion constraint also refuses overlapping periods
            # (migration 0006), so the class on a date is never ambiguous.
        ]
        indexes = [models.Index(fields=["member", "started_on"]),
                   models.Index(fields=["stakeholder_class", "started_on"])]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.stakeholder_class_id} from {self.started_on}"


class TransactionKind(models.TextChoices):
    ALLOTMENT = "allotment", "Allotment"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    CANCELLATION = "cancellation", "Cancellation"
    FORFEITURE = "forfeiture", "Forfeiture"
    BUYBACK = "buyback", "Bought back"
    REVERSAL = "reversal", "Reversal of an entry"


class ShareTransaction(models.Model):
    """The share ledger: one row per movement, never changed or deleted. A mistake is
    corrected by a REVERSAL row pointing at the entry it undoes. Holdings are derived.

    `shares` and `paid_up` are signed (positive into the member's holding); `consideration`
    is the money that changed hands (paid in for an allotment, paid out for a withdrawal)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transactions")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="transactions")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    shares = models.IntegerField()
    paid_up = models.DecimalField(max_digits=14, decimal_places=2)
    consideration = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    effective_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    counterparty = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    certificate_number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(shares=0), name="ledger_row_moves_shares"),
            models.CheckConstraint(condition=Q(consideration__gte=0),
                                   name="ledger_consideration_not_negative"),
            models.CheckConstraint(
                condition=Q(kind__in=["allotment", "transfer_in"], shares__gt=0)
                | Q(kind__in=["withdrawal", "transfer_out", "cancellation", "forfeiture",
                              "buyback"], shares__lt=0)
                | Q(kind="reversal", reverses__isnull=False),
                name="ledger_sign_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["member", "effective_on"]),
                   models.Index(fields=["share_class", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.shares} on {self.effective_on}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Ledger entries cannot be changed; record a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries cannot be deleted; record a reversal instead.")


class Holding(models.Model):
    """A member's current holding in one share class: the sum of their ledger rows, kept
    in step by the share services under a row lock. The database refuses negatives."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="holdings")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="holdings")
    shares = models.IntegerField(default=0)
    paid_up = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "share_class"],
                                    name="one_holding_per_member_and_class"),
            models.CheckConstraint(condition=Q(shares__gte=0), name="holding_not_negative"),
            models.CheckConstraint(condition=Q(paid_up__gte=0),
                                   name="holding_paid_up_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.shares} × {self.share_class_id} for {self.member_id}"


class Counter(models.Model):
    """Gap-free numbers (member numbers, certificate numbers), taken under a row lock
    inside the transaction that uses them: a rolled-back admission uses no number."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHEQUE = "cheque", "Cheque"
    CASH = "cash", "Cash"
    CARD = "card", "Card"


class ApplicationStatus(models.TextChoices):
    AWAITING_EMAIL = "awaiting_email", "Waiting for the applicant to confirm their email"
    SUBMITTED = "submitted", "Waiting for the board"
    APPROVED = "approved", "Approved by the board"
    REJECTED = "rejected", "Rejected"
    ALLOTTED = "allotted", "Shares allotted"


class Application(models.Model):
    """An application for membership (a new member) or for more shares (an existing
    member). Shares are allotted only when the board has approved it and it is paid."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications",
                               help_text="Set for an existing member buying more shares.")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.AWAITING_EMAIL)
    kind = models.CharField(max_length=20, choices=MemberKind.choices, default=MemberKind.PERSON)
    is_registered_society = models.BooleanField(
        default=False, help_text="An organisation says it is itself a registered society.")
    society_registration_number = models.CharField(max_length=40, blank=True)
    registered_society_confirmed = models.BooleanField(
        default=False, help_text="The board checked the claim when it approved.")
    full_name = models.CharField(max_length=200)
    representative = models.CharField(max_length=200, blank=True)
    address = models.TextField()
    email = models.EmailField()
    date_of_birth = models.DateField(null=True, blank=True)
    stakeholder_class = models.ForeignKey(StakeholderClass, on_delete=models.PROTECT,
                                          related_name="applications")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="applications")
    shares = models.PositiveIntegerField()
    price_per_share = models.DecimalField(max_digits=12, decimal_places=2)
    rules_accepted = models.BooleanField(default=False)
    email_notices_accepted = models.BooleanField(
        default=False, help_text="The applicant agreed to be sent notices by email.")
    data_use_accepted = models.BooleanField(default=False)
    risk_accepted = models.BooleanField(default=False)
    email_token = models.CharField(max_length=64, unique=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_on = models.DateField(null=True, blank=True)
    minute_reference = models.CharField(max_length=100, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    refund_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    allotment = models.OneToOneField(ShareTransaction, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="application")

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="application_wants_shares"),
            models.CheckConstraint(
                condition=Q(is_registered_society=False)
                | (Q(kind="organisation") & ~Q(society_registration_number="")),
                name="only_an_organisation_claims_to_be_a_registered_society",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"Application {self.pk} from {self.full_name}"

    @property
    def amount_due(self) -> Decimal:
        return self.shares * self.price_per_share


class Payment(models.Model):
    """Money received for an application. One per application: a second submission of
    the same payment is refused by the unique constraint."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT,
                                       related_name="payment")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    received_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="payment_positive")]

    def __str__(self) -> str:
        return f"£{self.amount} by {self.get_method_display()} ({self.reference})"


class WithdrawalStatus(models.TextChoices):
    QUEUED = "queued", "Waiting"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class WithdrawalReason(models.TextChoices):
    REQUESTED = "requested", "Requested by the member"
    ON_LEAVING = "on_leaving", "Repayment on leaving"


class WithdrawalRequest(models.Model):
    """A request to withdraw shares, or the repayment owed to a member who has left. Paid
    first-in first-out once the notice period has passed, unless the board has suspended
    withdrawals; the board may pay part of it (pro rata), so it may be paid in several
    payments."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="withdrawals")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="withdrawals")
    shares = models.PositiveIntegerField()
    shares_paid = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=20, choices=WithdrawalReason.choices,
                              default=WithdrawalReason.REQUESTED)
    payee = models.CharField(max_length=200, blank=True,
                             help_text="Who is paid, when not the member (the estate).")
    requested_on = models.DateField()
    eligible_on = models.DateField()
    status = models.CharField(max_length=20, choices=WithdrawalStatus.choices,
                              default=WithdrawalStatus.QUEUED)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["eligible_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="withdrawal_wants_shares"),
            models.CheckConstraint(condition=Q(shares_paid__lte=F("shares")),
                                   name="withdrawal_paid_at_most_requested"),
        ]
        indexes = [models.Index(fields=["status", "eligible_on"])]

    def __str__(self) -> str:
        return f"Withdrawal of {self.shares} by {self.member_id}"

    @property
    def shares_outstanding(self) -> int:
        return self.shares - self.shares_paid

    def value_on(self, on) -> Decimal:
        return self.shares_outstanding * self.share_class.payout_per_share(on)


class WithdrawalBatch(models.Model):
    """One decision of the board to pay withdrawals: the date, the solvency confirmation
    and its minute, and how the queue was paid."""

    class Mode(models.TextChoices):
        IN_TURN = "in_turn", "Whole requests in turn, first in first out"
        PRO_RATA = "pro_rata", "The same share of every due request (pro rata)"

    paid_on = models.DateField()
    minute_reference = models.CharField(max_length=100)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_TURN)
    limit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    count = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-paid_on", "-id"]

    def __str__(self) -> str:
        return f"Withdrawals paid on {self.paid_on} ({self.minute_reference})"


class WithdrawalPayment(models.Model):
    """One payment against a withdrawal request, with its ledger entry."""

    request = models.ForeignKey(WithdrawalRequest, on_delete=models.PROTECT,
                                related_name="payments")
    batch = models.ForeignKey(WithdrawalBatch, on_delete=models.PROTECT,
                              related_name="payments")
    transaction = models.OneToOneField(ShareTransaction, on_delete=models.PROTECT,
                                       related_name="withdrawal_payment")
    shares = models.PositiveIntegerField()
    value_per_share = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField()

    class Meta:
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.shares} shares on {self.paid_on}"


class SaleNotice(models.Model):
    """A notice to sell shares (articles of a staff-owned company: leaving employment is a
    deemed notice). Once the notice period has passed the shares are transferred to an
    eligible person or bought back by the company at no more than their paid-up value."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TRANSFERRED = "transferred", "Transferred"
        BOUGHT_BACK = "bought_back", "Bought back"
        WITHDRAWN = "withdrawn", "Withdrawn"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="sale_notices")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT,
                                    related_name="sale_notices")
    shares = models.PositiveIntegerField()
    given_on = models.DateField()
    deemed = models.BooleanField(default=True,
                                 help_text="Given by the articles on an event, not by the member.")
    reason = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    minute_reference = models.CharField(max_length=100, blank=True)
    transaction = models.OneToOneField(ShareTransaction, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="sale_notice")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="sale_notice_has_shares"),
            models.UniqueConstraint(fields=["member", "share_class"],
                                    condition=Q(status="open"),
                                    name="one_open_sale_notice_per_holding"),
        ]

    def __str__(self) -> str:
        return f"Notice to sell {self.shares} shares by {self.member_id}"


class InspectionRequest(models.Model):
    """A request to inspect, or have a copy of, the register (logged for every request;
    for companies the 5-working-day deadline of CA06 s.117 applies)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLIED = "complied", "Complied with"
        REFUSED = "refused", "Refused (application to court)"

    requester_name = models.CharField(max_length=200)
    requester_address = models.TextField()
    is_member = models.BooleanField(default=False)
    purpose = models.TextField()
    disclosure = models.TextField(
        blank=True, help_text="Whether, and to whom, the information will be disclosed.")
    received_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"Inspection request from {self.requester_name} ({self.received_on})"


class ImportRun(models.Model):
    """A real import of a register, run by a Celery worker (large files take a while), and
    kept as a record of what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Nothing imported"

    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    content = models.BinaryField(blank=True, help_text="The file, kept until the run ends.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    applied_by_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import of {self.file_name} at {self.applied_at:%Y-%m-%d %H:%M}"
