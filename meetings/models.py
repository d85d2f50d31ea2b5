"""General meetings: the rulebook in force, meetings and their agenda, notices and their
deliveries to every member, consents to short notice, attendance, and the board's
retirement by rotation."""

from django.db import models
from django.db.models import Q

from membership.models import Member, StakeholderClass


class Rulebook(models.Model):
    """One version of the society's rules or the company's articles, as the platform
    applies them: the settings of section G of the rules guide, each citing its clause.
    The version in force on a date is the one with the latest `effective_from` on or before
    it; a meeting pins the version in force on the day its notice is sent."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    preset = models.CharField(max_length=40, blank=True,
                              help_text="The preset the settings started from.")
    effective_from = models.DateField(unique=True)
    adopted_by = models.CharField(
        max_length=200, help_text="How it was adopted: the resolution or minute, and for a "
                                  "society the FCA's registration of the amendment.")
    settings = models.JSONField(help_text="meetings.rules.RulebookSettings, as JSON.")
    clauses = models.JSONField(default=dict, blank=True,
                               help_text="Setting name -> the clause it comes from.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version}, from {self.effective_from})"


class MeetingKind(models.TextChoices):
    AGM = "agm", "Annual general meeting"
    GENERAL = "general", "General meeting"
    CLASS = "class", "Class meeting"


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    NOTICE_SENT = "notice_sent", "Notice sent"
    OPEN = "open", "In session"
    ADJOURNED = "adjourned", "Adjourned"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.TextField(blank=True, help_text="Where people meet in person.")
    online_url = models.URLField(blank=True, help_text="Where people join online.")
    online_details = models.TextField(blank=True)
    constituency = models.ForeignKey(StakeholderClass, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="class_meetings",
                                     help_text="For a class meeting: the class.")
    record_date = models.DateField(
        help_text="Who is on the register on this date is entitled to attend and vote.")
    rulebook = models.ForeignKey(Rulebook, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="meetings",
                                 help_text="The rules in force when the notice was sent.")
    status = models.CharField(max_length=20, choices=MeetingStatus.choices,
                              default=MeetingStatus.DRAFT)
    adjourned_from = models.OneToOneField("self", null=True, blank=True,
                                          on_delete=models.PROTECT,
                                          related_name="adjourned_to")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="class", constituency__isnull=False) | ~Q(kind="class"),
                name="class_meeting_has_a_class"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.starts_at:%d %B %Y}"


class ItemKind(models.TextChoices):
    RESOLUTION = "resolution", "Resolution"
    ELECTION = "election", "Election"
    REPORT = "report", "Report or accounts"
    OTHER = "other", "Other business"


class ResolutionType(models.TextChoices):
    ORDINARY = "ordinary", "Ordinary resolution"
    SPECIAL = "special", "Special resolution"
    EXTRAORDINARY = "extraordinary", "Extraordinary resolution"
    RULE_AMENDMENT = "rule_amendment", "Amendment of the rules"
    AMALGAMATION = "amalgamation", "Amalgamation with another society"
    TRANSFER_OF_ENGAGEMENTS = "transfer_of_engagements", "Transfer of engagements"
    CONVERSION = "conversion", "Conversion into a company"
    DISSOLUTION = "dissolution", "Dissolution"


class ElectionMethod(models.TextChoices):
    FPTP = "fptp", "First past the post"
    BLOCK = "block", "Block vote"
    STV = "stv", "Single transferable vote"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="The general nature of the business.")
    resolution_type = models.CharField(max_length=30, choices=ResolutionType.choices,
                                       blank=True)
    resolution_text = models.TextField(blank=True, help_text="The full text of the resolution.")
    confirms = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="confirmed_by",
        help_text="A society's two-stage resolution: the first-stage item this confirms.")
    seats = models.PositiveSmallIntegerField(null=True, blank=True)
    election_method = models.CharField(max_length=10, choices=ElectionMethod.choices,
                                       blank=True)
    constituency = models.ForeignKey(StakeholderClass, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="elections",
                                     help_text="Only this class stands and votes.")
    nominations_open = models.DateField(null=True, blank=True)
    nominations_close = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What the meeting decided (minutes).")

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="one_item_a_position"),
            models.CheckConstraint(
                condition=~Q(kind="resolution") | ~Q(resolution_type=""),
                name="a_resolution_has_a_type"),
            models.CheckConstraint(
                condition=~Q(kind="election") | (Q(seats__gt=0) & ~Q(election_method="")),
                name="an_election_has_seats_and_a_method"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Candidate(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="candidacies")
    statement = models.TextField(blank=True)
    nominated_on = models.DateField()

    class Meta:
        ordering = ["item", "name"]
        constraints = [models.UniqueConstraint(fields=["item", "name"],
                                               name="a_candidate_stands_once")]

    def __str__(self) -> str:
        return self.name


class MeetingDocument(models.Model):
    """A paper for the meeting (the accounts, a report), sent with the notice."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="meetings/%Y/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "uploaded_at"]

    def __str__(self) -> str:
        return self.title


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"


