import datetime as dt
from decimal import Decimal

import pytest

from governance.calendar import LONDON, Nation
from governance.models import LegalForm
from governance.timing import (
    UnlawfulTiming,
    confirmation_meeting_check,
    confirmation_window,
    earliest_meeting_date,
    notice_clear_days,
    notice_deemed_delivery,
    notice_timing,
    proxy_deadlines,
    short_notice_consent,
)

EW, SCOTLAND = Nation.ENGLAND_WALES, Nation.SCOTLAND
COMPANY, SOCIETY = LegalForm.CIC_SHARES, LegalForm.COOPERATIVE_SOCIETY


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


# S7: a private company e-mails notice on Monday 3 March 2025 at 10:00.

def test_s7_deemed_delivery_and_earliest_meeting() -> None:
    timing = notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 3, 3, 10),
                           meeting=london(2025, 3, 20, 10))
    assert timing.deemed_delivery == london(2025, 3, 5, 10)
    assert timing.clear_days == 14
    assert timing.earliest_meeting == dt.date(2025, 3, 20)
    assert timing.meeting_lawful is True
    assert timing.reason == (
        "The notice is deemed delivered on Wednesday 5 March 2025; 14 clear days must pass, "
        "so the earliest lawful date is Thursday 20 March 2025. A meeting on Thursday "
        "20 March 2025 is lawful.")


def test_s7_meeting_on_19_march_is_not_lawful() -> None:
    timing = notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 3, 3, 10),
                           meeting=dt.date(2025, 3, 19))
    assert timing.meeting_lawful is False
    assert timing.earliest_meeting == dt.date(2025, 3, 20)
    assert timing.reason == (
        "The notice is deemed delivered on Wednesday 5 March 2025; 14 clear days must pass, "
        "so the earliest lawful date is Thursday 20 March 2025. A meeting on Wednesday "
        "19 March 2025 would be too early.")


def test_meeting_date_is_taken_on_the_london_clock() -> None:
    # 23:30 UTC on 19 March is still 19 March in London (GMT); 23:30 UTC on 19 June is 20 June.
    late = dt.datetime(2025, 3, 19, 23, 30, tzinfo=dt.UTC)
    assert notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 3, 3, 10),
                         meeting=late).meeting_lawful is False
    summer = notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 6, 2, 10),
                           meeting=dt.datetime(2025, 6, 18, 23, 30, tzinfo=dt.UTC))
    assert (summer.earliest_meeting, summer.meeting_on) == (dt.date(2025, 6, 19),
                                                            dt.date(2025, 6, 19))
    assert summer.meeting_lawful is True


def test_same_notice_before_easter_differs_between_england_and_scotland() -> None:
    sent = london(2025, 4, 17, 10)
    england = notice_timing(legal_form=COMPANY, nation=EW, sent_at=sent,
                            meeting=dt.date(2025, 5, 7))
    scotland = notice_timing(legal_form=COMPANY, nation=SCOTLAND, sent_at=sent,
                             meeting=dt.date(2025, 5, 7))
    assert england.deemed_delivery == london(2025, 4, 23, 10)
    assert scotland.deemed_delivery == london(2025, 4, 22, 10)
    assert england.earliest_meeting == dt.date(2025, 5, 8)
    assert scotland.earliest_meeting == dt.date(2025, 5, 7)
    assert (england.meeting_lawful, scotland.meeting_lawful) == (False, True)


def test_company_cannot_give_less_than_14_clear_days() -> None:
    with pytest.raises(UnlawfulTiming) as refused:
        notice_timing(legal_form=LegalForm.COMPANY_GUARANTEE, nation=EW,
                      sent_at=london(2025, 3, 3, 10), meeting=dt.date(2025, 3, 19),
                      clear_days=13)
    assert refused.value.message == ("A company must give at least 14 clear days' notice of a "
                                     "general meeting (Companies Act 2006 s.307(1)).")


def test_longer_notice_in_the_articles_is_applied() -> None:
    assert notice_clear_days(legal_form=LegalForm.CIC_GUARANTEE, clear_days=21) == 21
    timing = notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 3, 3, 10),
                           meeting=dt.date(2025, 3, 26), clear_days=21)
    assert (timing.earliest_meeting, timing.meeting_lawful) == (dt.date(2025, 3, 27), False)


def test_society_rules_decide_the_clear_days() -> None:
    assert notice_clear_days(legal_form=SOCIETY) == 14
    assert notice_clear_days(legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY, clear_days=7) == 7
    timing = notice_timing(legal_form=SOCIETY, nation=EW, sent_at=london(2025, 3, 3, 10),
                           meeting=dt.date(2025, 3, 13), clear_days=7)
    assert (timing.earliest_meeting, timing.meeting_lawful) == (dt.date(2025, 3, 13), True)
    assert "7 clear days must pass" in timing.reason


