"""The database itself refuses double bookings, on SQLite and on PostgreSQL."""

import threading
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from spacebank.bookings.locks import SlotTaken, save_active_booking
from spacebank.bookings.models import Booking, BookingLock, BookingStatus
from spacebank.extensions import db
from spacebank.venues.models import HirerCategory, Space

from .conftest import at


def split_hall(make):
    """A main hall made of two halves that can be booked on their own."""
    venue = make.venue()
    whole = make.space(venue, name="Main hall", turnaround_minutes=0)
    east = make.space(venue, name="East half", parent=whole, turnaround_minutes=0)
    west = make.space(venue, name="West half", parent=whole, turnaround_minutes=0)
    db.session.commit()
    return whole, east, west


def race(app, attempts: list[tuple[int, int]], start, end) -> list[str]:
    """Run booking attempts (space_id, booker_id) in parallel threads; return outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(space_id: int, booker_id: int):
        with app.app_context():
            space = db.session.get(Space, space_id)
            booking = Booking(space=space, booker_id=booker_id, starts_at=start, ends_at=end,
                              status=BookingStatus.CONFIRMED, hirer_category=HirerCategory.RESIDENT,
                              purpose="Race", attendees=5, price_pence=0)
            barrier.wait()
            try:
                save_active_booking(booking)
                result = f"won:{space_id}"
            except SlotTaken:
                result = "lost"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=a) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_many_concurrent_attempts_at_one_slot_exactly_one_wins(app, make):
    space = make.space()
    users = [make.user() for _ in range(12)]
    db.session.commit()
    start, end = at(2031, 3, 6, 18), at(2031, 3, 6, 20)

    outcomes = race(app, [(space.id, u.id) for u in users], start, end)

    assert outcomes.count(f"won:{space.id}") == 1
    assert outcomes.count("lost") == 11
    db.session.rollback()  # end this thread's read snapshot to see the others' commits
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1


def test_whole_hall_and_half_hall_race_exactly_one_wins(app, make):
    whole, east, west = split_hall(make)
    users = [make.user() for _ in range(9)]
    db.session.commit()
    spaces = [whole.id, east.id, west.id] * 3
    start, end = at(2031, 3, 7, 10), at(2031, 3, 7, 12)

    outcomes = race(app, list(zip(spaces, [u.id for u in users])), start, end)

    winners = [o for o in outcomes if o.startswith("won")]
    # Either the whole hall won alone, or each half won once and the whole lost.
    assert sorted(winners) in ([f"won:{whole.id}"], sorted([f"won:{east.id}", f"won:{west.id}"]))


def test_booking_the_whole_blocks_each_half_and_a_half_blocks_the_whole(app, make):
    whole, east, west = split_hall(make)
    make.booking(whole, at(2031, 4, 1, 10), at(2031, 4, 1, 12))

    for half in (east, west):
        with pytest.raises(SlotTaken):
            make.booking(half, at(2031, 4, 1, 11), at(2031, 4, 1, 13))

    make.booking(east, at(2031, 4, 2, 10), at(2031, 4, 2, 12))
    with pytest.raises(SlotTaken):
        make.booking(whole, at(2031, 4, 2, 9), at(2031, 4, 2, 11))
    # The other half is still free.
    assert make.booking(west, at(2031, 4, 2, 10), at(2031, 4, 2, 12)).id


def test_touching_bookings_are_allowed_without_a_turnaround(app, make):
    space = make.space(turnaround_minutes=0)
    make.booking(space, at(2031, 4, 1, 10), at(2031, 4, 1, 12))
    assert make.booking(space, at(2031, 4, 1, 12), at(2031, 4, 1, 14)).id


def test_turnaround_buffer_is_enforced_by_the_database(app, make):
    space = make.space(turnaround_minutes=30)
    make.booking(space, at(2031, 4, 1, 10), at(2031, 4, 1, 12))
    with pytest.raises(SlotTaken):
        make.booking(space, at(2031, 4, 1, 12, 15), at(2031, 4, 1, 14))
    assert make.booking(space, at(2031, 4, 1, 12, 30), at(2031, 4, 1, 14)).id


def test_a_cancelled_booking_frees_its_time(app, make):
    from spacebank.bookings.locks import release_locks

    space = make.space(turnaround_minutes=0)
    first = make.booking(space, at(2031, 4, 1, 10), at(2031, 4, 1, 12))
    first.status = BookingStatus.CANCELLED
    release_locks(first)
    db.session.commit()
    assert make.booking(space, at(2031, 4, 1, 10), at(2031, 4, 1, 12)).id


def test_raw_overlapping_lock_insert_is_refused_by_the_database(app, make):
    """Even code that skips every Python check cannot write an overlap."""
    space = make.space(turnaround_minutes=0)
    booking = make.booking(space, at(2031, 4, 1, 10), at(2031, 4, 1, 12))
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.insert(BookingLock).values(
                booking_id=booking.id, space_id=space.id,
                starts_at=at(2031, 4, 1, 11), ends_at=at(2031, 4, 1, 13)))


def test_overlap_across_the_october_clock_change_is_caught(app, make):
    # 01:30 happens twice on 31 October 2027; the guard works on UTC instants.
    space = make.space(turnaround_minutes=0, hours=((0, 7, time(0), time(23, 59)),))
    first_start = at(2027, 10, 31, 0, 30)
    make.booking(space, first_start, first_start + timedelta(hours=2))
    with pytest.raises(SlotTaken):
        make.booking(space, first_start + timedelta(hours=1, minutes=30), first_start + timedelta(hours=3))
