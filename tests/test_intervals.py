"""Half-open interval arithmetic, with the London clock changes."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacebank.bookings.intervals import Interval, clip, merge, opening_intervals, subtract
from spacebank.timeutil import day_bounds, local_datetime


def t(hour, minute=0):
    return datetime(2030, 1, 7, hour, minute, tzinfo=UTC)


def test_touching_intervals_do_not_overlap():
    assert not Interval(t(10), t(12)).overlaps(Interval(t(12), t(14)))
    assert Interval(t(10), t(12)).overlaps(Interval(t(11, 59), t(14)))


def test_an_interval_must_end_after_it_starts():
    with pytest.raises(ValueError):
        Interval(t(12), t(12))


def test_subtract_cuts_holes_and_trims_edges():
    base = [Interval(t(9), t(23))]
    cuts = [Interval(t(8), t(10)), Interval(t(12), t(13)), Interval(t(22), t(23, 30))]
    assert subtract(base, cuts) == [Interval(t(10), t(12)), Interval(t(13), t(22))]


def test_merge_joins_touching_and_overlapping_intervals():
    assert merge([Interval(t(12), t(14)), Interval(t(9), t(12)), Interval(t(13), t(15))]) == [Interval(t(9), t(15))]


def test_clip_keeps_only_the_window():
    assert clip([Interval(t(8), t(10)), Interval(t(11), t(20))], Interval(t(9), t(12))) == [
        Interval(t(9), t(10)), Interval(t(11), t(12))]


@pytest.mark.parametrize(("day", "hours"), [
    (date(2027, 3, 28), 23),  # clocks go forward
    (date(2027, 10, 31), 25),  # clocks go back
    (date(2027, 6, 1), 24),
    (date(2027, 12, 1), 24),
])
def test_london_days_last_23_24_or_25_hours(day, hours):
    start, end = day_bounds(day)
    assert end - start == timedelta(hours=hours)


def test_opening_hours_are_wall_clock_times_on_both_sides_of_a_clock_change():
    hours = {d: [(time(9), time(23))] for d in range(7)}
    spring = opening_intervals(hours, date(2027, 3, 27), date(2027, 3, 28))
    # 9am GMT is 09:00 UTC; the next day 9am BST is 08:00 UTC.
    assert [i.start.astimezone(UTC).hour for i in spring] == [9, 8]
    assert all(i.minutes == 14 * 60 for i in spring)


def test_a_time_in_the_spring_gap_moves_forward():
    # 01:30 does not exist on 28 March 2027 in London.
    assert local_datetime(date(2027, 3, 28), time(1, 30)) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_an_ambiguous_autumn_time_takes_its_first_occurrence():
    assert local_datetime(date(2027, 10, 31), time(1, 30)) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


minutes = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def intervals(draw, max_size=6):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        a, b = sorted([draw(minutes), draw(minutes)])
        if a != b:
            out.append(Interval(t(0) + timedelta(minutes=a), t(0) + timedelta(minutes=b)))
    return out


@given(intervals(), intervals())
def test_subtracted_intervals_never_overlap_a_cut_and_stay_inside_the_base(base, cuts):
    result = subtract(base, cuts)
    assert not any(r.overlaps(c) for r in result for c in cuts)
    assert all(any(b.contains(r) for b in merge(base)) for r in result)


@given(intervals(), intervals())
def test_overlap_is_symmetric(a, b):
    for x in a:
        for y in b:
            assert x.overlaps(y) == y.overlaps(x)


@given(intervals())
def test_merged_intervals_are_sorted_and_apart(items):
    merged = merge(items)
    assert all(x.end < y.start for x, y in zip(merged, merged[1:]))
    assert sum(i.minutes for i in merged) <= sum(i.minutes for i in items)


@pytest.mark.parametrize(("typed", "expected"), [
    ("18", time(18)), ("1800", time(18)), ("18:00", time(18)), ("18.00", time(18)), (" 9:30 ", time(9, 30)),
    ("6pm", time(18)), ("6 p.m.", time(18)), ("6:30PM", time(18, 30)), ("12am", time(0)), ("12pm", time(12)),
    ("midday", time(12)), ("noon", time(12)), ("midnight", time(0)),
])
def test_times_are_read_the_way_people_type_them(typed, expected):
    from spacebank.timeutil import parse_time

    assert parse_time(typed) == expected


@pytest.mark.parametrize(("typed", "reason"), [
    ("25:00", "real"), ("13pm", "real"), ("9:75", "real"), ("0am", "real"), ("six", "format"), ("", "format"),
    ("18:00:00", "format"),
])
def test_answers_that_are_not_times_say_why(typed, reason):
    from spacebank.timeutil import parse_time

    with pytest.raises(ValueError, match=reason):
        parse_time(typed)
