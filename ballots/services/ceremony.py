"""The ballot key's ceremony, on the platform. The secretary names the trustees (n of them,
any k of whom can decrypt together); each trustee makes their key on their own machine
(`manage.py trustee`) and uploads, in three rounds, their commitments with proofs, the
shares they send each other (sealed to the addressee) and their public key share. Only
public parts are kept here, each checked before it is stored
(`ballots.crypto.ceremony`); the ballot's key is the sum of the trustees' first
commitments, complete when every trustee has finished.

Where a small mutual chooses it, the platform is one of the trustees: it makes its key
here and keeps its secret sealed with the site's key. That is a weaker promise (whoever
has the database and the site's secret key holds that share), and the pages and the
bundle say so."""

import json
import secrets

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES, user_roles
from governance.exceptions import DomainError
from governance.secret_box import seal, unseal
from governance.services import audit_record
from governance.transactions import atomic

from ..crypto import ceremony as crypto
from ..crypto import files, group
from ..models import Ballot, BallotStatus, CeremonyStage, KeyCeremony, Trustee

PLATFORM_SHARE = "platform trustee share"
PLATFORM_NAME = "The platform (a share it keeps itself)"
MAX_TRUSTEES = 9


class CeremonyRefused(DomainError):
    pass


def platform_share_seal(share: int) -> bytes:
    return seal(json.dumps({"share": group.scalar_hex(share)}).encode(), PLATFORM_SHARE)


def platform_share_secret(ceremony) -> int:
    data = json.loads(unseal(ceremony.platform_secret, PLATFORM_SHARE))
    return group.scalar_decode(data["share"])


def _platform_secret_load(ceremony) -> files.TrusteeSecret:
    return files.TrusteeSecret.model_validate_json(unseal(ceremony.platform_secret,
                                                          "platform trustee key"))


def _platform_secret_keep(ceremony, secret) -> None:
    ceremony.platform_secret = seal(secret.model_dump_json().encode(), "platform trustee key")


def _is_officer(user) -> bool:
    return bool(user is not None and set(user_roles(user)) & set(APPOINTED_ROLES))


def ceremony_plan(*, actor, ballot: Ballot, trustees: list[tuple[str, str]],
                  threshold: int = 2, platform_share: bool = False) -> KeyCeremony:
    """Name the trustees of a draft ballot's key: (name, email) for each person. Refused
    unless there are 2 to 9 trustees in all, k is at least 2 and at most n, and at least one
    person named is not an officer."""
    size = len(trustees) + (1 if platform_share else 0)
    if not 2 <= size <= MAX_TRUSTEES:
        raise CeremonyRefused(f"Name 2 to {MAX_TRUSTEES} trustees in all (the platform's "
                              "share counts as one).", field="trustees")
    if not 2 <= threshold <= size:
        raise CeremonyRefused(f"The number needed to count is at least 2 and at most the "
                              f"{size} trustees.", field="threshold")
    emails = [email.strip().lower() for _name, email in trustees]
    if len(set(emails)) != len(emails):
        raise CeremonyRefused("Each trustee is a different person, with their own email "
                              "address.", field="trustees")
    if platform_share and threshold == size:
        raise CeremonyRefused("With the platform holding a share, at least one other "
                              "trustee must be able to stand in: need fewer than all.",
                              field="threshold")
    User = get_user_model()
    with atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotStatus.DRAFT:
            raise CeremonyRefused("The trustees are named before the ballot opens.")
        users = []
        for (name, _email), email in zip(trustees, emails, strict=True):
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                from governance.services import invitation_queue

                user = User.objects.create_user(email=email, full_name=name)
                audit_record(actor=actor, action="account.invited", target=user,
                             changes={"email": email, "why": "trustee of a ballot key"})
                invitation_queue(user=user, reason=f"You have been named a trustee of the "
                                                   f"key of the ballot {ballot.title}.")
            users.append(user)
        officers = [_is_officer(user) for user in users]
        if all(officers):
            raise CeremonyRefused("At least one trustee must not be an officer of the "
                                  "society (for example a member the board does not "
                                  "appoint).", field="trustees")
        KeyCeremony.objects.filter(ballot=ballot).delete()
        ceremony = KeyCeremony.objects.create(
            ballot=ballot, threshold=threshold, size=size, platform_share=platform_share,
            context=f"{django_settings.SITE_URL.rstrip('/')}/ballots/{ballot.pk}/key/"
                    f"{secrets.token_hex(8)}", stage=CeremonyStage.KEYS)
        for index, ((name, _email), user, officer) in enumerate(
                zip(trustees, users, officers, strict=True), start=1):
            Trustee.objects.create(ceremony=ceremony, index=index, user=user,
                                   name=name.strip(), email=user.email, is_officer=officer)
        if platform_share:
            Trustee.objects.create(ceremony=ceremony, index=size, name=PLATFORM_NAME,
                                   is_platform=True)
            _platform_round(ceremony)
        audit_record(actor=actor, action="ballot.trustees_named", target=ballot, changes={
            "trustees": [name for name, _e in trustees], "threshold": threshold,
            "size": size, "platform_share": platform_share})
    return ceremony


