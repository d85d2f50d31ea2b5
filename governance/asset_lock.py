"""The asset-lock gate: every event that could take assets out of the community passes here
before it takes effect, and each decision is recorded with its basis, reason and citation.

Each kind of event has a pure rule, `(organisation, facts) -> Ruling`; `asset_lock_decide`
applies it and records the decision. Payouts of share capital from the register's
withdrawal and buy-back services pass through `asset_lock_check_share_payout`."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .exceptions import DomainError
from .models import AssetLock, AssetLockDecision, DecisionKind, LegalForm, Organisation

CIC_REGS = "Community Interest Company Regulations 2005"
CBS_REGS = "CBS (Restriction on Use of Assets) Regulations 2006 (SI 2006/264)"
PER_SHARE_CAP_REMOVED = dt.date(2014, 10, 1)  # SI 2014/2483
DIVIDEND_CAP = Decimal("0.35")
PER_SHARE_CAP = Decimal("0.20")
# Performance-related interest on CIC loans: the cap in force when the loan was agreed.
INTEREST_CAP_2010 = dt.date(2010, 4, 6)
INTEREST_CAP_2014 = dt.date(2014, 10, 1)
ASSET_LOCKED_BODIES = {
    "cic": "a community interest company",
    "cbs_locked": "a community benefit society with the statutory asset lock",
    "charity": "a charity",
    "scottish_charity": "a Scottish charity",
    "rsl_locked": "a registered social landlord with an equivalent lock",
}
MEMBER_RESOLUTIONS = ("ordinary", "special")


class AssetLockViolation(DomainError):
    pass


@dataclass(frozen=True)
class Ruling:
    allowed: bool
    basis: str
    reason: str
    citation: str


def _money(value) -> Decimal:
    return Decimal(str(value))


def _statutory(organisation: Organisation) -> bool:
    return organisation.asset_lock == AssetLock.STATUTORY


def _cic(organisation: Organisation) -> bool:
    return organisation.asset_lock == AssetLock.CIC or organisation.is_cic


def rule_share_payout(organisation: Organisation, facts: dict) -> Ruling:
    shares, amount = int(facts["shares"]), _money(facts["amount"])
    ceiling = _money(facts["par_value"]) * shares
    citation = (f"{CIC_REGS} Sch.3 para 1" if _cic(organisation) else
                f"{CBS_REGS} reg 3; FCA RFCCBS 6.1.3" if _statutory(organisation) else
                "FCA RFCCBS 6.1.3 (no capital appreciation on society shares)")
    if amount > ceiling:
        rule = "the asset lock allows" if organisation.has_asset_lock else \
            "the rules on share capital allow"
        return Ruling(False, "above paid-up value",
                      f"£{amount:,.2f} is more than the £{ceiling:,.2f} paid up on {shares:,} "
                      f"shares: {rule} shares to be repaid at no more than their paid-up "
                      "value.", citation)
    return Ruling(True, "at or below paid-up value",
                  f"£{amount:,.2f} for {shares:,} shares is within their paid-up value.",
                  citation)


def rule_dividend(organisation: Organisation, facts: dict) -> Ruling:
    amount = _money(facts["amount"])
    declared_on = facts["declared_on"]
    if _statutory(organisation):
        return Ruling(False, "statutory lock", "A community benefit society with the "
                      "statutory asset lock may pay members only the value of their "
                      "withdrawable shares and interest on them, not dividends.",
                      f"{CBS_REGS} reg 4")
    if not _cic(organisation):
        return Ruling(True, "no asset lock", "No asset lock limits dividends; the rules and "
                      "the law on distributable profits still apply.", "")
    if facts.get("approved_by") not in MEMBER_RESOLUTIONS:
        return Ruling(False, "no members' resolution", "A CIC's dividend must be approved by "
                      "an ordinary or special resolution of the members; a board decision "
                      "alone is not enough.", f"{CIC_REGS} reg 17")
    profits = _money(facts["distributable_profits"])
    already = _money(facts.get("already_declared", 0))
    cap = DIVIDEND_CAP * profits - already
    if amount > cap:
        return Ruling(False, "above the 35% cap",
                      f"£{amount:,.2f} is more than £{cap:,.2f}: the year's dividends may not "
                      f"exceed 35% of distributable profits of £{profits:,.2f}"
                      + (f", less £{already:,.2f} already declared" if already else "") + ".",
                      f"{CIC_REGS} regs 17 and 22 (as amended by SI 2014/2483)")
    if declared_on < PER_SHARE_CAP_REMOVED:
        per_share = _money(facts["amount_per_share"])
        paid_up = _money(facts["paid_up_per_share"])
        if per_share > PER_SHARE_CAP * paid_up:
            return Ruling(False, "above the per-share cap",
                          f"£{per_share:,.4f} a share is more than 20% of its paid-up value "
                          f"of £{paid_up:,.2f}, the cap for dividends declared before 1 "
                          "October 2014.", f"{CIC_REGS} reg 19 (before SI 2014/2483)")
    return Ruling(True, "within the cap", f"£{amount:,.2f} is within the cap of £{cap:,.2f} "
                  "(35% of distributable profits) and was approved by the members.",
                  f"{CIC_REGS} regs 17 and 22")


def rule_interest(organisation: Organisation, facts: dict) -> Ruling:
    rate = _money(facts["rate"])
    if facts.get("performance_related"):
        agreed_on = facts["agreed_on"]
        if agreed_on < INTEREST_CAP_2010:
            cap, words = _money(facts["base_rate"]) + 4, "4 points above base rate"
        elif agreed_on < INTEREST_CAP_2014:
            cap, words = Decimal(10), "10% of the average debt"
        else:
            cap, words = Decimal(20), "20% of the average debt"
        citation = f"{CIC_REGS} reg 21(3), the cap in force on {agreed_on:%-d %B %Y}"
        if _cic(organisation) and rate > cap:
            return Ruling(False, "above the performance-related interest cap",
                          f"{rate}% is above the cap of {words} in force when the loan was "
                          "agreed.", citation)
        return Ruling(True, "within the cap", f"{rate}% is within {words}.", citation)
    cap = _money(facts["declared_cap"])
    if rate > cap:
        return Ruling(False, "above the declared cap", f"Interest of {rate}% on shares is "
                      f"above the {cap}% the rules or the board declared.",
                      "The rules on interest on shares" + (
                          f"; {CBS_REGS} reg 4(b)" if _statutory(organisation) else ""))
    return Ruling(True, "within the declared cap", f"{rate}% is within the declared {cap}%.",
                  "The rules on interest on shares")


def rule_asset_transfer(organisation: Organisation, facts: dict) -> Ruling:
    value, paid = _money(facts["market_value"]), _money(facts["consideration"])
    kind = facts.get("recipient_kind", "")
    number = facts.get("recipient_number", "").strip()
    locked = _cic(organisation) or _statutory(organisation) or \
        organisation.asset_lock == AssetLock.RULES
    citation = (f"{CIC_REGS} Sch.1 para 1" if _cic(organisation) else
                f"{CBS_REGS} reg 4 and Sch.1" if _statutory(organisation) else
                "The rules (asset lock)")
    if not locked:
        return Ruling(True, "no asset lock", "No asset lock limits this transfer.", "")
    if paid >= value and facts.get("valuation"):
        return Ruling(True, "full value", f"£{paid:,.2f} is at least the £{value:,.2f} "
                      f"valuation ({facts['valuation']}).", citation)
    if kind in ASSET_LOCKED_BODIES:
        if not number:
            return Ruling(False, "recipient not identified", "Record the registration number "
                          f"of the recipient ({ASSET_LOCKED_BODIES[kind]}).", citation)
        if _cic(organisation) and not facts.get("named_in_articles") and \
                not facts.get("regulator_consent"):
            return Ruling(False, "regulator consent needed", "A transfer to an asset-locked "
                          "body not named in the articles needs the CIC Regulator's consent.",
                          citation)
        return Ruling(True, "asset-locked recipient", f"The recipient is "
                      f"{ASSET_LOCKED_BODIES[kind]} (registered number {number}).", citation)
    if facts.get("community_benefit") and not _statutory(organisation):
        return Ruling(True, "community benefit", "The transfer is otherwise for the benefit "
                      "of the community.", citation)
    return Ruling(False, "below value to an unlocked recipient",
                  f"£{paid:,.2f} for assets worth £{value:,.2f}, to a recipient that is not "
                  "an asset-locked body: the asset lock forbids it.", citation)


LOCK_CLAUSES = {"asset_lock", "objects", "dissolution"}


def rule_amendment(organisation: Organisation, facts: dict) -> Ruling:
    clauses = set(facts.get("clauses", []))
    if _statutory(organisation) and clauses & LOCK_CLAUSES:
        return Ruling(False, "ineffective under the statutory lock",
                      "An amendment touching the restriction on use of assets, the objects "
                      "or the dissolution clause is ineffective: the statutory lock cannot be "
                      "removed or weakened. It is not forwarded for registration.",
                      f"{CBS_REGS} reg 5")
    if "entrenched" in clauses:
        votes_for, eligible = int(facts.get("votes_for", 0)), int(facts.get("eligible", 0))
        if eligible == 0 or votes_for < eligible:
            return Ruling(False, "entrenched clause", f"An entrenched clause changes only with "
                          f"every member's agreement: {votes_for} of {eligible} agreed.",
                          "The rules (entrenched clauses)")
    if _cic(organisation) and clauses & LOCK_CLAUSES:
        return Ruling(True, "regulator approval needed", "The amendment may go ahead only "
                      "with the CIC Regulator's approval of the change to the articles.",
                      "Companies (Audit, Investigations and Community Enterprise) Act 2004 "
                      "s.32")
    return Ruling(True, "does not touch the lock", "The amendment does not touch the asset "
                  "lock, the objects, dissolution or an entrenched clause.", "")


def rule_dissolution(organisation: Organisation, facts: dict) -> Ruling:
    to_members, paid_up = _money(facts["to_members"]), _money(facts["paid_up_value"])
    residual = _money(facts.get("residual", 0))
    kind = facts.get("residual_recipient_kind", "")
    locked = _cic(organisation) or _statutory(organisation) or \
        organisation.asset_lock == AssetLock.RULES
    citation = (f"{CIC_REGS} reg 23" if _cic(organisation) else
                f"{CBS_REGS} reg 4 and Sch.1" if _statutory(organisation) else
                "The rules (dissolution)")
    if not locked:
        return Ruling(True, "no asset lock", "No asset lock limits the distribution.", "")
    if to_members > paid_up:
        return Ruling(False, "members above paid-up value", f"£{to_members:,.2f} to members is "
                      f"more than the £{paid_up:,.2f} paid up on their shares; the surplus "
                      "may go only to an asset-locked body.", citation)
    if residual > 0 and kind not in ASSET_LOCKED_BODIES:
        return Ruling(False, "residual to an unlocked body", f"The remaining £{residual:,.2f} "
                      "must go to an asset-locked body (a CIC, a locked CBS, a charity).",
                      citation)
    return Ruling(True, "within the lock", "Members receive no more than paid-up value"
                  + (f"; the remaining £{residual:,.2f} goes to "
                     f"{ASSET_LOCKED_BODIES[kind]}" if residual > 0 else "") + ".", citation)


def rule_conversion(organisation: Organisation, facts: dict) -> Ruling:
    into = facts["into"]
    if _cic(organisation) and into == "company":
        return Ruling(False, "a CIC cannot become an ordinary company", "A community interest "
                      "company may stop being one only by dissolution or by becoming a charity "
                      "or a registered society.",
                      "Companies (Audit, Investigations and Community Enterprise) Act 2004 "
                      "ss.53-55")
    if _statutory(organisation) and into not in ("cic", "cbs_locked", "charity"):
        return Ruling(False, "statutory lock", "A society with the statutory lock may convert, "
                      "amalgamate or transfer its engagements only to an asset-locked body.",
                      f"{CBS_REGS} reg 4; CCBSA 2014 ss.109-112")
    return Ruling(True, "permitted", "The conversion keeps the assets locked or no lock "
                  "applies.", "")


RULES: dict[str, Callable[[Organisation, dict], Ruling]] = {
    DecisionKind.SHARE_PAYOUT: rule_share_payout,
    DecisionKind.DIVIDEND: rule_dividend,
    DecisionKind.INTEREST: rule_interest,
    DecisionKind.ASSET_TRANSFER: rule_asset_transfer,
    DecisionKind.AMENDMENT: rule_amendment,
    DecisionKind.DISSOLUTION: rule_dissolution,
    DecisionKind.CONVERSION: rule_conversion,
}


def asset_lock_ruling(kind: str, *, organisation: Organisation, facts: dict) -> Ruling:
    try:
        return RULES[kind](organisation, facts)
    except KeyError as exc:
        raise DomainError(f"Enter the {str(exc).strip(chr(39)).replace('_', ' ')}.",
                          field=str(exc).strip("'")) from exc


def _jsonable(facts: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, dt.date) else
            str(value) if isinstance(value, Decimal) else value
            for key, value in facts.items()}


def asset_lock_decide(kind: str, *, organisation: Organisation, proposed_by,
                      facts: dict, raise_if_blocked: bool = False) -> AssetLockDecision:
    """Decide and record (inside the caller's unit of work, with an audit event)."""
    from .services import audit_record

    ruling = asset_lock_ruling(kind, organisation=organisation, facts=facts)
    decision = AssetLockDecision.objects.create(
        kind=kind, facts=_jsonable(facts), allowed=ruling.allowed, basis=ruling.basis,
        reason=ruling.reason, citation=ruling.citation, lock=organisation.asset_lock,
        proposed_by_id=getattr(proposed_by, "pk", None))
    audit_record(actor=proposed_by, action="asset_lock.decided", target=decision, changes={
        "kind": kind, "allowed": ruling.allowed, "basis": ruling.basis,
        "facts": decision.facts})
    if raise_if_blocked and not ruling.allowed:
        raise AssetLockViolation(ruling.reason)
    return decision


def asset_lock_check_share_payout(*, organisation, share_class, shares: int,
                                  amount: Decimal, actor=None) -> None:
    """Shares are repaid at no more than their paid-up (par) value: a society's shares
    carry no capital appreciation (FCA RFCCBS 6.1.3), a CIC may not pay more than the
    paid-up value on redemption or buy-back (CIC Regulations 2005 Sch.3 para 1), and a
    CBS with the statutory lock may pay members only the value of their shares. An allowed
    payout is recorded with the payment; a blocked one stops it (and, being rolled back with
    it, is reported by the refusal)."""
    facts = {"shares": shares, "amount": amount, "par_value": share_class.par_value,
             "share_class": share_class.code}
    if organisation is None:
        ruling = rule_share_payout(Organisation(asset_lock=AssetLock.NONE,
                                                legal_form=LegalForm.COOPERATIVE_SOCIETY),
                                   facts)
        if not ruling.allowed:
            raise AssetLockViolation(ruling.reason)
        return
    asset_lock_decide(DecisionKind.SHARE_PAYOUT, organisation=organisation,
                      proposed_by=actor, facts=facts, raise_if_blocked=True)
