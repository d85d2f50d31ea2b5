"""Reads for ballots: the ballot paper, the voter's place on the roll, turnout. Nothing
here reads what anyone voted while a ballot is open."""

from django.db.models import Count, Prefetch

from membership.models import StakeholderClass

from .models import (
    Ballot,
    BallotStatus,
    Elector,
    Option,
    Participation,
    ProxyAppointment,
    Question,
    QuestionResult,
    SpoiltPaper,
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


def paper_votes(ballot: Ballot):
    """Every poll card and postal paper entered, current or withdrawn, with the elector."""
    from .models import PaperVote

    return PaperVote.objects.filter(ballot=ballot).select_related("elector")


def paper_vote(*, ballot: Ballot, pk: int):
    from .models import PaperVote

    return PaperVote.objects.filter(ballot=ballot, pk=pk).select_related(
        "ballot", "elector").first()


def paper_vote_current(elector: Elector):
    """The paper entered for this elector (a poll card or postal paper), if any."""
    return elector.paper_votes.filter(withdrawn_at__isnull=True).first()


def shows_of_hands(ballot: Ballot):
    from .models import ShowOfHands

    return ShowOfHands.objects.filter(question__ballot=ballot).select_related("question")


# --- Results ------------------------------------------------------------------------------


def results_of(ballot: Ballot) -> list:
    """The questions of a counted ballot, each with its stored result (`question.stored`),
    and for a two-stage resolution the result of the question that confirms it
    (`question.confirmation`, or None)."""
    questions = list(ballot_questions(ballot).select_related("agenda_item"))
    stored = {r.question_id: r for r in QuestionResult.objects.filter(question__ballot=ballot)}
    confirming = {}
    items = [q.agenda_item_id for q in questions if q.agenda_item_id]
    if items:
        for result in QuestionResult.objects.filter(
                question__agenda_item__confirms_id__in=items,
                question__ballot__results_published_at__isnull=False).select_related(
                    "question__agenda_item", "question__ballot__meeting"):
            confirming[result.question.agenda_item.confirms_id] = result
    voted = dict(Participation.objects.filter(question__ballot=ballot).values("question_id")
                 .annotate(n=Count("pk")).values_list("question_id", "n"))
    by_class = dict(Elector.objects.filter(ballot=ballot).values("stakeholder_class_id")
                    .annotate(n=Count("pk")).values_list("stakeholder_class_id", "n")) \
        if any(q.constituency_id for q in questions) else {}
    for question in questions:
        question.stored = stored.get(question.pk)
        question.confirmation = confirming.get(question.agenda_item_id)
        question.voted = voted.get(question.pk, 0)
        question.electors = by_class.get(question.constituency_id, 0) \
            if question.constituency_id else ballot.electors_count
    return questions


def question_of_ballot(*, ballot: Ballot, pk: int) -> Question | None:
    return Question.objects.filter(ballot=ballot, pk=pk).first()


def class_names() -> dict[str, str]:
    return dict(StakeholderClass.objects.values_list("slug", "name"))


def ballots_published_for_member(member) -> list[Ballot]:
    """Ballots whose roll the member was on and whose results are published."""
    if member is None:
        return []
    return list(Ballot.objects.filter(results_published_at__isnull=False,
                                      electors__member=member).order_by("-closed_at"))


def spoilt_papers(ballot: Ballot):
    return SpoiltPaper.objects.filter(ballot=ballot).order_by("recorded_at")


def count_progress(ballot: Ballot) -> dict:
    """The count's progress for the secretary's progress bar: questions counted of all."""
    total = ballot.questions.count()
    finished = ballot.counted_at is not None
    done = total if finished else min(ballot.count_progress, total)
    if finished:
        text = "Counted."
    elif ballot.status != BallotStatus.CLOSED:
        text = "The count starts when the ballot closes."
    elif ballot.count_stage == "trustees":
        text = (f"Waiting for the trustees: {count_trustees_in(ballot)} of "
                f"{ballot.key_ceremony.threshold} have decrypted the totals.")
    elif not ballot.count_stage and ballot.questions.filter(recorded=False).exists():
        text = "Adding up the encrypted papers."
    else:
        text = f"Counting: {done} of {total} question{'s' if total != 1 else ''} counted."
    return {"done": done, "total": total, "finished": finished, "text": text}


# --- Who a signed-in person votes for -----------------------------------------------------


def electors_for_user(*, ballot: Ballot, user) -> list[Elector]:
    """The places on the roll a signed-in person may vote for: their own, if their current
    entry is on it, then each organisation on it that they represent."""
    from membership.selectors import member_for_user

    own = elector_for(ballot=ballot, member=member_for_user(user=user))
    represented = Elector.objects.filter(ballot=ballot, member__representative_user=user
                                         ).select_related("member").order_by("member_number")
    if own is not None:
        represented = represented.exclude(pk=own.pk)
    return ([own] if own is not None else []) + list(represented)


def represents_a_member(*, user) -> bool:
    """Whether the person represents an organisation that is a member today."""
    from membership.models import Member

    return Member.objects.filter(representative_user=user, ceased_on__isnull=True).exists()


# --- The scrutineer's bundle ---------------------------------------------------------------


def scrutiny_bundle_latest(ballot: Ballot):
    """The bundle asked for last (being made, or made), without its bytes."""
    from .models import ScrutinyBundle

    return ScrutinyBundle.objects.filter(ballot=ballot).defer("content").first()


def scrutiny_bundle_of(*, ballot: Ballot, pk: int):
    from .models import ScrutinyBundle

    return ScrutinyBundle.objects.filter(ballot=ballot, pk=pk).select_related("ballot").first()


def bundle_progress(bundle) -> dict:
    """The bundle's progress for the scrutiny page's progress bar."""
    from .models import BundleStatus

    finished = bundle.status == BundleStatus.READY
    total = bundle.progress_total or 1
    done = total if finished else min(bundle.progress_done, total)
    if finished:
        text = "The bundle is ready."
    elif bundle.status == BundleStatus.QUEUED:
        text = "Waiting for a worker to make the bundle."
    else:
        text = f"Making the bundle: {done} of {total} steps done."
    return {"done": done, "total": total, "finished": finished, "text": text}


def is_trustee(user) -> bool:
    """A trustee while a ballot whose key they hold a share of is not yet counted."""
    from .models import Trustee

    return Trustee.objects.filter(user=user, ceremony__ballot__counted_at__isnull=True).exists()


def trusteeships(user) -> list:
    from .models import Trustee

    return list(Trustee.objects.filter(user=user).select_related("ceremony__ballot")
                .order_by("-ceremony__created_at"))


def trusteeship(user, pk: int):
    from .models import Trustee

    return Trustee.objects.filter(user=user, pk=pk).select_related("ceremony__ballot").first()


def key_ceremony(ballot):
    from .models import KeyCeremony

    return KeyCeremony.objects.filter(ballot=ballot).prefetch_related("trustees").first()


def count_trustees_in(ballot) -> int:
    """How many trustees' decryptions of the totals the count has accepted."""
    from .models import TrusteeCount, TrusteeCountKind

    return TrusteeCount.objects.filter(ballot=ballot, kind=TrusteeCountKind.TOTALS,
                                       accepted=True).count()

