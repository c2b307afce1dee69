"""Booking rules: the pure functions (edge-case tables, properties) and each rule's message
as people see it in the booking flow."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from spacebank.bookings import queries, rules
from spacebank.bookings.models import Booking
from spacebank.bookings.intervals import Interval
from spacebank.extensions import db
from spacebank.formatting import format_date
from spacebank.timeutil import local_datetime, to_local, today_local
from spacebank.accounts.models import Verification
from spacebank.venues.models import Closure, HirerCategory

from .booking_fixtures import (
    answer_all,
    bookable_space,
    confirm,
    error_summary,
    field_error,
    hm,
    post_step,
    signed_in_booker,
    summary_value,
    when_data,
)
from .conftest import at, future_day, page, text_of

HALL = rules.SpaceRules(name="Main hall", min_booking_minutes=60, max_booking_minutes=480, turnaround_minutes=30,
                        min_notice_hours=24, booking_horizon_days=180, capacity=60)
EVERY_DAY = {weekday: [(time(9), time(23))] for weekday in range(7)}
NOW = at(2027, 3, 1, 12)  # a Monday, midday


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# ---------------------------------------------------------------- pure rules

@pytest.mark.parametrize(("start", "end", "expected"), [
    (at(2027, 3, 3, 18), at(2027, 3, 3, 20), []),
    (at(2027, 2, 28, 18), at(2027, 2, 28, 20), ["past"]),  # yesterday
    (at(2027, 3, 1, 11), at(2027, 3, 1, 13), ["past"]),  # earlier today
    (at(2027, 3, 2, 11, 45), at(2027, 3, 2, 13), ["notice"]),  # 23h45 ahead
    (at(2027, 3, 2, 12), at(2027, 3, 2, 13), []),  # exactly 24 hours ahead
    (at(2027, 8, 28, 10), at(2027, 8, 28, 12), []),  # day 180
    (at(2027, 8, 29, 10), at(2027, 8, 29, 12), ["horizon"]),  # day 181
    (at(2027, 3, 3, 18), at(2027, 3, 3, 18, 45), ["too_short"]),
    (at(2027, 3, 3, 9), at(2027, 3, 3, 17, 15), ["too_long"]),
    (at(2027, 3, 3, 9), at(2027, 3, 3, 17), []),  # exactly the maximum
    (at(2027, 3, 3, 18, 10), at(2027, 3, 3, 20), ["quarter_hour"]),
    (at(2027, 3, 3, 18), at(2027, 3, 3, 19, 59), ["quarter_hour"]),
    (at(2027, 3, 3, 20), at(2027, 3, 3, 18), ["order"]),
])
def test_time_rules_edge_cases(start, end, expected):
    assert codes(rules.check_times(HALL, start, end, NOW)) == expected


def test_a_space_taken_offline_cannot_be_booked_even_by_staff():
    offline = replace(HALL, is_bookable=False)
    [problem] = rules.check_times(offline, at(2027, 3, 3, 18), at(2027, 3, 3, 20), NOW, by_staff=True)
    assert (problem.code, problem.message, problem.field) == (
        "not_bookable", "Main hall cannot be booked online at the moment.", "date")


def test_staff_may_book_at_short_notice_and_beyond_the_horizon_but_not_in_the_past():
    assert rules.check_times(HALL, at(2027, 3, 1, 18), at(2027, 3, 1, 20), NOW, by_staff=True) == []
    assert rules.check_times(HALL, at(2028, 3, 1, 18), at(2028, 3, 1, 20), NOW, by_staff=True) == []
    assert codes(rules.check_times(HALL, at(2027, 3, 1, 9), at(2027, 3, 1, 11), NOW, by_staff=True)) == ["past"]


def test_length_is_measured_in_hours_actually_used_over_the_clock_changes():
    # 01:00 to 03:00 on 28 March 2027 is one hour; on 31 October 2027 it is three.
    long_minimum = replace(HALL, min_booking_minutes=90)
    assert codes(rules.check_length(long_minimum, at(2027, 3, 28, 1), at(2027, 3, 28, 3))) == ["too_short"]
    short_max = replace(HALL, max_booking_minutes=150)
    assert codes(rules.check_length(short_max, at(2027, 10, 31, 1), at(2027, 10, 31, 3))) == ["too_long"]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (at(2027, 3, 3, 9), at(2027, 3, 3, 11), []),  # from opening
    (at(2027, 3, 3, 21), at(2027, 3, 3, 23), []),  # to closing
    (at(2027, 3, 3, 8, 45), at(2027, 3, 3, 10), ["opening_hours"]),
    (at(2027, 3, 3, 22), at(2027, 3, 3, 23, 15), ["opening_hours"]),
    (at(2027, 3, 3, 12), at(2027, 3, 3, 14), ["opening_hours"]),  # across the lunch break
    (at(2027, 3, 3, 14), at(2027, 3, 3, 16), []),  # inside the second range
    (at(2027, 3, 7, 10), at(2027, 3, 7, 12), ["closed_day"]),  # Sunday
])
def test_opening_hours_allow_any_range_of_the_london_day(start, end, expected):
    opening = {weekday: [(time(9), time(13)), (time(13, 30), time(23))] for weekday in range(6)}
    assert codes(rules.check_calendar(HALL, rules.SpaceCalendar(opening), start, end)) == expected


def test_opening_hours_are_wall_clock_times_on_clock_change_days():
    all_day = {6: [(time(0), time(23, 59))]}
    assert rules.check_calendar(HALL, rules.SpaceCalendar(all_day), at(2027, 3, 28, 0, 30), at(2027, 3, 28, 3)) == []
    assert rules.check_calendar(HALL, rules.SpaceCalendar(all_day), at(2027, 10, 31, 0, 30), at(2027, 10, 31, 3)) == []


def test_an_end_of_midnight_or_2359_ends_the_day():
    day = date(2027, 10, 31)  # the clocks go back at 2am
    assert rules.slot_instants(day, time(22), time(0)) == (at(2027, 10, 31, 22), at(2027, 11, 1))
    assert rules.slot_instants(day, time(22), time(23, 59)) == (at(2027, 10, 31, 22), at(2027, 11, 1))
    assert rules.slot_instants(day, time(0), time(3)) == (at(2027, 10, 31), at(2027, 10, 31, 3))
    late = {6: [(time(9), time(23, 59))]}
    assert rules.check_calendar(HALL, rules.SpaceCalendar(late), *rules.slot_instants(day, time(22), time(0))) == []
    [problem] = rules.check_calendar(HALL, rules.SpaceCalendar(late), at(2027, 10, 31, 8), at(2027, 10, 31, 10))
    assert problem.message == "Main hall is open 9am to midnight on Sundays. Choose a time when it is open"


@pytest.mark.parametrize(("taken", "expected"), [
    ((at(2027, 3, 3, 16), at(2027, 3, 3, 18, 30)), []),  # their turnaround ends as this starts
    ((at(2027, 3, 3, 16), at(2027, 3, 3, 18, 45)), ["taken"]),
    ((at(2027, 3, 3, 20, 30), at(2027, 3, 3, 22)), []),  # this turnaround ends as theirs starts
    ((at(2027, 3, 3, 20, 15), at(2027, 3, 3, 22)), ["taken"]),  # inside this booking's turnaround
    ((at(2027, 3, 3, 18, 30), at(2027, 3, 3, 19)), ["taken"]),
])
def test_other_bookings_and_turnaround_buffers_block_the_time(taken, expected):
    calendar = rules.SpaceCalendar(EVERY_DAY, taken=[Interval(*taken)])
    assert codes(rules.check_calendar(HALL, calendar, at(2027, 3, 3, 18, 30), at(2027, 3, 3, 20))) == expected


def test_a_closure_blocks_the_time_and_gives_its_reason():
    closed = rules.Closed(Interval(at(2027, 5, 31), at(2027, 6, 1)), "Closed for the bank holiday (Spring bank holiday)")
    [problem] = rules.check_calendar(HALL, rules.SpaceCalendar(EVERY_DAY, closures=[closed]),
                                     at(2027, 5, 31, 10), at(2027, 5, 31, 12))
    assert problem.message == "Main hall is closed at this time: Closed for the bank holiday (Spring bank holiday)"
    assert problem.reason == "Closed for the bank holiday (Spring bank holiday)"


def test_attendees_must_fit_the_capacity():
    assert rules.check_attendees(HALL, 60) == []
    [problem] = rules.check_attendees(HALL, 61)
    assert problem.message == "Main hall holds up to 60 people. Enter 60 or fewer"


@pytest.mark.parametrize(("used_hours", "booking_hours", "allowed"), [
    (0, 20, True), (18, 2, True), (18, 3, False), (20, 1, False), (25, 1, False)])
def test_fair_use_counts_this_booking_with_the_months_free_hours(used_hours, booking_hours, allowed):
    fair_use = rules.FairUse(limit_hours=20, used_minutes=used_hours * 60, month=date(2027, 5, 1))
    assert fair_use.allows(booking_hours * 60) is allowed
    note = fair_use.note(booking_hours * 60, "Community Halls")
    assert (note is None) is allowed


def test_the_fair_use_note_says_how_much_is_left_and_what_happens():
    fair_use = rules.FairUse(limit_hours=20, used_minutes=18 * 60 + 30, month=date(2027, 5, 1))
    assert fair_use.note(120, "Community Halls").message == (
        "Your group can use Community Halls spaces free for up to 20 hours a month. It has 1 hour 30 minutes "
        "free left in May 2027, so this booking is charged at the community rate")


def test_a_booking_belongs_to_the_london_month_it_starts_in():
    # 00:30 on 1 June 2027 in London is still 31 May in UTC.
    assert rules.month_of(at(2027, 6, 1, 0, 30)) == date(2027, 6, 1)


@pytest.mark.parametrize(("now", "confirmed", "expected"), [
    (at(2027, 3, 8, 17, 59), True, []),  # 48 hours and a minute before
    (at(2027, 3, 8, 18, 0), True, []),  # exactly at the deadline
    (at(2027, 3, 8, 18, 1), True, ["cancellation_notice"]),
    (at(2027, 3, 10, 17), False, []),  # a request can be withdrawn until it starts
    (at(2027, 3, 10, 18), False, ["started"]),
])
def test_cancellation_notice(now, confirmed, expected):
    assert codes(rules.check_cancellation(at(2027, 3, 10, 18), 48, now, confirmed=confirmed)) == expected


def test_the_cancellation_message_gives_the_last_time_to_cancel():
    [problem] = rules.check_cancellation(at(2027, 3, 10, 18), 48, at(2027, 3, 9, 9), confirmed=True)
    assert problem.message == ("You can cancel online up to 48 hours before the booking starts, so the last time "
                               "to cancel this booking was Monday 8 March 2027 at 6pm. Contact the venue to cancel it")


def test_staff_can_always_cancel():
    assert rules.check_cancellation(at(2027, 3, 10, 18), 48, at(2027, 3, 11, 9), confirmed=True, by_staff=True) == []


def test_the_notice_message_names_the_earliest_start():
    [problem] = rules.check_times(HALL, at(2027, 3, 1, 18), at(2027, 3, 1, 20), at(2027, 3, 1, 12, 7))
    assert problem.message == ("Main hall must be booked at least 24 hours ahead. "
                               "The earliest you can start is Tuesday 2 March 2027 at 12:15pm")


# ---------------------------------------------------------------- properties

quarter_hours = st.integers(min_value=0, max_value=4 * 24 * 14).map(
    lambda n: datetime(2027, 3, 22, tzinfo=UTC) + timedelta(minutes=15 * n))


@settings(max_examples=200, deadline=None)
@given(start=quarter_hours, hours=st.integers(1, 8), taken_start=quarter_hours, taken_hours=st.integers(1, 8))
def test_the_time_is_taken_exactly_when_it_and_its_buffer_overlap_another_booking(start, hours, taken_start, taken_hours):
    taken = Interval(taken_start, taken_start + timedelta(hours=taken_hours))
    calendar = rules.SpaceCalendar({d: [(time(0), time(23, 59))] for d in range(7)}, taken=[taken])
    end = start + timedelta(hours=hours)
    problems = codes(rules.check_calendar(HALL, calendar, start, end))
    claim = Interval(start, end + timedelta(minutes=HALL.turnaround_minutes))
    assert ("taken" in problems) == (claim.start < taken.end and taken.start < claim.end)


@settings(max_examples=200, deadline=None)
@given(start=quarter_hours, hours=st.integers(1, 8))
def test_a_slot_that_passes_lies_inside_opening_hours(start, hours):
    opening = {d: [(time(9), time(13)), (time(14), time(22))] for d in range(7)}
    end = start + timedelta(hours=hours)
    if not rules.check_calendar(HALL, rules.SpaceCalendar(opening), start, end):
        local_start, local_end = to_local(start), to_local(end)
        assert local_start.date() == local_end.date()
        assert any(opens <= local_start.time() and local_end.time() <= closes
                   for opens, closes in opening[local_start.weekday()])


@given(first=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 1, 1)), every=st.sampled_from([7, 14]),
       count=st.integers(1, 52))
def test_occurrences_fall_on_the_same_weekday_at_even_steps(first, every, count):
    days = rules.occurrence_days(first, every, count)
    assert len(days) == count and days[0] == first
    assert {d.weekday() for d in days} == {first.weekday()}
    assert all((b - a).days == every for a, b in zip(days, days[1:]))


# ---------------------------------------------------------------- each rule's message in the flow

def when_problem(client, space, day, start, end, field="start"):
    response = post_step(client, f"/book/{space.id}", when_data(day, start, end))
    assert response.status_code == 200, response.headers.get("Location")
    message = field_error(response, field)
    assert message in error_summary(response)
    return message


def test_the_when_page_refuses_a_date_in_the_past(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    yesterday = today_local() - timedelta(days=1)
    assert when_problem(client, space, yesterday, "18:00", "20:00", "date") == "Date must be today or in the future"


def test_the_when_page_refuses_too_little_notice(client, make):
    space = bookable_space(make, min_notice_hours=24 * 30)
    signed_in_booker(client, make)
    message = when_problem(client, space, future_day(weeks_ahead=2), "18:00", "20:00")
    assert message.startswith("Main hall must be booked at least 720 hours ahead. The earliest you can start is ")


def test_the_when_page_refuses_a_date_beyond_the_booking_horizon(client, make):
    space = bookable_space(make, booking_horizon_days=7)
    signed_in_booker(client, make)
    latest = format_date(today_local() + timedelta(days=7))
    assert when_problem(client, space, future_day(weeks_ahead=2), "18:00", "20:00", "date") == (
        f"Main hall can be booked up to 7 days ahead. Choose a date on or before {latest}")


def test_the_when_page_refuses_a_booking_too_short_or_too_long(client, make):
    space = bookable_space(make, min_booking_minutes=60, max_booking_minutes=240)
    signed_in_booker(client, make)
    day = future_day(3)
    assert when_problem(client, space, day, "18:00", "18:30", "end") == "A booking of Main hall must be at least 1 hour long"
    assert when_problem(client, space, day, "10:00", "14:15", "end") == "A booking of Main hall can be no longer than 4 hours"


def test_the_when_page_refuses_times_outside_opening_hours(client, make):
    space = bookable_space(make, hours=((0, 5, time(9), time(17)),))
    signed_in_booker(client, make)
    assert when_problem(client, space, future_day(3), "16:00", "18:00") == (
        "Main hall is open 9am to 5pm on Thursdays. Choose a time when it is open")
    assert when_problem(client, space, future_day(6), "10:00", "12:00", "date") == (
        "Main hall is closed on Sundays. Choose another day")


def test_the_when_page_refuses_a_closure_with_its_reason(client, make):
    space = bookable_space(make)
    day = future_day(0)
    db.session.add(Closure(venue=space.venue, starts_at=local_datetime(day, time(0)),
                           ends_at=local_datetime(day + timedelta(days=1), time(0)),
                           reason="Closed for the bank holiday (Spring bank holiday)"))
    db.session.commit()
    signed_in_booker(client, make)
    assert when_problem(client, space, day, "10:00", "12:00", "date") == (
        "Main hall is closed at this time: Closed for the bank holiday (Spring bank holiday)")


def test_a_closure_of_the_whole_hall_closes_its_halves(client, make):
    whole = bookable_space(make)
    half = make.space(whole.venue, name="East half", parent=whole)
    day = future_day(2)
    db.session.add(Closure(space=whole, starts_at=local_datetime(day, time(9)), ends_at=local_datetime(day, time(13)),
                           reason="Floor being sanded"))
    db.session.commit()
    signed_in_booker(client, make)
    assert when_problem(client, half, day, "10:00", "12:00", "date") == "East half is closed at this time: Floor being sanded"


def test_the_when_page_refuses_an_overlap_including_the_turnaround(client, make):
    space = bookable_space(make, turnaround_minutes=30)
    day = future_day(3)
    make.booking(space, local_datetime(day, hm("16:00")), local_datetime(day, hm("18:00")))
    signed_in_booker(client, make)
    assert when_problem(client, space, day, "18:15", "20:00") == (
        "Main hall is already booked at this time. Choose another time. "
        "Bookings need 30 minutes between them to clear up and set up")
    assert post_step(client, f"/book/{space.id}", when_data(day, "18:30", "20:00")).status_code == 302


def test_booking_half_a_hall_is_refused_when_the_whole_hall_is_booked(client, make):
    whole = bookable_space(make, turnaround_minutes=0)
    half = make.space(whole.venue, name="East half", parent=whole, turnaround_minutes=0)
    db.session.commit()
    day = future_day(3)
    make.booking(whole, local_datetime(day, hm("10:00")), local_datetime(day, hm("12:00")))
    signed_in_booker(client, make)
    assert when_problem(client, half, day, "11:00", "13:00") == (
        "East half is already booked at this time. Choose another time")


def test_the_purpose_page_refuses_more_people_than_the_space_holds(client, make):
    space = bookable_space(make, capacity_seated=30, capacity_standing=40)
    signed_in_booker(client, make)
    response = answer_all(client, space, future_day(3), attendees="41")
    assert field_error(response, "attendees") == "Main hall holds up to 40 people. Enter 40 or fewer"
    for attendees, message in (("", "Enter how many people you expect"), ("0", "Enter at least 1 person"),
                               ("lots", "Enter the number of people as a whole number, like 20"),
                               ("99999999999", "Enter the number of people as a whole number, like 20")):
        response = post_step(client, f"/book/{space.id}/purpose", {"purpose": "Party", "attendees": attendees})
        assert field_error(response, "attendees") == message, attendees


def test_purpose_and_needs_have_length_limits(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    response = answer_all(client, space, future_day(3), purpose="x" * 201)
    assert field_error(response, "purpose") == "What the booking is for must be 200 characters or fewer"
    response = answer_all(client, space, future_day(3), needs="x" * 1001)
    assert field_error(response, "needs") == "Accessibility or set-up needs must be 1,000 characters or fewer"
    response = post_step(client, f"/book/{space.id}/purpose", {"purpose": "", "attendees": "5"})
    assert field_error(response, "purpose") == "Enter what the booking is for"


def test_a_space_not_offered_to_a_kind_of_hirer_does_not_offer_that_choice(client, make):
    space = bookable_space(make, tariffs={HirerCategory.RESIDENT: 2000})
    signed_in_booker(client, make)
    post_step(client, f"/book/{space.id}", when_data(future_day(3), "18:00", "20:00"))
    post_step(client, f"/book/{space.id}/repeat", {"repeat": "no"})
    response = post_step(client, f"/book/{space.id}/who", {"who": "commercial"})
    assert field_error(response, "who") == "Select who is booking"


# ---------------------------------------------------------------- fair use

def free_hall(make, service):
    venue = make.venue(service)
    space = make.space(venue, turnaround_minutes=0, tariffs={
        HirerCategory.COMMUNITY: {"pence_per_hour": 1000, "free_for_verified_groups": True},
        HirerCategory.RESIDENT: 2000})
    db.session.commit()
    return space


def group_member_with_free_hours_used(client, make, space, day, hours: int):
    """A signed-in member of a verified group that already holds `hours` free at `space` on `day`."""
    user = signed_in_booker(client, make)
    group = make.group(members=[user])
    db.session.commit()
    make.booking(space, local_datetime(day, hm("09:00")), local_datetime(day, hm(f"{9 + hours:02d}:00")),
                 booker=user, group=group, hirer_category=HirerCategory.COMMUNITY, price_pence=0)
    return f"group:{group.id}"


def test_a_group_over_its_free_hours_is_offered_the_community_rate(client, make):
    service = make.service(name="Community Halls", free_hours_per_group_month=4)
    hall, other_hall = free_hall(make, service), free_hall(make, service)
    day = future_day(2)
    # Three free hours already used that London month, at another hall of the same service.
    who = group_member_with_free_hours_used(client, make, other_hall, day, 3)

    check = answer_all(client, hall, day, "18:00", "20:00", who=who)
    assert summary_value(check, "Hire charge").startswith("£20 2 hours at £10 an hour")
    assert text_of(page(check).select_one(".govuk-inset-text")) == (
        "Your group can use Community Halls spaces free for up to 4 hours a month. It has 1 hour free left in "
        f"{day:%B %Y}, so this booking is charged at the community rate.")
    confirm(client, hall)
    db.session.rollback()
    assert db.session.scalar(sa.select(Booking.price_pence).where(Booking.space_id == hall.id)) == 2000

    # One more hour still fits (the paid booking above does not count as free time).
    within = answer_all(client, hall, day, "20:00", "21:00", who=who)
    assert summary_value(within, "Hire charge").startswith("Free")


def test_free_hours_at_another_service_do_not_count(client, make):
    halls = make.service(name="Community Halls", free_hours_per_group_month=2)
    libraries = make.service(name="Libraries", free_hours_per_group_month=2)
    hall, library_room = free_hall(make, halls), free_hall(make, libraries)
    day = future_day(2)
    who = group_member_with_free_hours_used(client, make, library_room, day, 2)
    check = answer_all(client, hall, day, "18:00", "20:00", who=who)
    assert summary_value(check, "Hire charge").startswith("Free")


def test_only_members_book_for_a_group_unless_staff_book_for_them(app, make):
    space = bookable_space(make)
    outsider = make.user(name="Sam Smith")
    group = make.group(name="Clapton Tenants", members=[make.user()])
    db.session.commit()
    [problem] = queries.hirer_problems(space, HirerCategory.COMMUNITY, group, outsider)
    assert (problem.code, problem.message) == ("group", "Sam Smith is not a member of Clapton Tenants")
    assert queries.hirer_problems(space, HirerCategory.COMMUNITY, group, None) == []  # staff vouch for the caller


def test_a_kind_of_hirer_the_space_has_no_rate_for_is_refused(app, make):
    space = bookable_space(make, name="Library room", tariffs={HirerCategory.RESIDENT: 2000})
    user = make.user()
    group = make.group(members=[user])
    db.session.commit()
    for category, group_, message in (
            (HirerCategory.COMMERCIAL, None, "Library room cannot be booked for private or commercial hire"),
            (HirerCategory.COMMUNITY, group, "Library room cannot be booked at the community rate")):
        [problem] = queries.hirer_problems(space, category, group_, user)
        assert (problem.code, problem.message, problem.field) == ("no_tariff", message, "who")


def test_an_unverified_group_cannot_book_at_the_community_rate_even_by_editing_the_session(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    group = make.group(members=[user])
    db.session.commit()
    answer_all(client, space, future_day(3), who=f"group:{group.id}")
    group.verification = Verification.REJECTED  # the council withdrew verification meanwhile
    db.session.commit()
    check = client.get(f"/book/{space.id}/check")
    assert error_summary(check) == ["Only community groups verified by the council can book at the community rate"]
    assert page(check).select_one("input[name=accept]") is None  # nothing to confirm until it is changed


@pytest.mark.parametrize("minutes", [0, -60])
def test_a_slot_that_does_not_end_after_it_starts_is_a_problem_not_an_error(app, make, minutes):
    space = bookable_space(make)
    start = local_datetime(future_day(), time(18))
    [assessment] = queries.assess(space, [(start, start + timedelta(minutes=minutes))], attendees=10,
                                  category=HirerCategory.RESIDENT, group=None, now=datetime.now(UTC))
    assert codes(assessment.problems) == ["order"]
    assert assessment.problems[0].message == "End time must be after the start time"
    assert assessment.quote is None
