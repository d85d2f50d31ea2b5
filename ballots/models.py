"""Ballots: the paper (questions and options), the electorate frozen at the record date, and
the votes, kept in two tables that nothing joins.

For a secret ballot, `Participation` records who voted on which question (and how: online,
by proxy, in the room, by post) and `Contents` records what was voted, with the weight and
class the count needs. A contents row has a random id, no timestamp and no reference to
the elector; what ties a voter to their own contents is a receipt code that only the voter
holds (the row keeps its hash). A question asked as a recorded (named) vote keeps the
elector on the contents row instead."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from meetings.models import AgendaItem, Meeting, Rulebook
from membership.models import Member, StakeholderClass


class BallotKind(models.TextChoices):
    MEETING = "meeting", "Votes at a general meeting (online before it, and in the room)"
    STANDALONE = "standalone", "A ballot of the members"
    WRITTEN = "written", "A written resolution"


class BallotStatus(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    OPEN = "open", "Open for voting"
    # A close has begun: new votes are refused, the votes already being cast finish.
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"


class Ballot(models.Model):
    kind = models.CharField(max_length=20, choices=BallotKind.choices)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="ballots")
    title = models.CharField(max_length=200)
    record_date = models.DateField(help_text="The register on this date is the electorate.")
    rulebook = models.ForeignKey(Rulebook, on_delete=models.PROTECT, related_name="+",
                                 help_text="The rules the ballot is held and counted under.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=BallotStatus.choices,
                              default=BallotStatus.DRAFT)
    secret = models.BooleanField(default=True)
    change_allowed = models.BooleanField(
        default=True, help_text="A voter may change their vote until the ballot closes.")
    electorate_fingerprint = models.CharField(max_length=64, blank=True)
    electors_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # The count's claim (a worker holds it until then) and how many questions it has done.
    count_claimed_until = models.DateTimeField(null=True, blank=True)
    count_progress = models.PositiveSmallIntegerField(default=0)
    results_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="ballot_closes_after_it_opens")]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    RESOLUTION = "resolution", "Resolution (for, against, withheld)"
    FPTP = "fptp", "Election, first past the post"
    BLOCK = "block", "Election, a vote for each seat"
    STV = "stv", "Election, single transferable vote (rank the candidates)"


class Question(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True, help_text="The full text of the resolution.")
    resolution_type = models.CharField(max_length=30, blank=True)
    seats = models.PositiveSmallIntegerField(default=1)
    constituency = models.ForeignKey(StakeholderClass, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     help_text="Only electors of this class vote on it.")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="questions")
    recorded = models.BooleanField(default=False,
                                   help_text="A recorded (named) vote instead of a secret one.")

    class Meta:
        ordering = ["ballot", "position"]
        constraints = [models.UniqueConstraint(fields=["ballot", "position"],
                                               name="one_question_per_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Option(models.Model):
    """A candidate in an election."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "position"],
                                               name="one_option_per_position")]

    def __str__(self) -> str:
        return self.label


class Elector(models.Model):
    """One member on the roll, frozen when the ballot opened from the register at the
    record date: their class then and their weight under the voting basis."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    member_number = models.PositiveIntegerField()
    stakeholder_class = models.ForeignKey(StakeholderClass, on_delete=models.PROTECT,
                                          related_name="+")
    class_slug = models.CharField(max_length=60)
    weight = models.PositiveIntegerField()

    class Meta:
        ordering = ["ballot", "member_number"]
        constraints = [models.UniqueConstraint(fields=["ballot", "member"],
                                               name="one_entry_per_member_per_ballot")]

    def __str__(self) -> str:
        return f"{self.member_number} on ballot {self.ballot_id}"


class Channel(models.TextChoices):
    ONLINE = "online", "Online"
    PROXY = "proxy", "By proxy"
    ROOM = "room", "In the room"
    POSTAL = "postal", "By post"


class Participation(models.Model):
    """That an elector voted on a question, and how: never what they voted."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT,
                                 related_name="participations")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT,
                                related_name="participations")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The sealed answer (a secret question): the ciphertexts and their proofs, as
    # `ballots.crypto.answers.EncryptedAnswer.to_json()`, on the elector's paper.
    paper = models.ForeignKey("Paper", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="answers")
    sealed = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "elector"],
                                               name="one_vote_per_elector_per_question")]

    def __str__(self) -> str:
        return f"elector {self.elector_id} voted on question {self.question_id}"


