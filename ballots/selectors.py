"""Reads for ballots: the ballot paper, the voter's place on the roll, turnout. Nothing
here reads what anyone voted while a ballot is open."""

from django.db.models import Count, Prefetch

from .models import (
    Ballot,
    BallotStatus,
    Elector,
    Option,
    Participation,
    ProxyAppointment,
    Question,
)


def ballot_get(pk: int) -> Ballot | None:
    return Ballot.objects.select_related("meeting", "rulebook").filter(pk=pk).first()


def ballot_questions(ballot: Ballot):
    return ballot.questions.select_related("constituency").prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position")))


def ballots_all():
    return Ballot.objects.select_related("meeting")


def ballot_of_meeting(meeting_id: int) -> Ballot | None:
    return Ballot.objects.filter(meeting_id=meeting_id).first()


def open_ballots_for_member(member) -> list[Ballot]:
    return list(Ballot.objects.filter(status=BallotStatus.OPEN, electors__member=member))


def elector_for(*, ballot: Ballot, member) -> Elector | None:
    if member is None:
        return None
    return elector_by_member_id(ballot=ballot, member_id=member.pk)


def elector_by_member_id(*, ballot: Ballot, member_id: int) -> Elector | None:
    return Elector.objects.filter(ballot=ballot, member_id=member_id).first()


def questions_voted(elector: Elector, *, own_only: bool = False) -> set[int]:
    """The questions the elector has voted on (`own_only`: not through their proxy)."""
    votes = Participation.objects.filter(elector=elector)
    if own_only:
        votes = votes.exclude(channel="proxy")
    return set(votes.values_list("question_id", flat=True))


def turnout(ballot: Ballot) -> list[dict]:
    """For each question: how many on the roll voted on it, by channel. Turnout only:
    what they voted is not read."""
    rows = (Participation.objects.filter(question__ballot=ballot)
            .values("question_id", "channel").annotate(n=Count("pk")))
    by_question: dict[int, dict[str, int]] = {}
    for row in rows:
        by_question.setdefault(row["question_id"], {})[row["channel"]] = row["n"]
    result = []
    for question in Question.objects.filter(ballot=ballot).order_by("position"):
        channels = by_question.get(question.pk, {})
        voted = sum(channels.values())
        result.append({"question": question, "voted": voted, "by_channel": channels,
                       "percent": round(100 * voted / ballot.electors_count, 1)
                       if ballot.electors_count else 0})
    return result


def proxy_current(elector: Elector) -> ProxyAppointment | None:
    return ProxyAppointment.objects.filter(principal=elector, revoked_at__isnull=True).first()


def proxy_appointment(*, pk: int, ballot_id: int) -> ProxyAppointment | None:
    return ProxyAppointment.objects.select_related("principal").filter(
        pk=pk, ballot_id=ballot_id).first()


def proxy_register(ballot: Ballot):
    """Every appointment, current or ended, for the proxy register report."""
    return ProxyAppointment.objects.filter(ballot=ballot).select_related(
        "principal").order_by("principal__member_number", "appointed_at")


def elector_by_number(*, ballot: Ballot, number: int) -> Elector | None:
    return Elector.objects.filter(ballot=ballot, member_number=number).first()


def shows_of_hands(ballot: Ballot):
    from .models import ShowOfHands

    return ShowOfHands.objects.filter(question__ballot=ballot).select_related("question")