def test_deemed_delivery_hours_follow_the_rulebook() -> None:
    sent = london(2025, 3, 7, 15)
    assert notice_deemed_delivery(sent_at=sent, nation=EW) == london(2025, 3, 11, 15)
    assert notice_deemed_delivery(sent_at=sent, nation=EW, hours=24) == london(2025, 3, 10, 15)
    assert notice_deemed_delivery(sent_at=sent, nation=EW, hours=0) == sent
    timing = notice_timing(legal_form=COMPANY, nation=EW, sent_at=london(2025, 3, 3, 10),
                           meeting=dt.date(2025, 3, 19), delivery_hours=24)
    assert timing.deemed_delivery == london(2025, 3, 4, 10)
    assert (timing.earliest_meeting, timing.meeting_lawful) == (dt.date(2025, 3, 19), True)


def test_earliest_meeting_counts_from_the_london_date_of_delivery() -> None:
    delivered = dt.datetime(2025, 6, 4, 23, 30, tzinfo=dt.UTC)  # 00:30 on 5 June in London
    assert earliest_meeting_date(deemed_delivery=delivered, clear_days=14) == dt.date(2025, 6, 20)


def test_unknown_legal_form_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown legal form 'plc'"):
        notice_clear_days(legal_form="plc")


# Proxies: a meeting at 10:00 on Tuesday 27 May 2025, the day after the spring bank holiday.
MEETING = london(2025, 5, 27, 10)


def test_company_proxy_deadlines_48_working_hours_before() -> None:
    deadlines = proxy_deadlines(legal_form=COMPANY, nation=EW, meeting_at=MEETING,
                                appointment_hours=48, revocation_hours=48)
    assert deadlines.appointment_deadline == london(2025, 5, 22, 10)
    assert deadlines.revocation_deadline == london(2025, 5, 22, 10)


def test_proxy_deadlines_over_easter_differ_by_nation() -> None:
    meeting = london(2025, 4, 22, 10)
    england = proxy_deadlines(legal_form=COMPANY, nation=EW, meeting_at=meeting,
                              appointment_hours=48)
    scotland = proxy_deadlines(legal_form=COMPANY, nation=SCOTLAND, meeting_at=meeting,
                               appointment_hours=48)
    assert england.appointment_deadline == london(2025, 4, 16, 10)
    assert scotland.appointment_deadline == london(2025, 4, 17, 10)


def test_company_defaults_no_appointment_deadline_and_revocation_at_the_start() -> None:
    deadlines = proxy_deadlines(legal_form=COMPANY, nation=EW,
                                meeting_at=dt.datetime(2025, 5, 27, 9, tzinfo=dt.UTC))
    assert deadlines.appointment_deadline is None
    assert deadlines.revocation_deadline == MEETING
    assert deadlines.revocation_deadline.tzinfo is LONDON


def test_company_cannot_require_a_proxy_72_hours_ahead() -> None:
    with pytest.raises(UnlawfulTiming) as refused:
        proxy_deadlines(legal_form=COMPANY, nation=EW, meeting_at=MEETING, appointment_hours=72)
    assert refused.value.message == (
        "A company's articles cannot require a proxy appointment more than 48 working hours "
        "before the meeting (Companies Act 2006 s.327(2)-(3)).")
    with pytest.raises(UnlawfulTiming) as refused:
        proxy_deadlines(legal_form=LegalForm.COMPANY_GUARANTEE, nation=EW, meeting_at=MEETING,
                        revocation_hours=48.5)
    assert refused.value.message == (
        "A company's articles cannot require notice revoking a proxy more than 48 working "
        "hours before the meeting (Companies Act 2006 s.330(5)-(6)).")


def test_society_rules_may_set_72_hours() -> None:
    deadlines = proxy_deadlines(legal_form=SOCIETY, nation=EW, meeting_at=MEETING,
                                appointment_hours=72, revocation_hours=24)
    assert deadlines.appointment_deadline == london(2025, 5, 21, 10)
    assert deadlines.revocation_deadline == london(2025, 5, 23, 10)


def test_society_without_deadlines_has_none() -> None:
    deadlines = proxy_deadlines(legal_form=LegalForm.COMMUNITY_BENEFIT_SOCIETY, nation=EW,
                                meeting_at=MEETING)
    assert (deadlines.appointment_deadline, deadlines.revocation_deadline) == (None, None)


# Two-stage special resolutions of a society.

