"""Prices: per started half hour or hour, free use for verified groups within fair use,
deposits, and the clock changes of 2027 charged for the hours actually used."""

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from spacebank.bookings import operations
from spacebank.bookings.models import Booking
from spacebank.bookings.pricing import Rate, billed_minutes, quote
from spacebank.extensions import db
from spacebank.venues.models import HirerCategory

from .conftest import at

PER_HOUR = Rate(pence_per_hour=2000, billing_unit_minutes=60)
PER_HALF_HOUR = Rate(pence_per_hour=2000, billing_unit_minutes=30)
FREE_FOR_GROUPS = Rate(pence_per_hour=1000, free_for_verified_groups=True, deposit_pence=5000)


def price(rate, start, end, **kw) -> int:
    return quote(rate, start, end, verified_group=kw.pop("verified_group", False), **kw).price_pence


@pytest.mark.parametrize(("minutes", "per_hour", "per_half_hour"), [
    (60, 2000, 2000),
    (61, 4000, 3000),  # a started hour, a started half hour
    (90, 4000, 3000),
    (91, 4000, 4000),
    (120, 4000, 4000),
    (15, 2000, 1000),
])
def test_charged_per_started_hour_or_half_hour(minutes, per_hour, per_half_hour):
    start = at(2027, 5, 5, 10)
    end = start + timedelta(minutes=minutes)
    assert price(PER_HOUR, start, end) == per_hour
    assert price(PER_HALF_HOUR, start, end) == per_half_hour


def test_an_odd_hourly_rate_rounds_half_a_penny_up():
    odd = Rate(pence_per_hour=1001, billing_unit_minutes=30)
    assert price(odd, at(2027, 5, 5, 10), at(2027, 5, 5, 10, 30)) == 501


def test_spring_forward_on_28_march_2027_charges_the_hours_actually_used():
    # 00:30 to 03:30 on the wall clock, but 01:00 to 02:00 never happens: two hours.
    result = quote(PER_HOUR, at(2027, 3, 28, 0, 30), at(2027, 3, 28, 3, 30), verified_group=False)
    assert (result.minutes, result.price_pence) == (120, 4000)


def test_fall_back_on_31_october_2027_charges_the_hours_actually_used():
    # 00:30 to 03:30 on the wall clock, but 01:00 to 02:00 happens twice: four hours.
    result = quote(PER_HOUR, at(2027, 10, 31, 0, 30), at(2027, 10, 31, 3, 30), verified_group=False)
    assert (result.minutes, result.price_pence) == (240, 8000)


def test_half_hour_billing_across_the_october_change():
    # 01:15 (first, BST) to 01:45 (second, GMT) is 90 minutes: three half hours.
    first = at(2027, 10, 31, 1, 15)
    assert price(PER_HALF_HOUR, first, first + timedelta(minutes=90)) == 3000


def test_verified_groups_use_free_spaces_free_but_still_pay_the_deposit():
    result = quote(FREE_FOR_GROUPS, at(2027, 5, 5, 10), at(2027, 5, 5, 12), verified_group=True)
    assert (result.price_pence, result.deposit_pence, result.free_use, result.total_due_pence) == (0, 5000, True, 5000)


def test_over_the_fair_use_limit_a_verified_group_pays_the_community_rate():
    result = quote(FREE_FOR_GROUPS, at(2027, 5, 5, 10), at(2027, 5, 5, 12), verified_group=True,
                   within_fair_use=False)
    assert (result.price_pence, result.free_use, result.over_fair_use) == (2000, False, True)


def test_people_who_are_not_a_verified_group_pay_even_where_groups_go_free():
    result = quote(FREE_FOR_GROUPS, at(2027, 5, 5, 10), at(2027, 5, 5, 12), verified_group=False)
    assert (result.price_pence, result.free_use, result.over_fair_use) == (2000, False, False)


def test_the_quote_carries_its_breakdown():
    result = quote(PER_HALF_HOUR, at(2027, 5, 5, 10), at(2027, 5, 5, 11, 10), verified_group=False)
    assert (result.minutes, result.billed_minutes, result.pence_per_hour, result.billing_unit_minutes) == (70, 90, 2000, 30)


def test_a_booking_that_ends_before_it_starts_has_no_price():
    with pytest.raises(ValueError):
        quote(PER_HOUR, at(2027, 5, 5, 12), at(2027, 5, 5, 10), verified_group=False)


@given(minutes=st.integers(1, 24 * 60), unit=st.sampled_from([30, 60]))
def test_billed_time_is_the_smallest_whole_number_of_units_covering_the_booking(minutes, unit):
    billed = billed_minutes(minutes, unit)
    assert billed % unit == 0 and minutes <= billed < minutes + unit


@given(a=st.integers(1, 600), b=st.integers(1, 600), unit=st.sampled_from([30, 60]), pence=st.integers(0, 20000))
def test_a_longer_booking_never_costs_less(a, b, unit, pence):
    rate = Rate(pence_per_hour=pence, billing_unit_minutes=unit)
    start = at(2027, 5, 5, 0)
    shorter, longer = sorted((a, b))
    assert price(rate, start, start + timedelta(minutes=shorter)) <= price(rate, start, start + timedelta(minutes=longer))


# ---------------------------------------------------------------- stored on the booking

def test_the_prices_over_the_2027_clock_changes_are_stored_on_the_bookings(app, make):
    space = make.space(hours=((0, 7, time(0), time(23, 59)),), min_booking_minutes=60, turnaround_minutes=0)
    user = make.user()
    db.session.commit()
    details = operations.BookingDetails(category=HirerCategory.RESIDENT, purpose="Night shift social", attendees=10)
    booking = operations.create_booking(space, user, at(2027, 3, 28, 0, 30), at(2027, 3, 28, 3, 30), details,
                                        now=at(2027, 3, 1, 9))
    autumn = operations.create_booking(space, user, at(2027, 10, 31, 0, 30), at(2027, 10, 31, 3, 30), details,
                                       now=at(2027, 10, 1, 9))
    db.session.rollback()
    stored = dict(db.session.execute(sa.select(Booking.id, Booking.price_pence)).all())
    assert stored == {booking.id: 4000, autumn.id: 8000}  # £20 an hour for 2 and for 4 hours
