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
    votes = models.BooleanField(default=True, help_text="Members of this class may vote.")
    share_classes = models.ManyToManyField("ShareClass", related_name="stakeholder_classes",
                                           blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "stakeholder classes"

    def __str__(self) -> str:
        return self.name


class ShareClass(models.Model):
    name = models.CharField(max_length=80, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    par_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1.00"),
                                    validators=[MinValueValidator(Decimal("0.01"))])
    value_per_share = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Written-down value per share, if the shares have been written down.",
    )
    min_holding = models.PositiveIntegerField(default=1, help_text="Minimum number of shares.")
    max_holding = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Maximum number of shares per member (1 means one member, one share).",
    )
    withdrawable = models.BooleanField(default=True)
    transferable = models.BooleanField(default=False)
    withdrawal_notice_days = models.PositiveIntegerField(default=90)
    max_interest_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True,
                                            blank=True, help_text="Percent a year.")
    withdrawals_suspended = models.BooleanField(default=False)

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

    @property
    def payout_per_share(self) -> Decimal:
        """Shares are repaid at par or at the written-down value, never above par."""
        if self.value_per_share is None:
            return self.par_value
        return min(self.par_value, self.value_per_share)


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


class Member(models.Model):
    """An entry in the register of members. Never deleted: a former member keeps the entry
    with `ceased_on` set."""

    member_number = models.PositiveIntegerField(unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="member")
    kind = models.CharField(max_length=20, choices=MemberKind.choices, default=MemberKind.PERSON)
    is_registered_society = models.BooleanField(
        default=False, help_text="The member is itself a registered society (no £100,000 cap)."
    )
    full_name = models.CharField(max_length=200)
    representative = models.CharField(max_length=200, blank=True,
                                      help_text="For an organisation, who represents it.")
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
        ]
        indexes = [
            models.Index(fields=["admitted_on", "ceased_on"]),
            models.Index(fields=["full_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (no. {self.member_number})"

    @property
    def is_current(self) -> bool:
        return self.ceased_on is None
