"""The availability engine: pure rules, properties, the database loader, and agreement
with the double-booking guard on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spacebank.bookings.availability import (
    CellStatus, SlotProblem, SpaceRules, cell_interval, compute, describe_opening_hours,
    grid_hours, load_calendars, slot_problem, suggest_slot, week_grid, week_period,
)
from spacebank.bookings.intervals import Interval
from spacebank.bookings.locks import SlotTaken
from spacebank.extensions import db
from spacebank.timeutil import LONDON, day_bounds, local_datetime, to_local
from spacebank.venues.models import Closure

from .conftest import at

EVERY_DAY_9_TO_23 = {d: ((time(9), time(23)),) for d in range(7)}
ALL_DAY = {d: ((time(0), time(23, 59)),) for d in range(7)}
NEW_YEAR = datetime(2027, 1, 1, tzinfo=UTC)  # every 2027 day is within the default horizon


def rules(**kw) -> SpaceRules:
    kw.setdefault("opening_hours", EVERY_DAY_9_TO_23)
    return SpaceRules(**kw)


def free_intervals(*args, **kw) -> list[Interval]:
    return list(compute(*args, **kw).free)


def day(y, m, d) -> Interval:
    return Interval(*day_bounds(date(y, m, d)))


def local_pairs(intervals) -> list[tuple[str, str]]:
    return [(f"{to_local(i.start):%d %H:%M}", f"{to_local(i.end):%d %H:%M}") for i in intervals]


# --------------------------------------------------------------------------- pure rules


def test_with_nothing_booked_a_space_is_free_for_its_opening_hours():
    free = free_intervals(rules(), day(2027, 6, 3), NEW_YEAR)
    assert local_pairs(free) == [("03 09:00", "03 23:00")]


def test_a_booking_blocks_its_time_plus_the_turnaround_before_and_after():
    # The guard stored this booking (18:00-21:00, turnaround 30) as a lock 18:00-21:30.
    lock = Interval(at(2027, 6, 3, 18), at(2027, 6, 3, 21, 30))
    free = free_intervals(rules(turnaround_minutes=30), day(2027, 6, 3), NEW_YEAR, locks=[lock])
    # A new booking needs its own 30 minutes after it, so it must end by 17:30.
    assert local_pairs(free) == [("03 09:00", "03 17:30"), ("03 21:30", "03 23:00")]


def test_without_a_turnaround_bookings_may_touch():
    lock = Interval(at(2027, 6, 3, 18), at(2027, 6, 3, 20))
    free = free_intervals(rules(), day(2027, 6, 3), NEW_YEAR, locks=[lock])
    assert local_pairs(free) == [("03 09:00", "03 18:00"), ("03 20:00", "03 23:00")]


def test_closures_remove_their_time():
    closure = Interval(at(2027, 6, 3, 12), at(2027, 6, 3, 14))
    free = free_intervals(rules(), day(2027, 6, 3), NEW_YEAR, closures=[closure])
    assert local_pairs(free) == [("03 09:00", "03 12:00"), ("03 14:00", "03 23:00")]


def test_minimum_notice_hides_the_next_hours():
    now = at(2027, 6, 3, 10)
    free = free_intervals(rules(min_notice_hours=24), week_period(date(2027, 6, 3), 2), now)
    assert local_pairs(free)[0] == ("04 10:00", "04 23:00")


def test_nothing_is_free_beyond_the_booking_horizon():
    now = at(2027, 6, 1, 12)
    free = free_intervals(rules(booking_horizon_days=2), week_period(date(2027, 6, 1), 7), now)
    assert local_pairs(free) == [("01 12:00", "01 23:00"), ("02 09:00", "02 23:00"), ("03 09:00", "03 12:00")]


def test_notice_longer_than_the_horizon_leaves_nothing_free():
    assert free_intervals(rules(min_notice_hours=72, booking_horizon_days=2), day(2027, 6, 3), at(2027, 6, 2)) == []


@pytest.mark.parametrize(("day_", "hours"), [
    (date(2027, 3, 28), 23),  # clocks go forward
    (date(2027, 10, 31), 25),  # clocks go back
    (date(2027, 6, 1), 24),
])
def test_a_space_open_all_day_is_free_for_the_real_length_of_the_day(day_, hours):
    free = free_intervals(SpaceRules(opening_hours=ALL_DAY), Interval(*day_bounds(day_)), NEW_YEAR)
    assert sum(f.minutes for f in free) == hours * 60


def test_opening_hours_follow_the_wall_clock_across_the_spring_clock_change():
    # 9am to 5pm is 08:00-16:00 UTC on the first day of British Summer Time, 09:00-17:00 the day before.
    free = free_intervals(rules(), week_period(date(2027, 3, 27), 2), NEW_YEAR)
    assert [(f.start.astimezone(UTC).hour, f.end.astimezone(UTC).hour) for f in free] == [(9, 23), (8, 22)]


def test_a_booking_over_the_october_clock_change_blocks_both_one_oclocks():
    all_night = SpaceRules(opening_hours=ALL_DAY)
    # 00:30 BST to 01:30 GMT is two hours of real time.
    lock = Interval(local_datetime(date(2027, 10, 31), time(0, 30)), datetime(2027, 10, 31, 1, 30, tzinfo=UTC))
    free = free_intervals(all_night, day(2027, 10, 31), NEW_YEAR, locks=[lock])
    assert [f.minutes for f in free] == [30, 25 * 60 - 150]


def test_bookable_drops_gaps_shorter_than_the_shortest_booking():
    locks = [Interval(at(2027, 6, 3, 9), at(2027, 6, 3, 12)), Interval(at(2027, 6, 3, 12, 30), at(2027, 6, 3, 23))]
    availability = compute(rules(min_booking_minutes=60), day(2027, 6, 3), NEW_YEAR, locks=locks)
    assert local_pairs(availability.free) == [("03 12:00", "03 12:30")]
    assert availability.bookable == ()


@pytest.mark.parametrize(("start", "end", "problem"), [
    ((18, 0), (20, 0), None),
    ((18, 0), (18, 30), SlotProblem.TOO_SHORT),
    ((9, 0), (20, 0), SlotProblem.TOO_LONG),
    ((7, 0), (9, 30), SlotProblem.NOT_OPEN),
    ((12, 0), (14, 0), SlotProblem.CLOSED),
    ((15, 0), (17, 0), SlotProblem.BOOKED),  # ends inside the turnaround before the 17:00 booking
    ((14, 0), (16, 0), None),
    ((10, 0), (11, 0), SlotProblem.TOO_SOON),
])
def test_slot_problem_gives_the_first_reason_a_slot_cannot_be_booked(start, end, problem):
    space = rules(turnaround_minutes=60, min_booking_minutes=60, max_booking_minutes=240, min_notice_hours=2)
    now = at(2027, 6, 3, 8, 30)
    availability = compute(space, day(2027, 6, 3), now,
                           closures=[Interval(at(2027, 6, 3, 13), at(2027, 6, 3, 13, 30))],
                           locks=[Interval(at(2027, 6, 3, 17), at(2027, 6, 3, 18))])
    assert slot_problem(space, availability, at(2027, 6, 3, *start), at(2027, 6, 3, *end)) == problem


def test_a_slot_that_has_already_started_is_past():
    now = at(2027, 6, 3, 12)
    availability = compute(rules(), day(2027, 6, 3), now)
    assert slot_problem(rules(), availability, at(2027, 6, 3, 11), at(2027, 6, 3, 13)) == SlotProblem.PAST


def test_a_slot_beyond_the_horizon_is_too_far():
    space = rules(booking_horizon_days=1)
    availability = compute(space, week_period(date(2027, 6, 3), 2), at(2027, 6, 3, 8))
    assert slot_problem(space, availability, at(2027, 6, 4, 9), at(2027, 6, 4, 10)) == SlotProblem.TOO_FAR


# --------------------------------------------------------------------------- week grid


def test_the_hour_the_clocks_skip_is_not_a_cell():
    assert cell_interval(date(2027, 3, 28), 1) is None
    assert cell_interval(date(2027, 10, 31), 1).minutes == 120  # 1am happens twice


def test_grid_rows_run_from_the_first_opening_to_the_last_closing_hour():
    assert list(grid_hours(SpaceRules(opening_hours={0: ((time(9, 30), time(17),),), 5: ((time(10), time(21, 15)),)}))) \
        == list(range(9, 22))
    assert list(grid_hours(SpaceRules(opening_hours=ALL_DAY))) == list(range(24))
    assert list(grid_hours(SpaceRules())) == []


def test_grid_cells_say_what_each_hour_is():
    space = rules(turnaround_minutes=30, min_notice_hours=24, booking_horizon_days=5)
    now = at(2027, 6, 7, 12)  # Monday
    period = week_period(date(2027, 6, 7))
    availability = compute(space, period, now,
                           closures=[Interval(at(2027, 6, 9, 0), at(2027, 6, 10, 0))],
                           locks=[Interval(at(2027, 6, 10, 18), at(2027, 6, 10, 20))])
    grid = week_grid(space, availability, date(2027, 6, 7))
    status = {(cell.day.day, cell.hour): cell for row in grid.rows for cell in row.cells}
    assert status[(7, 10)].status is CellStatus.PAST
    assert status[(8, 10)].status is CellStatus.TOO_SOON
    assert status[(8, 12)].status is CellStatus.FREE
    assert status[(9, 12)].status is CellStatus.CLOSED
    assert status[(10, 18)].status is CellStatus.BOOKED
    assert status[(10, 17)].status is CellStatus.PARTLY_FREE  # turnaround before the booking
    assert (to_local(status[(10, 17)].free_part.start).hour, to_local(status[(10, 17)].free_part.end).minute) == (17, 30)
    assert status[(12, 11)].status is CellStatus.FREE
    assert status[(12, 12)].status is CellStatus.TOO_FAR  # 5 days after Monday midday
    assert status[(13, 12)].status is CellStatus.TOO_FAR


def test_cells_outside_opening_hours_are_not_open():
    space = rules(opening_hours={d: ((time(9), time(17)),) for d in range(5)} | {5: ((time(9), time(20)),)})
    availability = compute(space, week_period(date(2027, 6, 7)), NEW_YEAR)
    grid = week_grid(space, availability, date(2027, 6, 7))
    row = next(r for r in grid.rows if r.hour == 18)
    assert [c.status for c in row.cells] == [CellStatus.NOT_OPEN] * 5 + [CellStatus.FREE, CellStatus.NOT_OPEN]
    assert row.label == "6pm"


def test_a_free_cell_suggests_an_hour_from_its_start():
    free = Interval(at(2027, 6, 3, 9), at(2027, 6, 3, 23))
    slot = suggest_slot(free, at(2027, 6, 3, 18), rules())
    assert local_pairs([slot]) == [("03 18:00", "03 19:00")]


def test_a_suggestion_near_the_end_of_free_time_moves_earlier_to_fit_the_shortest_booking():
    free = Interval(at(2027, 6, 3, 9), at(2027, 6, 3, 17, 30))
    slot = suggest_slot(free, at(2027, 6, 3, 17), rules(min_booking_minutes=120))
    assert local_pairs([slot]) == [("03 15:30", "03 17:30")]


def test_a_suggestion_starts_on_a_quarter_hour():
    free = Interval(datetime(2027, 6, 3, 15, 43, 20, tzinfo=UTC), at(2027, 6, 3, 23))
    assert local_pairs([suggest_slot(free, free.start, rules())]) == [("03 16:45", "03 17:45")]


def test_opening_hours_are_described_with_days_grouped():
    space = SpaceRules(opening_hours={d: ((time(9), time(23, 59)),) for d in range(6)}
                       | {6: ((time(10), time(12)), (time(14), time(16, 30)))})
    assert describe_opening_hours(space) == [("Monday to Saturday", "9am to midnight"),
                                             ("Sunday", "10am to midday, 2pm to 4:30pm")]
    weekend_only = SpaceRules(opening_hours={5: ((time(9), time(17)),), 6: ((time(9), time(17)),)})
    assert describe_opening_hours(weekend_only) == [("Monday to Friday", "Closed"), ("Saturday and Sunday", "9am to 5pm")]


# --------------------------------------------------------------------------- properties

quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def opening_hours(draw):
    hours = {}
    for weekday in range(7):
        ranges = []
        for _ in range(draw(st.integers(0, 2))):
            a, b = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
            ranges.append((a, time(23, 59) if b == time(23, 45) and draw(st.booleans()) else b))
        hours[weekday] = tuple(sorted(ranges))
    return hours


space_rules = st.builds(
    SpaceRules, opening_hours=opening_hours(), turnaround_minutes=st.sampled_from([0, 15, 30, 60]),
    min_notice_hours=st.integers(0, 48), booking_horizon_days=st.integers(1, 60),
    min_booking_minutes=st.sampled_from([30, 60, 120]), max_booking_minutes=st.just(600),
)

# 2027, weighted towards the clock changes.
days_2027 = st.one_of(st.dates(date(2027, 1, 1), date(2027, 12, 31)),
                      st.sampled_from([date(2027, 3, 27), date(2027, 3, 28), date(2027, 10, 30), date(2027, 10, 31)]))
instants = st.builds(lambda d, minutes: local_datetime(d, time(0)) + timedelta(minutes=minutes),
                     days_2027, st.integers(0, 24 * 60 - 1))


@st.composite
def intervals(draw):
    start = draw(instants)
    return Interval(start, start + timedelta(minutes=draw(st.integers(15, 600))))


@st.composite
def scenarios(draw):
    space = draw(space_rules)
    first = draw(days_2027)
    period = week_period(first, draw(st.integers(1, 8)))
    now = local_datetime(first, time(0)) + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    return space, period, now, draw(st.lists(intervals(), max_size=4)), draw(st.lists(intervals(), max_size=8))


def _in_opening_hours(space: SpaceRules, moment: datetime) -> bool:
    """Independent of the engine: the London wall-clock time is inside a range that day.

    On the spring-forward day a wall-clock time between 1am and 2am does not exist and
    means the same time an hour later (timeutil.local_datetime), so 2am-3am may also be
    read as 1am-2am.
    """
    local = to_local(moment)
    readings = [local.time()]
    short_day = (day_bounds(local.date())[1] - day_bounds(local.date())[0]) < timedelta(hours=24)
    if short_day and local.hour == 2:
        readings.append(local.time().replace(hour=1))
    for opens, closes in space.opening_hours.get(local.weekday(), ()):
        end = time.max if closes >= time(23, 59) else closes
        if any(opens <= reading < end for reading in readings):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_property_a_booking_in_free_time_never_overlaps_an_existing_lock(scenario):
    space, period, now, closures, locks = scenario
    for free in free_intervals(space, period, now, closures, locks):
        new_lock = Interval(free.start, free.end + space.turnaround)  # what the guard would write
        assert not any(new_lock.overlaps(lock) for lock in locks)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_property_free_time_lies_inside_opening_hours_the_window_and_the_period(scenario):
    space, period, now, closures, locks = scenario
    availability = compute(space, period, now, closures, locks)
    for free in availability.free:
        assert period.contains(free)
        assert availability.window.contains(free)
        assert not any(free.overlaps(closure) for closure in closures)
        for moment in (free.start, free.start + (free.end - free.start) / 2, free.end - timedelta(minutes=1)):
            assert _in_opening_hours(space, moment), moment.astimezone(LONDON)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_property_free_intervals_are_sorted_and_separate(scenario):
    free = free_intervals(*scenario[:3], *scenario[3:])
    assert all(a.end < b.start for a, b in zip(free, free[1:]))


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.data())
def test_property_a_slot_is_bookable_exactly_when_it_fits_in_free_time(scenario, data):
    space, period, now, closures, locks = scenario
    availability = compute(space, period, now, closures, locks)
    start = data.draw(st.integers(0, int((period.end - period.start).total_seconds() // 900) - 1))
    length = data.draw(st.integers(1, 40))
    slot = Interval(period.start + timedelta(minutes=15 * start), period.start + timedelta(minutes=15 * (start + length)))
    assume(period.contains(slot))
    fits = any(f.contains(slot) for f in availability.free) and \
        space.min_booking_minutes <= slot.minutes <= space.max_booking_minutes
    assert (slot_problem(space, availability, slot.start, slot.end) is None) == fits


@settings(max_examples=200, deadline=None)
@given(days_2027)
def test_property_open_all_day_means_free_for_the_whole_london_day(day_):
    start, end = day_bounds(day_)
    free = free_intervals(SpaceRules(opening_hours=ALL_DAY), Interval(start, end), NEW_YEAR)
    assert free == [Interval(start, end)]
    assert free[0].minutes == {date(2027, 3, 28): 23 * 60, date(2027, 10, 31): 25 * 60}.get(day_, 24 * 60)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_property_grid_cells_called_free_are_free(scenario):
    space, period, now, closures, locks = scenario
    first = to_local(period.start).date()
    availability = compute(space, week_period(first), now, closures, locks)
    for row in week_grid(space, availability, first).rows:
        for cell in row.cells:
            if cell.status is CellStatus.FREE:
                assert any(f.contains(cell.interval) for f in availability.free)
            if cell.status.is_free:
                assert slot_problem(space, availability, cell.suggestion.start, cell.suggestion.end) is None
            if cell.status is CellStatus.BOOKED:
                assert not any(f.overlaps(cell.interval) for f in availability.bookable)


# --------------------------------------------------------------------------- the database loader


def split_hall(make, **kw):
    venue = make.venue()
    whole = make.space(venue, name="Main hall", **kw)
    east = make.space(venue, name="East half", parent=whole, **kw)
    west = make.space(venue, name="West half", parent=whole, **kw)
    db.session.commit()
    return venue, whole, east, west


def test_the_loader_reads_hours_rules_units_closures_and_locks(app, make):
    venue, whole, east, west = split_hall(make, turnaround_minutes=30, min_notice_hours=2)
    other = make.space(make.venue(), name="Elsewhere")
    db.session.add_all([
        Closure(venue=venue, starts_at=at(2027, 6, 3, 9), ends_at=at(2027, 6, 3, 10), reason="Venue"),
        Closure(space=east, starts_at=at(2027, 6, 3, 11), ends_at=at(2027, 6, 3, 12), reason="East"),
        Closure(space=other, starts_at=at(2027, 6, 3, 13), ends_at=at(2027, 6, 3, 14), reason="Other"),
        Closure(venue=venue, starts_at=at(2027, 6, 10, 9), ends_at=at(2027, 6, 10, 10), reason="Later"),
    ])
    db.session.commit()
    make.booking(west, at(2027, 6, 3, 18), at(2027, 6, 3, 20))  # lock until 20:30 on west

    calendars = load_calendars([whole.id, east.id, west.id, 999999], day(2027, 6, 3))

    assert set(calendars) == {whole.id, east.id, west.id}
    assert calendars[whole.id].unit_ids == (east.id, west.id)
    assert calendars[east.id].unit_ids == (east.id,)
    assert calendars[whole.id].rules.turnaround_minutes == 30
    assert calendars[whole.id].rules.min_notice_hours == 2
    assert calendars[whole.id].rules.opening_hours[3] == ((time(9), time(23)),)
    # Closing a half stops the whole; the whole's closures reach its halves; venue closures reach all.
    assert local_pairs(calendars[whole.id].closures) == [("03 09:00", "03 10:00"), ("03 11:00", "03 12:00")]
    assert local_pairs(calendars[west.id].closures) == [("03 09:00", "03 10:00")]
    assert local_pairs(calendars[whole.id].locks) == [("03 18:00", "03 20:30")]
    assert calendars[east.id].locks == ()


def test_a_closure_of_the_whole_hall_closes_its_halves(app, make):
    venue, whole, east, west = split_hall(make)
    db.session.add(Closure(space=whole, starts_at=at(2027, 6, 3, 0), ends_at=at(2027, 6, 4, 0), reason="Floor"))
    db.session.commit()
    calendars = load_calendars([east.id], day(2027, 6, 3))
    assert calendars[east.id].availability(day(2027, 6, 3), NEW_YEAR).free == ()


def test_the_loader_follows_parts_of_parts_of_parts_both_ways(app, make):
    venue = make.venue()
    whole = make.space(venue, name="Whole", turnaround_minutes=0)
    half = make.space(venue, name="Half", parent=whole, turnaround_minutes=0)
    other_half = make.space(venue, name="Other half", parent=whole, turnaround_minutes=0)
    quarter = make.space(venue, name="Quarter", parent=half, turnaround_minutes=0)
    make.space(venue, name="Other quarter", parent=half, turnaround_minutes=0)
    eighth = make.space(venue, name="Eighth", parent=quarter, turnaround_minutes=0)
    make.space(venue, name="Other eighth", parent=quarter, turnaround_minutes=0)
    db.session.add(Closure(space=whole, starts_at=at(2027, 6, 3, 9), ends_at=at(2027, 6, 3, 10), reason="Whole"))
    db.session.commit()
    make.booking(eighth, at(2027, 6, 3, 18), at(2027, 6, 3, 19))

    calendars = load_calendars([whole.id, eighth.id], day(2027, 6, 3))

    assert len(calendars[whole.id].unit_ids) == 4  # two eighths, a quarter, the other half
    assert other_half.id in calendars[whole.id].unit_ids and quarter.id not in calendars[whole.id].unit_ids
    assert local_pairs(calendars[whole.id].locks) == [("03 18:00", "03 19:00")]
    assert local_pairs(calendars[eighth.id].closures) == [("03 09:00", "03 10:00")]  # from three levels up


def test_the_loader_stops_even_if_parts_loop_back_to_their_whole(app, make):
    venue = make.venue()
    a = make.space(venue, name="A")
    b = make.space(venue, name="B", parent=a)
    c = make.space(venue, name="C", parent=b)
    db.session.commit()
    a.parent_id = c.id  # a data error: A is part of C, which is part of B, which is part of A
    db.session.commit()
    calendars = load_calendars([a.id, b.id, c.id], day(2027, 6, 3))
    assert set(calendars) == {a.id, b.id, c.id}


def test_the_loader_finds_locks_that_start_before_the_period_or_just_after_it(app, make):
    space = make.space(turnaround_minutes=60)
    db.session.commit()
    make.booking(space, at(2027, 6, 2, 22), at(2027, 6, 3, 1))  # overnight, into the day
    make.booking(space, at(2027, 6, 4, 0, 30), at(2027, 6, 4, 2))  # blocks the last hour of the day
    calendar = load_calendars([space.id], day(2027, 6, 3))[space.id]
    availability = calendar.availability(day(2027, 6, 3), NEW_YEAR)
    assert len(calendar.locks) == 2
    assert local_pairs(availability.booked) == [("03 00:00", "03 02:00"), ("03 23:30", "04 00:00")]


def test_the_loader_can_leave_out_one_bookings_locks(app, make):
    space = make.space()
    db.session.commit()
    booking = make.booking(space, at(2027, 6, 3, 18), at(2027, 6, 3, 20))
    calendars = load_calendars([space.id], day(2027, 6, 3), exclude_booking_id=booking.id)
    assert calendars[space.id].locks == ()


def test_the_loader_needs_the_same_few_queries_for_many_spaces(app, make):
    def selects_for(space_ids):
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            load_calendars(space_ids, day(2027, 6, 3))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])

    few = [split_hall(make)[1].id]
    many = [split_hall(make)[1].id for _ in range(8)] + [make.space().id for _ in range(8)]
    db.session.commit()
    assert selects_for(many) == selects_for(few) == 4


def test_the_engine_agrees_with_the_database_guard(app, make, backend):
    """On both databases: times the engine calls free can be booked, booked ones cannot."""
    venue, whole, east, west = split_hall(make, turnaround_minutes=30)
    make.booking(east, at(2027, 6, 3, 14), at(2027, 6, 3, 16))
    period = day(2027, 6, 3)
    calendars = load_calendars([whole.id, west.id], period)
    whole_free = calendars[whole.id].availability(period, NEW_YEAR).free
    west_free = calendars[west.id].availability(period, NEW_YEAR).free

    # Identical on SQLite and PostgreSQL: the east half's lock (14:00-16:30) blocks the whole.
    assert local_pairs(whole_free) == [("03 09:00", "03 13:30"), ("03 16:30", "03 23:00")]
    assert local_pairs(west_free) == [("03 09:00", "03 23:00")]

    with pytest.raises(SlotTaken):  # ends inside the 30 minutes the whole hall needs before 14:00
        make.booking(whole, at(2027, 6, 3, 12), at(2027, 6, 3, 13, 45))
    make.booking(whole, at(2027, 6, 3, 12), at(2027, 6, 3, 13, 30))  # right up to the edge of free time
    make.booking(whole, at(2027, 6, 3, 16, 30), at(2027, 6, 3, 18))
    make.booking(west, at(2027, 6, 3, 19), at(2027, 6, 3, 21))

    after = load_calendars([whole.id, west.id], period)
    assert local_pairs(after[whole.id].availability(period, NEW_YEAR).free) == [
        ("03 09:00", "03 11:30"), ("03 21:30", "03 23:00")]
    assert local_pairs(after[west.id].availability(period, NEW_YEAR).free) == [
        ("03 09:00", "03 11:30"), ("03 14:00", "03 16:00"), ("03 21:30", "03 23:00")]