def test_confirmation_window() -> None:
    window = confirmation_window(first_meeting=dt.date(2025, 6, 10))
    assert (window.earliest, window.latest) == (dt.date(2025, 6, 24), dt.date(2025, 7, 10))
    assert [window.contains(dt.date(2025, 6, d)) for d in (23, 24)] == [False, True]
    assert [window.contains(dt.date(2025, 7, d)) for d in (10, 11)] == [True, False]


def test_confirmation_window_at_the_end_of_a_month() -> None:
    window = confirmation_window(first_meeting=dt.date(2025, 1, 31))
    assert (window.earliest, window.latest) == (dt.date(2025, 2, 14), dt.date(2025, 2, 28))


def test_confirmation_meeting_check() -> None:
    confirmation_meeting_check(first_meeting=dt.date(2025, 6, 10),
                               second_meeting=dt.date(2025, 7, 1))
    with pytest.raises(UnlawfulTiming) as refused:
        confirmation_meeting_check(first_meeting=dt.date(2025, 6, 10),
                                   second_meeting=dt.date(2025, 6, 23))
    assert refused.value.message == (
        "The confirming meeting must be held between Tuesday 24 June 2025 and Thursday "
        "10 July 2025, 14 days to one month after the first meeting (Co-operative and "
        "Community Benefit Societies Act 2014 ss.111(2), 113(2)).")


# S7 short notice: 40 members and 100 voting shares.

def test_s7_88_percent_is_not_enough() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=40, members_consenting=30,
                                   voting_rights_total=100, voting_rights_consenting=88)
    assert (consent.valid, consent.headcount_met, consent.voting_rights_met) == (False, True,
                                                                                 False)
    assert consent.percent == Decimal(88)
    assert consent.reason == (
        "30 of 40 members consent, a majority in number; they hold 88 of 100 voting rights "
        "(88%), below the 90% required (Companies Act 2006 s.307(5)-(6)). "
        "Short notice is not agreed.")


def test_s7_one_more_member_with_3_shares_makes_91_percent() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=40, members_consenting=31,
                                   voting_rights_total=100, voting_rights_consenting=91)
    assert consent.valid is True
    assert consent.reason == (
        "31 of 40 members consent, a majority in number; they hold 91 of 100 voting rights "
        "(91%), at least the 90% required (Companies Act 2006 s.307(5)-(6)). "
        "Short notice is agreed.")


def test_s7_articles_at_95_percent() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=40, members_consenting=31,
                                   voting_rights_total=100, voting_rights_consenting=91,
                                   threshold_percent=95)
    assert (consent.valid, consent.voting_rights_met) == (False, False)
    assert "below the 95% required" in consent.reason


def test_exactly_the_threshold_is_enough() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=3, members_consenting=2,
                                   voting_rights_total=Decimal("200.00"),
                                   voting_rights_consenting=Decimal("180.00"))
    assert consent.valid is True
    assert "they hold 180 of 200 voting rights (90%)" in consent.reason


def test_majority_in_number_is_needed_too() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=40, members_consenting=20,
                                   voting_rights_total=100, voting_rights_consenting=95)
    assert (consent.valid, consent.headcount_met, consent.voting_rights_met) == (False, False,
                                                                                 True)
    assert consent.reason.startswith(
        "20 of 40 members consent, not a majority in number (21 needed); they hold 95 of 100")


def test_percentage_is_shown_rounded_down() -> None:
    consent = short_notice_consent(legal_form=COMPANY, members_entitled=3, members_consenting=2,
                                   voting_rights_total=3000, voting_rights_consenting=2699)
    assert consent.valid is False
    assert "(89.96%), below the 90% required" in consent.reason


@pytest.mark.parametrize("threshold", [89, Decimal("95.5"), 100])
def test_private_company_threshold_outside_90_to_95_is_refused(threshold) -> None:
    with pytest.raises(UnlawfulTiming) as refused:
        short_notice_consent(legal_form=COMPANY, members_entitled=40, members_consenting=31,
                             voting_rights_total=100, voting_rights_consenting=91,
                             threshold_percent=threshold)
    assert refused.value.message == (
        "A private company's short-notice threshold must be between 90% and 95% of the voting "
        "rights (Companies Act 2006 s.307(5)-(6)).")


def test_society_rules_set_their_own_threshold() -> None:
    consent = short_notice_consent(legal_form=SOCIETY, members_entitled=10, members_consenting=6,
                                   voting_rights_total=10, voting_rights_consenting=6,
                                   threshold_percent=60)
    assert consent.valid is True
    assert consent.reason.endswith("at least the 60% required (the rules). Short notice is agreed.")