def invitation(trustee: Trustee) -> bytes:
    ceremony = trustee.ceremony
    names = list(ceremony.trustees.order_by("index").values_list("name", flat=True))
    return files.dump(files.Invitation(
        context=ceremony.context, election=ceremony.ballot.title[:200], n=ceremony.size,
        k=ceremony.threshold, index=trustee.index, trustees=names))


def _publics(ceremony) -> list:
    return [files.load("public", t.public_file) for t in ceremony.trustees.order_by("index")]


def publics_file(ceremony) -> bytes:
    return files.dump(files.PublicsFile(context=ceremony.context, publics=_publics(ceremony)))


def relayed_file(trustee: Trustee) -> bytes:
    ceremony = trustee.ceremony
    shares = [files.load("shares", t.shares_file) for t in ceremony.trustees.order_by("index")]
    return files.dump(crypto.relayed_for(shares, trustee.index))


def _platform_round(ceremony: KeyCeremony) -> None:
    """The platform's own part in the round the ceremony is in (platform share only)."""
    trustee = ceremony.trustees.filter(is_platform=True).first()
    if trustee is None:
        return
    if ceremony.stage == CeremonyStage.KEYS and trustee.public_file is None:
        secret, public = crypto.keygen(ceremony.context, trustee.index, ceremony.size,
                                       ceremony.threshold)
        _platform_secret_keep(ceremony, secret)
        ceremony.save(update_fields=["platform_secret"])
        trustee.public_file = json.loads(files.dump(public))
        trustee.save(update_fields=["public_file"])
    elif ceremony.stage == CeremonyStage.SHARES and trustee.shares_file is None:
        made = crypto.shares_make(_platform_secret_load(ceremony), _publics(ceremony))
        trustee.shares_file = json.loads(files.dump(made))
        trustee.save(update_fields=["shares_file"])
    elif ceremony.stage == CeremonyStage.FINISH and trustee.finish_file is None:
        secret = _platform_secret_load(ceremony)
        share, finish = crypto.shares_finish(secret, _publics(ceremony), relayed_file(trustee))
        trustee.finish_file = json.loads(files.dump(finish))
        if share is not None:
            trustee.public_share = group.base_mul(share).hex()
            ceremony.platform_secret = platform_share_seal(share)
            ceremony.save(update_fields=["platform_secret"])
        trustee.save(update_fields=["finish_file", "public_share"])
    else:
        return
    _advance(ceremony)


