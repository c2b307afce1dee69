"""Model rules that the database keeps: time ranges, parts, tariffs, time zones."""

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from spacebank.extensions import db
from spacebank.venues.models import Closure, HirerCategory, OpeningHours, Tariff

from .conftest import at


def test_a_space_without_parts_is_its_own_smallest_part(app, make):
    space = make.space()
    assert space.unit_ids() == [space.id]


def test_a_whole_hall_occupies_each_of_its_halves(app, make):
    venue = make.venue()
    whole = make.space(venue)
    east = make.space(venue, name="East", parent=whole)
    west = make.space(venue, name="West", parent=whole)
    db.session.refresh(whole)
    assert whole.unit_ids() == sorted([east.id, west.id])
    assert east.unit_ids() == [east.id]


def test_times_come_back_as_aware_utc_including_summer_time(app, make):
    space = make.space()
    start = at(2027, 7, 1, 18)  # 18:00 BST is 17:00 UTC
    booking = make.booking(space, start, start + timedelta(hours=2))
    db.session.expire_all()
    db.session.refresh(booking)
    assert booking.starts_at == datetime(2027, 7, 1, 17, tzinfo=UTC)
    assert booking.starts_at.tzinfo is not None


def test_a_naive_datetime_is_refused(app, make):
    venue = make.venue()
    db.session.add(Closure(venue=venue, starts_at=datetime(2027, 1, 1), ends_at=datetime(2027, 1, 2), reason="x"))
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def test_opening_hours_must_close_after_they_open(app, make):
    space = make.space(hours=())
    db.session.add(OpeningHours(space=space, weekday=0, opens_at=time(18), closes_at=time(9)))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_closure_belongs_to_a_venue_or_a_space_not_both(app, make):
    space = make.space()
    db.session.add(Closure(venue=space.venue, space=space, starts_at=at(2027, 1, 1), ends_at=at(2027, 1, 2), reason="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_tariff_per_category_and_no_negative_prices(app, make):
    space = make.space()
    db.session.add(Tariff(space=space, category=HirerCategory.RESIDENT, pence_per_hour=100))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    space = make.space(tariffs={})
    db.session.add(Tariff(space=space, category=HirerCategory.RESIDENT, pence_per_hour=-1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_staff_roles_need_a_service(app, make):
    from spacebank.accounts.models import Role

    with pytest.raises(sa.exc.IntegrityError):
        make.user(role=Role.HOUSING_OFFICER)
    db.session.rollback()
