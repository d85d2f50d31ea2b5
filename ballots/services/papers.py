"""Poll cards in the room and postal ballot papers, entered by the secretary one elector at
a time. Each entry carries the paper's own reference (the poll card or envelope number)
and who entered it, so that it can be checked against the paper, shown to the member on
their ballot page, and listed in the scrutineer's report. An entry made in error (the
wrong member number, a paper that was not theirs) is withdrawn while the ballot is open:
its votes go with it and the member can vote.

Rules: a reference is letters, digits, spaces, `/` and `-`, at most 40 characters, and is
used once per ballot and channel (poll cards and envelopes are numbered apart); an
elector has one current paper entry; a member who has voted already (online, by proxy
or on paper) is refused, and a member's paper ends their proxy appointment, as their own
vote online does."""

import re

from django.db import IntegrityError
from django.utils import timezone

from governance.exceptions import DomainError
from governance.services import audit_record
from governance.transactions import atomic

from ..models import Ballot, Channel, Elector, PaperVote, Participation
from .casting import (
    Answer,
    VoteRefused,
    answers_checked,
    ballot_hold_open,
    proxy_give_way,
    vote_seal,
    votes_remove,
    votes_store,
)

PAPER_CHANNELS = (Channel.ROOM, Channel.POSTAL)
REFERENCE = re.compile(r"[A-Z0-9][A-Z0-9 /-]{0,39}")
WORDS = {Channel.ROOM: "poll card", Channel.POSTAL: "postal envelope"}


def reference_normal(reference: str) -> str:
    return " ".join(reference.upper().split())


def _label(actor) -> str:
    return (getattr(actor, "email", "") or "system")[:254]


def paper_vote_enter(*, actor, ballot: Ballot, elector: Elector, channel: str,
                     reference: str, answers: dict[int, Answer]) -> PaperVote:
    """Enter a poll card or postal paper for the elector, with its reference. Refused, with
    nothing stored, if the reference is missing or used already, the member has voted, or
    the ballot is not open."""
    if channel not in PAPER_CHANNELS:
        raise DomainError("A paper is a poll card in the room or a postal paper.",
                          field="channel")
    reference = reference_normal(reference)
    if not REFERENCE.fullmatch(reference):
        raise DomainError(f"Give the {WORDS[channel]} number printed on the paper (letters, "
                          "digits, spaces, / and -, up to 40).", field="reference")
    if elector.ballot_id != ballot.pk:
        raise DomainError("That member is not on the roll of this ballot.",
                          field="member_number")
    questions = answers_checked(ballot, elector, answers)
    vote = vote_seal(ballot, elector, answers, questions)
    try:
        with atomic():
            ballot = ballot_hold_open(ballot, channel=channel)
            used = PaperVote.objects.filter(ballot=ballot, channel=channel,
                                            reference=reference,
                                            withdrawn_at__isnull=True).first()
            if used is not None:
                raise DomainError(f"The {WORDS[channel]} {reference} is entered already, for "
                                  f"member {used.elector.member_number}.", field="reference")
            if PaperVote.objects.filter(elector=elector, withdrawn_at__isnull=True).exists() \
                    or Participation.objects.filter(elector=elector).exclude(
                        channel=Channel.PROXY).exists():
                raise VoteRefused("That member has already voted.", field="member_number")
            proxy_give_way(ballot=ballot, elector=elector)
            paper = PaperVote.objects.create(
                ballot=ballot, elector=elector, channel=channel, reference=reference,
                entered_at=timezone.now(), entered_by_id=getattr(actor, "pk", None),
                entered_by_label=_label(actor))
            votes_store(ballot=ballot, elector=elector, vote=vote, questions=questions,
                        channel=channel, actor=actor)
            audit_record(actor=actor, action="ballot.paper_entered", target=ballot, changes={
                "member_number": elector.member_number, "channel": channel,
                "reference": reference})
    except IntegrityError as exc:  # a second entry of the same paper or member, at once
        raise VoteRefused("That paper or that member has just been entered: check the list "
                          "of papers entered.", field="reference") from exc
    return paper


def paper_vote_withdraw(*, actor, paper: PaperVote, because: str) -> PaperVote:
    """Withdraw an entry made in error while the ballot is open: its participations and
    encrypted paper and participations are removed, and the member may vote."""
    because = " ".join(because.split())
    if not because:
        raise DomainError("Say why the entry is withdrawn.", field="because")
    with atomic():
        ballot = ballot_hold_open(paper.ballot, channel=paper.channel)
        paper = PaperVote.objects.select_for_update().select_related("elector").get(
            pk=paper.pk)
        if paper.withdrawn_at is not None:
            raise DomainError("This entry has already been withdrawn.")
        votes_remove(elector=paper.elector, channel=paper.channel)
        paper.withdrawn_at = timezone.now()
        paper.withdrawn_by_label = _label(actor)
        paper.withdrawn_because = because[:200]
        paper.save(update_fields=["withdrawn_at", "withdrawn_by_label", "withdrawn_because"])
        audit_record(actor=actor, action="ballot.paper_withdrawn", target=ballot, changes={
            "member_number": paper.elector.member_number, "channel": paper.channel,
            "reference": paper.reference, "because": paper.withdrawn_because})
    return paper
