"""Proxies for a meeting's ballot: a member appoints the chair or a named person, directed
(for, against, withheld) on each resolution or at the proxy's discretion, by the deadline
the rules set in working hours before the meeting; revokes it by its deadline; the holder
votes for each principal as instructed. A paper appointment is recorded by the secretary.

A principal who attends the meeting (in person, online where online attendance counts,
or an organisation through its representative) overrides their proxy where the rules say
so, as their own vote does: the appointment ends and the proxy's votes for them are
removed, in the transaction that registers them present.

Lock order (as everywhere): the meeting row (attendance), the ballot row (FOR KEY SHARE
for a vote, FOR NO KEY UPDATE for an appointment), then the appointment, then the votes;
the audit chain last, at commit."""

import datetime as dt

from django.db import IntegrityError
from django.utils import timezone

from governance.exceptions import DomainError
from governance.formatting import long_date
from governance.selectors import organisation_get
from governance.services import audit_record
from governance.timing import proxy_deadlines
from governance.transactions import atomic
from meetings.rules import RulebookSettings
from meetings.selectors import settings_of

from ..models import (
    Ballot,
    BallotStatus,
    Channel,
    Elector,
    ProxyAppointment,
    ProxyHolder,
    QuestionKind,
)
from .casting import (
    CHOICES,
    Answer,
    VoteRefused,
    answers_checked,
    ballot_hold,
    ballot_hold_open,
    proxy_current_lock,
    proxy_end,
    vote_seal,
    votes_store,
)

DISCRETION = "discretion"


class ProxyRefused(DomainError):
    pass


def _rules(ballot: Ballot) -> RulebookSettings:
    settings = settings_of(ballot.rulebook)
    if ballot.meeting_id is None or not settings.proxies.allowed:
        raise ProxyRefused("The rules do not allow proxies for this vote.")
    return settings


def proxy_deadline(ballot: Ballot, *, revocation: bool = False) -> dt.datetime | None:
    settings = _rules(ballot)
    organisation = organisation_get()
    deadlines = proxy_deadlines(
        legal_form=organisation.legal_form, nation=organisation.nation,
        meeting_at=ballot.meeting.starts_at,
        appointment_hours=settings.proxies.appointment_deadline_hours,
        revocation_hours=settings.proxies.revocation_deadline_hours)
    return deadlines.revocation_deadline if revocation else deadlines.appointment_deadline


def _check_instructions(ballot: Ballot, settings: RulebookSettings,
                        instructions: dict[int, str]) -> dict[str, str]:
    questions = {q.pk: q for q in ballot.questions.all()}
    checked = {}
    for question_id, instruction in instructions.items():
        question = questions.get(int(question_id))
        if question is None:
            raise ProxyRefused("One of the questions is not on this ballot.")
        if instruction not in (*CHOICES, DISCRETION):
            raise ProxyRefused(f"Question {question.position}: tell your proxy to vote for, "
                               "against, withhold your vote, or decide.")
        if question.kind != QuestionKind.RESOLUTION and instruction != DISCRETION:
            raise ProxyRefused(f"Question {question.position}: in an election your proxy "
                               "votes as they decide.")
        if instruction == DISCRETION and not settings.proxies.discretionary:
            raise ProxyRefused("The rules allow only directed proxies: give an instruction "
                               f"on question {question.position}.")
        if instruction != DISCRETION and not settings.proxies.directed:
            raise ProxyRefused("The rules allow only discretionary proxies.")
        checked[str(question.pk)] = instruction
    for question in questions.values():
        checked.setdefault(str(question.pk), DISCRETION if settings.proxies.discretionary
                           else "withheld")
    return checked


def _holder_key(holder: str, email: str) -> dict:
    return {"holder": ProxyHolder.CHAIR} if holder == ProxyHolder.CHAIR else {
        "holder": ProxyHolder.NAMED, "holder_email__iexact": email}