def _advance(ceremony: KeyCeremony) -> None:
    """Move to the next round once every trustee has done this one."""
    trustees = list(ceremony.trustees.all())
    field = {CeremonyStage.KEYS: "public_file", CeremonyStage.SHARES: "shares_file",
             CeremonyStage.FINISH: "finish_file"}.get(ceremony.stage)
    if field is None or any(getattr(t, field) is None for t in trustees):
        return
    if ceremony.stage == CeremonyStage.FINISH:
        complaints = [(t.index, c) for t in trustees
                      for c in (t.finish_file or {}).get("complaints", [])]
        if complaints:
            ceremony.stage = CeremonyStage.FAILED
            ceremony.failed_because = "; ".join(
                f"trustee {i} found trustee {c['against']}'s share wrong ({c['reason']})"
                for i, c in complaints)[:300]
        else:
            ceremony.stage = CeremonyStage.COMPLETE
            ceremony.public_key = crypto.joint_key(_publics(ceremony)).hex()
            ceremony.completed_at = timezone.now()
        ceremony.save(update_fields=["stage", "failed_because", "public_key", "completed_at"])
        audit_record(actor=None, action="ballot.key_made" if ceremony.stage ==
                     CeremonyStage.COMPLETE else "ballot.key_failed", target=ceremony.ballot,
                     changes={"public_key": ceremony.public_key,
                              "failed_because": ceremony.failed_because})
        return
    ceremony.stage = CeremonyStage.SHARES if ceremony.stage == CeremonyStage.KEYS \
        else CeremonyStage.FINISH
    ceremony.save(update_fields=["stage"])
    _platform_round(ceremony)


ROUND_FIELD = {CeremonyStage.KEYS: "public_file", CeremonyStage.SHARES: "shares_file",
               CeremonyStage.FINISH: "finish_file"}


def ceremony_upload(*, actor, trustee: Trustee, data: bytes) -> KeyCeremony:
    """A trustee's file for the round the ceremony is in, checked before it is stored:
    refused, naming what is wrong, if its proofs fail or it is not this trustee's file for
    this round of this ceremony."""
    with atomic():
        ceremony = KeyCeremony.objects.select_for_update().get(pk=trustee.ceremony_id)
        trustee = Trustee.objects.select_for_update().get(pk=trustee.pk)
        field = ROUND_FIELD.get(ceremony.stage)
        if field is None or trustee.is_platform:
            raise CeremonyRefused("The key ceremony is not waiting for a file now.")
        if getattr(trustee, field) is not None:
            raise CeremonyRefused("You have uploaded your file for this round already; the "
                                  "next round starts when every trustee has.")
        try:
            if ceremony.stage == CeremonyStage.KEYS:
                checked = crypto.public_check(ceremony.context, ceremony.size,
                                              ceremony.threshold, trustee.index, data)
            elif ceremony.stage == CeremonyStage.SHARES:
                checked = crypto.shares_check(ceremony.context, _publics(ceremony),
                                              trustee.index, data)
            else:
                checked = crypto.finish_check(ceremony.context, _publics(ceremony),
                                              trustee.index, data)
        except crypto.CeremonyError as error:
            raise CeremonyRefused(f"That file is refused: {error}.", field="file") from None
        setattr(trustee, field, json.loads(files.dump(checked)))
        if ceremony.stage == CeremonyStage.FINISH and not checked.complaints:
            trustee.public_share = checked.public_share
        trustee.save(update_fields=[field, "public_share"])
        audit_record(actor=actor, action="ballot.key_round_uploaded", target=ceremony.ballot,
                     changes={"trustee": trustee.index, "round": ceremony.stage})
        _advance(ceremony)
    return ceremony


def ceremony_restart(*, actor, ballot: Ballot) -> KeyCeremony:
    """Start the ceremony again with the same trustees (after a failure, or a lost key
    before the ballot opens): every upload is cleared and the context is new, so no file of
    the old ceremony can be used in the new one."""
    with atomic():
        ceremony = KeyCeremony.objects.select_for_update().filter(ballot=ballot).first()
        if ceremony is None:
            raise CeremonyRefused("Name the trustees first.")
        if ceremony.ballot.status != BallotStatus.DRAFT:
            raise CeremonyRefused("The key of an open ballot cannot be made again.")
        ceremony.context = ceremony.context.rsplit("/", 1)[0] + "/" + secrets.token_hex(8)
        ceremony.stage, ceremony.public_key, ceremony.failed_because = \
            CeremonyStage.KEYS, "", ""
        ceremony.completed_at, ceremony.platform_secret = None, None
        ceremony.save()
        ceremony.trustees.update(public_file=None, shares_file=None, finish_file=None,
                                 public_share="", complaint="")
        audit_record(actor=actor, action="ballot.key_restarted", target=ballot)
        _platform_round(ceremony)
    return ceremony
