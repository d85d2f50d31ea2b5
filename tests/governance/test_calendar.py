import datetime as dt

import pytest

from governance.calendar import (
    LONDON,
    Nation,
    add_working_days,
    add_working_hours,
    bank_holidays,
    is_working_day,
    subtract_working_hours,
)

EW, SCOTLAND, NI = Nation.ENGLAND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND
UTC = dt.UTC


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def working(day: dt.date) -> dict[str, bool]:
    return {nation: is_working_day(day, nation=nation) for nation in Nation.values}


def test_nation_choices() -> None:
    assert Nation.choices == [("england-wales", "England and Wales"), ("scotland", "Scotland"),
                              ("northern-ireland", "Northern Ireland")]


def test_easter_monday_is_a_working_day_in_scotland_only() -> None:
    assert working(dt.date(2025, 4, 21)) == {"england-wales": False, "scotland": True,
                                             "northern-ireland": False}
    assert working(dt.date(2025, 4, 18)) == {"england-wales": False, "scotland": False,
                                             "northern-ireland": False}


def test_second_of_january_and_its_substitutes_in_scotland() -> None:
    assert working(dt.date(2025, 1, 2)) == {"england-wales": True, "scotland": False,
                                            "northern-ireland": True}
    # 2022: 1 and 2 January fell at the weekend; Scotland took 3 and 4 January, the rest 3 only.
    assert working(dt.date(2022, 1, 3)) == {"england-wales": False, "scotland": False,
                                            "northern-ireland": False}
    assert working(dt.date(2022, 1, 4)) == {"england-wales": True, "scotland": False,
                                            "northern-ireland": True}
    # 2027: 2 January is a Saturday, so Monday 4 January is the Scottish holiday.
    assert not is_working_day(dt.date(2027, 1, 4), nation=SCOTLAND)
    assert is_working_day(dt.date(2027, 1, 4), nation=EW)


def test_st_andrews_day_and_its_substitute() -> None:
    assert not is_working_day(dt.date(2026, 11, 30), nation=SCOTLAND)  # a Monday
    assert is_working_day(dt.date(2026, 11, 30), nation=EW)
    # 30 November 2025 is a Sunday: Monday 1 December is the holiday in Scotland.
    assert working(dt.date(2025, 12, 1)) == {"england-wales": True, "scotland": False,
                                             "northern-ireland": True}


def test_summer_bank_holiday_first_monday_in_scotland_last_monday_elsewhere() -> None:
    assert working(dt.date(2025, 8, 4)) == {"england-wales": True, "scotland": False,
                                            "northern-ireland": True}
    assert working(dt.date(2025, 8, 25)) == {"england-wales": False, "scotland": True,
                                             "northern-ireland": False}


def test_christmas_and_boxing_day_substitutes() -> None:
    # 2021: Christmas on Saturday, Boxing Day on Sunday -> Monday 27 and Tuesday 28.
    for day in (27, 28):
        assert working(dt.date(2021, 12, day)) == dict.fromkeys(Nation.values, False)
    assert working(dt.date(2021, 12, 29)) == dict.fromkeys(Nation.values, True)
    # 2022: Christmas on Sunday, Boxing Day on Monday -> Tuesday 27 substitutes.
    assert working(dt.date(2022, 12, 27)) == dict.fromkeys(Nation.values, False)
    assert working(dt.date(2022, 12, 28)) == dict.fromkeys(Nation.values, True)


def test_northern_ireland_holidays() -> None:
    assert working(dt.date(2025, 3, 17)) == {"england-wales": True, "scotland": True,
                                             "northern-ireland": False}
    assert working(dt.date(2024, 7, 12)) == {"england-wales": True, "scotland": True,
                                             "northern-ireland": False}
    # 12 July 2025 is a Saturday: Monday 14 July is the holiday.
    assert working(dt.date(2025, 7, 14)) == {"england-wales": True, "scotland": True,
                                             "northern-ireland": False}


