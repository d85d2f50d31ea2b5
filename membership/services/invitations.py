"""Accounts for members who have none (an imported register has no logins): the secretary
invites all of them, or some, and a worker makes the accounts and sends each invitation
once, through the outbox, with progress shown on the mailing's page."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.exceptions import DomainError
from governance.models import Delivery, Mailing
from governance.outbox import deliveries_queue_many
from governance.services import audit_record
from governance.transactions import atomic, queue_after_commit, task_send

from ..models import Member

CHUNK = 500


def members_without_login():
    """Current members with an email address and no login: who can be invited."""
    return Member.objects.filter(ceased_on__isnull=True, user__isnull=True).exclude(email="")


def member_invitations_start(*, actor, member_ids: list[int] | None = None) -> Mailing:
    """Start inviting members (all who have no login, or those chosen). The accounts are
    made and the emails sent by a worker."""
    chosen = members_without_login()
    if member_ids is not None:
        chosen = chosen.filter(pk__in=member_ids)
    count = chosen.count()
    if count == 0:
        raise DomainError("Choose at least one member who has an email address and no login.",
                          field="members")
    with atomic():
        mailing = Mailing.objects.create(
            kind="invitations", title=f"Invitations to {count:,} members",
            created_by_id=getattr(actor, "pk", None),
            selection={"member_ids": member_ids} if member_ids is not None else {"all": True})
        audit_record(actor=actor, action="members.invitations_started", target=mailing,
                     changes={"members": count, "chosen": member_ids is not None})
        from ..tasks import member_invitations_prepare_task

        queue_after_commit(member_invitations_prepare_task, mailing.pk)
        return mailing


def member_invitations_resume(*, now: dt.datetime | None = None,
                              older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Invitations whose preparation never ran or stopped half way (the broker was down, a
    worker died): hand them to a worker again (beat, every minute). A copy that finds the
    mailing being prepared leaves it. Returns how many were handed over."""
    from ..tasks import member_invitations_prepare_task

    now = now or timezone.now()
    stuck = list(Mailing.objects.filter(kind="invitations", prepared_at__isnull=True,
                                        created_at__lt=now - older_than)
                 .values_list("pk", flat=True))
    for mailing_id in stuck:
        if not task_send(member_invitations_prepare_task, mailing_id):
            return 0  # the broker is still down: the next sweep tries again
    return len(stuck)


def member_invitations_prepare(*, mailing_id: int) -> int:
    """Make an account for each chosen member and queue their invitation, a chunk at a
    time (each chunk one transaction). Safe to run twice: members who already have a
    login are not chosen again, and each invitation has one delivery row."""
    mailing = Mailing.objects.get(pk=mailing_id)
    actor = get_user_model().objects.filter(pk=mailing.created_by_id).first()
    chosen = members_without_login().order_by("pk")
    if not mailing.selection.get("all"):
        chosen = chosen.filter(pk__in=mailing.selection.get("member_ids") or [])
    linked = 0
    while True:
        with atomic():
            # One preparer at a time: a second copy of the task leaves the work to the first.
            if not Mailing.objects.select_for_update(skip_locked=True).filter(
                    pk=mailing_id, prepared_at__isnull=True).exists():
                return linked
            batch = list(chosen.select_for_update(skip_locked=True)[:CHUNK])
            if not batch:
                break
            users = _accounts_for(batch)
            items = []
            for member in batch:
                user = users.get(member.email.lower())
                if user is None:
                    continue
                member.user = user
                items.append((f"invitation:user:{user.pk}", user.email,
                              {"user_id": user.pk, "reason": "You are a member; this is "
                                                             "your login."}))
            Member.objects.bulk_update([m for m in batch if m.user_id], ["user"])
            deliveries_queue_many(kind="invitation", mailing=mailing, items=items)
            audit_record(actor=actor, action="members.invited", target=mailing, changes={
                "member_numbers": [m.member_number for m in batch if m.user_id]})
            linked += len(items)
            skipped = [m.pk for m in batch if not m.user_id]
            if skipped:  # nothing to do for them: leave them out of later chunks
                chosen = chosen.exclude(pk__in=skipped)
    Mailing.objects.filter(pk=mailing_id).update(
        total=Delivery.objects.filter(mailing_id=mailing_id).count(), prepared_at=timezone.now())
    return linked


def _accounts_for(members: list[Member]) -> dict:
    """email -> login for these members: an existing login with that address when it has
    no current member entry, otherwise a new one. Two members sharing an address get one
    login between them only if neither has one: the second is left to the secretary."""
    User = get_user_model()
    emails = {m.email.lower() for m in members}
    existing = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    taken = set(Member.objects.filter(ceased_on__isnull=True, user__in=existing.values())
                .values_list("user__email", flat=True))
    users, used = {}, set()
    for member in members:
        email = member.email.lower()
        if email in used or email in {t.lower() for t in taken}:
            continue
        used.add(email)
        user = existing.get(email)
        if user is None:
            user = User.objects.create_user(email=email, full_name=member.full_name)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        users[email] = user
    return users

