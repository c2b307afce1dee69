"""Database reads for the public venue pages and the find-a-space search."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..bookings.models import BookingLock
from ..extensions import db
from .models import Closure, OpeningHours, Space, Tariff, Venue, VenuePhoto

if TYPE_CHECKING:
    from .search import Criteria

MAX_SLUG_LENGTH = 140


def published_venues() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).where(Venue.is_published).options(selectinload(Venue.spaces)).order_by(Venue.name)
    ))


def _plausible_slug(slug: str) -> bool:
    # PostgreSQL refuses strings with NUL in them; no real slug has control characters.
    return len(slug) <= MAX_SLUG_LENGTH and not any(ord(ch) < 32 for ch in slug)


def published_venue(slug: str) -> Venue | None:
    if not _plausible_slug(slug):
        return None
    return db.session.scalar(
        sa.select(Venue).where(Venue.slug == slug, Venue.is_published).options(
            selectinload(Venue.spaces).selectinload(Space.opening_hours),
            selectinload(Venue.spaces).selectinload(Space.tariffs),
            selectinload(Venue.spaces).selectinload(Space.parts),
            selectinload(Venue.photos),
        )
    )


def published_space(venue_slug: str, space_slug: str) -> Space | None:
    if not (_plausible_slug(venue_slug) and _plausible_slug(space_slug)):
        return None
    return db.session.scalar(
        sa.select(Space).join(Space.venue).where(
            Venue.slug == venue_slug, Venue.is_published, Space.slug == space_slug,
        ).options(
            joinedload(Space.venue).selectinload(Venue.photos),
            joinedload(Space.parent),
            selectinload(Space.parts),
            selectinload(Space.opening_hours),
            selectinload(Space.tariffs),
        )
    )


def photo_of_published_venue(photo_id: int) -> VenuePhoto | None:
    return db.session.scalar(
        sa.select(VenuePhoto).join(VenuePhoto.venue).where(VenuePhoto.id == photo_id, Venue.is_published))


def any_photo(photo_id: int) -> VenuePhoto | None:
    return db.session.get(VenuePhoto, photo_id)


def opening_span(weekday: int) -> tuple[time, time] | None:
    """The earliest opening and latest closing of any bookable space on a weekday."""
    row = db.session.execute(
        sa.select(sa.func.min(OpeningHours.opens_at), sa.func.max(OpeningHours.closes_at))
        .join(Space, Space.id == OpeningHours.space_id).join(Venue, Venue.id == Space.venue_id)
        .where(OpeningHours.weekday == weekday, Venue.is_published, Space.is_bookable)
    ).one()
    return (row[0], row[1]) if row[0] is not None else None


# --------------------------------------------------------------------------- search


@cache
def _part_alias():
    return aliased(Space, name="part")  # made once, so SQLAlchemy's compiled-SQL cache works


def _need_column(attribute: str):
    return getattr(Space, attribute, None) or getattr(Venue, attribute)


def search_candidates(c: Criteria, now: datetime, *, box: tuple[float, float, float, float] | None = None,
                      limit: int | None = None, offset: int = 0) -> list[tuple[Space, Venue, Tariff]]:
    """(space, venue, tariff) rows that may match: every filter the database can apply.

    The availability filters here only ever let too much through (they ignore turnaround,
    nested parts, and closures of related spaces); search.py checks the survivors exactly
    with the availability engine. With `box` (min_lat, max_lat, min_lon, max_lon) only
    venues inside it, nearest to c.place first (by a flat-earth distance, plenty to choose
    which rows to load); without, ordered by name. Either way paged with limit/offset.
    """
    from .forms import NEEDS

    stmt = (sa.select(Space, Venue, Tariff)
            .join(Venue, Venue.id == Space.venue_id)
            .join(Tariff, sa.and_(Tariff.space_id == Space.id, Tariff.category == c.category))
            .where(Venue.is_published, Space.is_bookable))
    if box is not None:
        min_lat, max_lat, min_lon, max_lon = box
        stmt = stmt.where(Venue.latitude.between(min_lat, max_lat), Venue.longitude.between(min_lon, max_lon))
        lat, lon = c.place.point
        squash = math.cos(math.radians(lat)) ** 2  # a degree of longitude is shorter than one of latitude
        stmt = stmt.order_by((Venue.latitude - lat) * (Venue.latitude - lat)
                             + (Venue.longitude - lon) * (Venue.longitude - lon) * squash, Space.id)
    else:
        stmt = stmt.order_by(Venue.name, Space.name, Space.id)
    stmt = stmt.limit(limit).offset(offset)
    if c.people:
        stmt = stmt.where(sa.or_(Space.capacity_seated >= c.people, Space.capacity_standing >= c.people))
    for need in sorted(c.needs):
        stmt = stmt.where(_need_column(NEEDS[need][1]))
    if c.kind is not None:
        stmt = stmt.where(Venue.kind == c.kind)
    if c.free_for_group:
        stmt = stmt.where(Tariff.free_for_verified_groups)
    elif c.max_pence_per_hour is not None:
        within = Tariff.pence_per_hour <= c.max_pence_per_hour
        if c.verified_group:
            within = sa.or_(within, Tariff.free_for_verified_groups)
        stmt = stmt.where(within)
    if c.day is not None:
        stmt = stmt.where(*_available_on_the_day(c, now))
    return [(space, venue, tariff) for space, venue, tariff in db.session.execute(stmt)]


def _available_on_the_day(c: Criteria, now: datetime) -> list:
    hours = sa.select(OpeningHours.id).where(OpeningHours.space_id == Space.id,
                                             OpeningHours.weekday == c.day.weekday())
    day_start, day_end = c.day_period.start, c.day_period.end
    if c.window is None:  # any time that day
        return [
            hours.exists(),
            Space.min_notice_hours < (day_end - now) / timedelta(hours=1),
            Space.booking_horizon_days > (day_start - now) / timedelta(days=1),
        ]
    start, end = c.window.start, c.window.end
    part = _part_alias()
    return [
        hours.where(OpeningHours.opens_at < c.end, OpeningHours.closes_at > c.start).exists(),
        Space.min_booking_minutes <= c.window.minutes,
        Space.max_booking_minutes >= c.window.minutes,
        Space.min_notice_hours <= (start - now) / timedelta(hours=1),
        Space.booking_horizon_days >= (end - now) / timedelta(days=1),
        ~sa.select(Closure.id).where(Closure.venue_id == Venue.id, Closure.starts_at < end,
                                     Closure.ends_at > start).exists(),
        ~sa.select(Closure.id).where(Closure.space_id == Space.id, Closure.starts_at < end,
                                     Closure.ends_at > start).exists(),
        # Locks sit on the smallest parts: the space itself, or its parts when it splits.
        ~sa.select(BookingLock.id).where(BookingLock.space_id == Space.id, BookingLock.starts_at < end,
                                         BookingLock.ends_at > start).exists(),
        ~sa.select(BookingLock.id).join(part, part.id == BookingLock.space_id).where(
            part.parent_id == Space.id, BookingLock.starts_at < end, BookingLock.ends_at > start).exists(),
    ]