class Contents(models.Model):
    """What was voted on one question by one voter: no elector (unless the question is a
    recorded vote), no time, and a random id, so no row can be put back in the order it
    was cast or tied to who cast it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="contents")
    class_slug = models.CharField(max_length=60)
    weight = models.PositiveIntegerField()
    choice = models.CharField(max_length=10, blank=True,
                              help_text="for, against or withheld (resolutions).")
    ranking = models.JSONField(default=list, blank=True,
                               help_text="Option ids in the order chosen (elections).")
    receipt_hash = models.CharField(max_length=64, help_text="SHA-256 of the voter's receipt.")
    elector = models.ForeignKey(Elector, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text="Recorded votes only.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "receipt_hash"],
                                               name="one_contents_per_receipt_per_question")]

    def __str__(self) -> str:
        return f"a vote on question {self.question_id}"


class CeremonyStage(models.TextChoices):
    NAMING = "naming", "Naming the trustees"
    KEYS = "keys", "Trustees making their keys"
    SHARES = "shares", "Trustees sharing their keys"
    FINISH = "finish", "Trustees checking their shares"
    COMPLETE = "complete", "The ballot key is complete"
    FAILED = "failed", "Failed: start again"


class KeyCeremony(models.Model):
    """The making of a ballot's key by its trustees: n trustees, any k of whom can decrypt
    the totals together. Only public parts are kept here: each trustee's commitments and
    proofs, the key shares they send each other (encrypted to the addressee), and their
    public key shares. The ballot does not open until the ceremony is complete."""

    ballot = models.OneToOneField(Ballot, on_delete=models.CASCADE,
                                  related_name="key_ceremony")
    threshold = models.PositiveSmallIntegerField(default=2, help_text="k: trustees needed to "
                                                 "count.")
    size = models.PositiveSmallIntegerField(default=3, help_text="n: trustees in all.")
    platform_share = models.BooleanField(
        default=False, help_text="The platform holds one share itself (a weaker promise).")
    context = models.CharField(max_length=100, unique=True,
                               help_text="Binds every proof of the ceremony to this ballot.")
    stage = models.CharField(max_length=10, choices=CeremonyStage.choices,
                             default=CeremonyStage.NAMING)
    public_key = models.CharField(max_length=64, blank=True)
    # The platform's own trustee secret (platform_share only), sealed with the site's key.
    platform_secret = models.BinaryField(null=True, blank=True)
    failed_because = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(threshold__gte=1) & Q(size__gte=models.F("threshold")) & Q(size__lte=9),
            name="ceremony_threshold_within_size")]

    def __str__(self) -> str:
        return f"key ceremony of {self.ballot}"


class Trustee(models.Model):
    """One holder of a share of a ballot's key."""

    ceremony = models.ForeignKey(KeyCeremony, on_delete=models.CASCADE,
                                 related_name="trustees")
    index = models.PositiveSmallIntegerField(help_text="1 to n, fixed for the ceremony.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="trusteeships")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    is_platform = models.BooleanField(default=False)
    is_officer = models.BooleanField(default=False,
                                     help_text="An officer when named (at least one is not).")
    public_file = models.JSONField(null=True, blank=True)
    shares_file = models.JSONField(null=True, blank=True)
    finish_file = models.JSONField(null=True, blank=True)
    public_share = models.CharField(max_length=64, blank=True)
    complaint = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["ceremony", "index"]
        constraints = [models.UniqueConstraint(fields=["ceremony", "index"],
                                               name="one_trustee_per_index")]

    def __str__(self) -> str:
        return f"trustee {self.index} ({self.name})"


class Paper(models.Model):
    """One elector's encrypted answers, cast together: the tracker is the hash of its
    ciphertexts. It names the elector; what they chose exists only encrypted under the
    ballot key, in their participations."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="papers")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="papers")
    tracker = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    def __str__(self) -> str:
        return f"paper {self.tracker[:8]}"


class RecordedVote(models.Model):
    """A vote on a question the rules call for as a recorded (named) vote: kept apart from
    the secret papers, in the clear, with the elector's name."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT,
                                 related_name="recorded_votes")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, blank=True)
    ranking = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "elector"],
                                               name="one_recorded_vote_per_elector")]

    def __str__(self) -> str:
        return f"recorded vote of elector {self.elector_id} on question {self.question_id}"


class ProxyHolder(models.TextChoices):
    CHAIR = "chair", "The chair of the meeting"
    NAMED = "named", "A person I name"