def test_bank_holidays_of_a_year() -> None:
    assert sorted(bank_holidays(nation=SCOTLAND, year=2025)) == [
        dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 4, 18), dt.date(2025, 5, 5),
        dt.date(2025, 5, 26), dt.date(2025, 8, 4), dt.date(2025, 11, 30), dt.date(2025, 12, 1),
        dt.date(2025, 12, 25), dt.date(2025, 12, 26)]
    assert sorted(bank_holidays(nation=EW, year=2025)) == [
        dt.date(2025, 1, 1), dt.date(2025, 4, 18), dt.date(2025, 4, 21), dt.date(2025, 5, 5),
        dt.date(2025, 5, 26), dt.date(2025, 8, 25), dt.date(2025, 12, 25), dt.date(2025, 12, 26)]


def test_weekends_are_not_working_days() -> None:
    assert working(dt.date(2025, 3, 8)) == dict.fromkeys(Nation.values, False)
    assert working(dt.date(2025, 3, 9)) == dict.fromkeys(Nation.values, False)
    assert working(dt.date(2025, 3, 10)) == dict.fromkeys(Nation.values, True)


def test_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError):
        is_working_day(dt.date(2025, 3, 10), nation="wales")


def test_add_working_days_over_easter() -> None:
    # Five working days to answer an inspection request received on Thursday 17 April 2025.
    assert add_working_days(dt.date(2025, 4, 17), 5, nation=EW) == dt.date(2025, 4, 28)
    assert add_working_days(dt.date(2025, 4, 17), 5, nation=SCOTLAND) == dt.date(2025, 4, 25)
    assert add_working_days(dt.date(2025, 3, 8), 1, nation=EW) == dt.date(2025, 3, 10)
    assert add_working_days(dt.date(2025, 3, 10), 0, nation=EW) == dt.date(2025, 3, 10)


def test_friday_afternoon_plus_48_working_hours_is_tuesday() -> None:
    assert add_working_hours(london(2025, 3, 7, 15), 48, nation=EW) == london(2025, 3, 11, 15)


def test_working_hours_skip_a_bank_holiday_monday() -> None:
    assert add_working_hours(london(2025, 5, 23, 15), 48, nation=EW) == london(2025, 5, 28, 15)


def test_working_hours_over_easter_differ_by_nation() -> None:
    sent = london(2025, 4, 17, 10)
    assert add_working_hours(sent, 48, nation=EW) == london(2025, 4, 23, 10)
    assert add_working_hours(sent, 48, nation=SCOTLAND) == london(2025, 4, 22, 10)
    assert add_working_hours(sent, 48, nation=NI) == london(2025, 4, 23, 10)


def test_local_time_holds_across_the_clocks_changing() -> None:
    spring = add_working_hours(london(2025, 3, 28, 15), 48, nation=EW)
    assert spring == london(2025, 4, 1, 15)
    assert (spring.hour, spring.utcoffset()) == (15, dt.timedelta(hours=1))
    autumn = add_working_hours(london(2025, 10, 24, 15), 48, nation=EW)
    assert autumn == london(2025, 10, 28, 15)
    assert (autumn.hour, autumn.utcoffset()) == (15, dt.timedelta(0))


def test_time_given_in_utc_is_counted_on_the_london_clock() -> None:
    result = add_working_hours(dt.datetime(2025, 6, 6, 14, tzinfo=UTC), 48, nation=EW)
    assert result == london(2025, 6, 10, 15)
    assert result.tzinfo is LONDON


def test_hours_sent_on_a_weekend_start_on_monday() -> None:
    assert add_working_hours(london(2025, 3, 8, 12), 1, nation=EW) == london(2025, 3, 10, 1)
    assert add_working_hours(london(2025, 3, 10, 9, 30), 2.5, nation=EW) == london(2025, 3, 10, 12)


def test_subtract_working_hours_before_a_meeting_after_a_bank_holiday() -> None:
    assert subtract_working_hours(london(2025, 5, 27, 10), 48, nation=EW) == london(2025, 5, 22, 10)
    assert subtract_working_hours(london(2025, 4, 22, 10), 48, nation=EW) == london(2025, 4, 16, 10)
    assert (subtract_working_hours(london(2025, 4, 22, 10), 48, nation=SCOTLAND)
            == london(2025, 4, 17, 10))
    assert (subtract_working_hours(london(2025, 3, 31, 10), 24, nation=EW)
            == london(2025, 3, 28, 10))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2025, 3, 7, 15), 48, nation=EW)
    with pytest.raises(ValueError):
        subtract_working_hours(dt.datetime(2025, 3, 7, 15), 48, nation=EW)