def proxy_appoint(*, actor, ballot: Ballot, principal: Elector, holder: str,
                  holder_name: str = "", holder_email: str = "",
                  instructions: dict[int, str] | None = None,
                  on_paper: bool = False) -> ProxyAppointment:
    """Appoint a proxy (replacing the member's earlier appointment, if any)."""
    settings = _rules(ballot)
    if principal.ballot_id != ballot.pk:
        raise ProxyRefused("You are not on the roll of this ballot.")
    if holder not in ProxyHolder.values:
        raise ProxyRefused("Choose the chair or name your proxy.", field="holder")
    if holder == ProxyHolder.NAMED and not (holder_name.strip() and holder_email.strip()):
        raise ProxyRefused("Give your proxy's name and email address.", field="holder_name")
    checked = _check_instructions(ballot, settings, instructions or {})
    deadline = proxy_deadline(ballot)
    now = timezone.now()
    if deadline is not None and now > deadline:
        raise ProxyRefused(f"Proxy appointments had to arrive by "
                           f"{timezone.localtime(deadline):%H:%M} on "
                           f"{long_date(timezone.localdate(deadline))}.")
    with atomic():
        # FOR NO KEY UPDATE: appointments on the ballot wait for each other (the limit per
        # holder is counted under it) but not for the votes being cast, which hold the row
        # FOR KEY SHARE; a close waits for an appointment in flight.
        ballot = Ballot.objects.select_for_update(no_key=True).get(pk=ballot.pk)
        if ballot.status != BallotStatus.OPEN:
            raise ProxyRefused("Voting has closed.")
        if principal.participations.exists():
            raise ProxyRefused("You have voted already: a proxy can no longer vote for you.")
        current = ProxyAppointment.objects.select_for_update(of=("self",)).order_by("pk").filter(
            principal=principal, revoked_at__isnull=True).first()
        if current is not None:
            current.revoked_at, current.revoked_because = now, "replaced by a new appointment"
            current.save(update_fields=["revoked_at", "revoked_because"])
        limit = settings.proxies.max_per_holder
        if limit and ProxyAppointment.objects.filter(
                ballot=ballot, revoked_at__isnull=True,
                **_holder_key(holder, holder_email.strip())).count() >= limit:
            raise ProxyRefused(f"That proxy already acts for {limit} member"
                               f"{'s' if limit != 1 else ''}, the most the rules allow.",
                               field="holder")
        appointment = ProxyAppointment.objects.create(
            ballot=ballot, principal=principal, holder=holder,
            holder_name=holder_name.strip() if holder == ProxyHolder.NAMED else "",
            holder_email=holder_email.strip().lower() if holder == ProxyHolder.NAMED else "",
            instructions=checked, on_paper=on_paper, appointed_at=now,
            recorded_by_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="proxy.appointed", target=appointment, changes={
            "member_number": principal.member_number, "holder": holder,
            "holder_name": appointment.holder_name, "on_paper": on_paper,
            "directed": sorted(k for k, v in checked.items() if v != DISCRETION)})
        return appointment


def proxy_revoke(*, actor, appointment: ProxyAppointment) -> ProxyAppointment:
    deadline = proxy_deadline(appointment.ballot, revocation=True)
    now = timezone.now()
    if deadline is not None and now > deadline:
        raise ProxyRefused(f"A revocation had to arrive by {timezone.localtime(deadline):%H:%M}"
                           f" on {long_date(timezone.localdate(deadline))}.")
    with atomic():
        appointment = ProxyAppointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.revoked_at is not None:
            raise ProxyRefused("This appointment has already ended.")
        if appointment.voted_at is not None:
            raise ProxyRefused("Your proxy has voted already; vote yourself to replace it, "
                               "where the rules allow.")
        appointment.revoked_at, appointment.revoked_because = now, "revoked by the member"
        appointment.save(update_fields=["revoked_at", "revoked_because"])
        audit_record(actor=actor, action="proxy.revoked", target=appointment, changes={
            "member_number": appointment.principal.member_number})
        return appointment