class ProxyAppointment(models.Model):
    """A member's appointment of a proxy for a meeting's ballot: the chair or a named
    person, with an instruction for each resolution (for, against, withheld, or the proxy
    decides). A paper appointment is recorded by the secretary."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="proxies")
    principal = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="proxies")
    holder = models.CharField(max_length=10, choices=ProxyHolder.choices)
    holder_name = models.CharField(max_length=200, blank=True)
    holder_email = models.EmailField(blank=True)
    instructions = models.JSONField(default=dict, blank=True,
                                    help_text="Question id -> for, against, withheld or "
                                              "discretion.")
    on_paper = models.BooleanField(default=False)
    appointed_at = models.DateTimeField()
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(max_length=200, blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)
    # The receipt of the votes the proxy cast, so that the principal's own vote can replace
    # them while the ballot is open. Cleared when the ballot closes.
    voted_receipt_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["appointed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["principal"],
                                               condition=Q(revoked_at__isnull=True),
                                               name="one_current_proxy_per_principal")]

    def __str__(self) -> str:
        return f"proxy for elector {self.principal_id}"

    @property
    def holder_label(self) -> str:
        return "The chair of the meeting" if self.holder == ProxyHolder.CHAIR else \
            self.holder_name


class ShowOfHands(models.Model):
    """The counts of a show of hands on a resolution at the meeting, as the chair declared
    them. A show of hands counts people present, one each, whatever the voting basis."""

    question = models.OneToOneField(Question, on_delete=models.PROTECT,
                                    related_name="show_of_hands")
    votes_for = models.PositiveIntegerField()
    votes_against = models.PositiveIntegerField()
    abstentions = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"show of hands on question {self.question_id}"


class PaperVote(models.Model):
    """A poll card in the room or a postal ballot paper that the secretary entered for an
    elector: the paper's own reference (the poll card or envelope number) and who entered
    it, so that the entry can be checked against the paper and disputed. One current entry
    per elector, and a reference is used once per ballot and channel. An entry made in
    error is withdrawn while the ballot is open, with its votes; the receipt of its votes
    is kept only for that, and cleared at close."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="paper_votes")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="paper_votes")
    channel = models.CharField(max_length=10, choices=[(Channel.ROOM, Channel.ROOM.label),
                                                       (Channel.POSTAL, Channel.POSTAL.label)])
    reference = models.CharField(max_length=40,
                                 help_text="The poll card or postal envelope number.")
    entered_at = models.DateTimeField()
    entered_by_id = models.BigIntegerField(null=True, blank=True)
    entered_by_label = models.CharField(max_length=254, blank=True)
    receipt_hash = models.CharField(max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_label = models.CharField(max_length=254, blank=True)
    withdrawn_because = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["entered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "channel", "reference"],
                                    condition=Q(withdrawn_at__isnull=True),
                                    name="one_entry_per_paper_reference"),
            models.UniqueConstraint(fields=["elector"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_current_paper_per_elector"),
        ]

    def __str__(self) -> str:
        return f"{'postal paper' if self.channel == Channel.POSTAL else 'poll card'} " \
            f"{self.reference}"


class SpoiltPaper(models.Model):
    """A poll card or postal ballot paper that could not be counted (unmarked, marked for
    too many, unclear, or from someone not on the roll), recorded so that the scrutineer's
    report can show the invalid papers beside the valid ones."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="spoilt_papers")
    channel = models.CharField(max_length=10, choices=[(Channel.ROOM, Channel.ROOM.label),
                                                       (Channel.POSTAL, Channel.POSTAL.label)])
    reason = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"spoilt paper on ballot {self.ballot_id}"


class QuestionResult(models.Model):
    """The count of one question, as the counting task stored it: the same whenever it
    runs again, with the rules and the roll it used."""

    question = models.OneToOneField(Question, on_delete=models.PROTECT, related_name="result")
    outcome = models.CharField(max_length=40)
    data = models.JSONField(help_text="Totals, classes, stages: the count's own report.")
    rulebook_version = models.PositiveIntegerField()
    electorate_fingerprint = models.CharField(max_length=64)
    counted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"result of question {self.question_id}: {self.outcome}"


class BundleStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    BUILDING = "building", "Being made"
    READY = "ready", "Ready"


class ScrutinyBundle(models.Model):
    """The scrutineer's signed bundle of a closed, counted ballot, made by a worker when
    someone asks for it: claimed with a lease (`claimed_until`) like the count, with its
    progress in steps, and kept once made so that every download hands out the same
    bytes (each download is audited with their hash)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="bundles")
    status = models.CharField(max_length=10, choices=BundleStatus.choices,
                              default=BundleStatus.QUEUED)
    requested_at = models.DateTimeField()
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"scrutiny bundle {self.pk} of ballot {self.ballot_id}"