class Notice(models.Model):
    """The notice of a meeting (or of its adjournment), composed from the meeting and sent
    to every member on the register on the day it is sent: by email to those who agreed to
    electronic communication, by post to everyone else."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Notice of the meeting"
        ADJOURNED = "adjourned", "Notice of the adjourned meeting"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEETING)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="The text of the notice, as sent.")
    status = models.CharField(max_length=20, choices=NoticeStatus.choices,
                              default=NoticeStatus.DRAFT)
    mailing = models.OneToOneField("governance.Mailing", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="notice")
    sent_at = models.DateTimeField(null=True, blank=True,
                                   help_text="When sending started.")
    register_date = models.DateField(null=True, blank=True,
                                     help_text="The register it was sent to, as at.")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    POST = "post", "Post"


class NoticeDelivery(models.Model):
    """One notice to one member: by email through the outbox, or in a postal batch. The
    deemed delivery time is worked out from when it was sent (48 working hours)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="deliveries")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="notices")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.TextField(help_text="The email or postal address used.")
    delivery = models.OneToOneField("governance.Delivery", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="notice_delivery")
    postal_batch = models.ForeignKey("PostalBatch", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="letters")
    sent_at = models.DateTimeField(null=True, blank=True)
    deemed_delivered_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by",
                                    help_text="A letter sent because the email bounced.")

    class Meta:
        ordering = ["notice", "member"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "member"],
                                    condition=Q(replaces__isnull=True),
                                    name="one_notice_per_member"),
        ]
        indexes = [models.Index(fields=["notice", "channel"])]

    def __str__(self) -> str:
        return f"{self.notice_id} to {self.member_id} by {self.channel}"


class PostalBatch(models.Model):
    """Letters for members who get notices by post: one PDF of addressed letters and a CSV
    for a mail house. Posting the batch is recorded by the secretary."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="postal_batches")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Postal batch {self.pk} for notice {self.notice_id}"


class ShortNoticeConsent(models.Model):
    """A member's agreement to a meeting being held on shorter notice (CA06 s.307(4)-(6);
    a society only where its rules allow)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT,
                                related_name="short_notice_consents")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    consented_on = models.DateField()
    how = models.CharField(max_length=200, help_text="Signed letter, email, ...")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="one_consent_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} agrees to short notice of {self.meeting_id}"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    REMOTE = "remote", "Online"
    PROXY = "proxy", "By proxy"
    REPRESENTATIVE = "representative", "By its representative"


class Attendance(models.Model):
    """A member present at the meeting, once however many ways they arrive (two proxies
    of the same member do not make two)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendance")
    mode = models.CharField(max_length=20, choices=AttendanceMode.choices)
    proxy_name = models.CharField(max_length=200, blank=True,
                                  help_text="Who attends for the member.")
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "arrived_at"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="attends_once")]

    def __str__(self) -> str:
        return f"{self.member_id} at {self.meeting_id} ({self.mode})"


class RotationDraw(models.Model):
    """Who retires by rotation at an AGM: one third of the directors (the number nearest
    one third), longest in office first, ties broken by a lot drawn with a recorded seed."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="rotation")
    seed = models.CharField(max_length=64)
    directors = models.JSONField(help_text="Every director considered, with service start.")
    retiring = models.JSONField(help_text="Appointment ids retiring, in order.")
    lot_drawn = models.BooleanField(default=False)
    drawn_at = models.DateTimeField(auto_now_add=True)
    drawn_by_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Retirement by rotation at {self.meeting_id}"


class ReservedSeats(models.Model):
    """Board seats that the rules reserve for a class of members (elected by and from that
    class)."""

    stakeholder_class = models.OneToOneField(StakeholderClass, on_delete=models.PROTECT,
                                             related_name="reserved_seats")
    seats = models.PositiveSmallIntegerField()
    clause = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "reserved seats"

    def __str__(self) -> str:
        return f"{self.seats} seats for {self.stakeholder_class_id}"