def proxy_vote(*, actor, appointment: ProxyAppointment,
               answers: dict[int, Answer]) -> None:
    """The holder votes for one principal: as instructed on each directed question."""
    appointment.refresh_from_db()
    if appointment.revoked_at is not None:
        raise VoteRefused(f"This appointment has ended: {appointment.revoked_because}.")
    ballot, principal = appointment.ballot, appointment.principal
    for question_id, instruction in appointment.instructions.items():
        answer = answers.get(int(question_id))
        if instruction != DISCRETION and answer is not None and answer.choice != instruction:
            raise VoteRefused(f"You were told to vote {instruction} on question "
                              f"{ballot.questions.get(pk=question_id).position} for "
                              f"this member.")
        if instruction != DISCRETION and answer is None:
            answers[int(question_id)] = Answer(choice=instruction)
    questions = answers_checked(ballot, principal, answers)
    vote = vote_seal(ballot, principal, answers, questions)
    try:
        with atomic():
            ballot = ballot_hold_open(ballot, channel=Channel.PROXY)
            appointment = ProxyAppointment.objects.select_for_update().get(pk=appointment.pk)
            if appointment.revoked_at is not None:
                raise VoteRefused("This appointment has ended: "
                                  f"{appointment.revoked_because}.")
            if appointment.voted_at is not None:
                raise VoteRefused("You have already voted for this member.")
            votes_store(ballot=ballot, elector=principal, vote=vote, questions=questions,
                        channel=Channel.PROXY, actor=actor)
            appointment.voted_at = timezone.now()
            appointment.save(update_fields=["voted_at"])
    except IntegrityError as exc:
        raise VoteRefused("This member has voted already.") from exc


def proxies_end_on_attendance(*, actor, meeting, member, mode: str) -> None:
    """The member is registered present at the meeting (called by the attendance service,
    in its transaction, which holds the meeting row). Where the rules let a principal
    override their proxy, their appointment for each open ballot of the meeting ends, and
    any votes the proxy cast for them are removed, so that they vote themselves. Online
    attendance overrides only where it counts (a member the rules do not count as present
    cannot vote at the meeting, so keeps their proxy); attending by proxy does nothing."""
    from meetings.models import AttendanceMode

    if mode not in (AttendanceMode.IN_PERSON, AttendanceMode.REMOTE,
                    AttendanceMode.REPRESENTATIVE):
        return
    open_ballots = Ballot.objects.filter(meeting_id=meeting.pk, status=BallotStatus.OPEN)
    for ballot_id in open_ballots.order_by("pk").values_list("pk", flat=True):
        ballot = ballot_hold(ballot_id)
        if ballot.status != BallotStatus.OPEN:
            continue
        settings = settings_of(ballot.rulebook)
        if not settings.proxies.principal_overrides or (
                mode == AttendanceMode.REMOTE and not settings.remote_attendance_counts):
            continue
        elector = Elector.objects.filter(ballot=ballot, member_id=member.pk).first()
        appointment = proxy_current_lock(elector) if elector is not None else None
        if appointment is not None:
            proxy_end(ballot=ballot, elector=elector, appointment=appointment,
                      because="the member attended the meeting", actor=actor)


def proxies_held_by(*, ballot: Ballot, user):
    """The appointments the signed-in person holds on this ballot by name (their email
    address)."""
    return ProxyAppointment.objects.filter(
        ballot=ballot, revoked_at__isnull=True, holder=ProxyHolder.NAMED,
        holder_email__iexact=user.email).select_related("principal")


def proxies_held_by_chair(*, ballot: Ballot):
    """The appointments of the chair of the meeting on this ballot: for the chair's page,
    an officer page (two-factor)."""
    return ProxyAppointment.objects.filter(
        ballot=ballot, revoked_at__isnull=True, holder=ProxyHolder.CHAIR
    ).select_related("principal")
