"""Which records a staff member may touch: their own service's, or everything for administrators.

Every staff query goes through these clauses, so a housing officer who types a library
record's id into the address bar finds nothing (404), exactly as if it did not exist.
The clauses are IN-subqueries rather than joins so they combine safely with the joins
Flask-Admin adds for sorting and filtering.
"""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from ..bookings.models import Booking
from ..extensions import db
from ..venues.models import Closure, Space, Venue

MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A positive database id from text the client sent, or None."""
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_staff


def is_administrator() -> bool:
    return current_user.is_authenticated and current_user.is_administrator


def service_scope() -> int | None:
    """The service whose records the signed-in staff member may see; None means every service."""
    if current_user.is_administrator:
        return None
    # The staff_have_service constraint guarantees officers have a service. -1 is a guard
    # for a misconfigured account: it matches nothing rather than everything.
    return current_user.service_id if current_user.service_id is not None else -1


def venue_ids() -> sa.Select:
    query = sa.select(Venue.id)
    scope = service_scope()
    return query if scope is None else query.where(Venue.service_id == scope)


def space_ids() -> sa.Select:
    query = sa.select(Space.id).join(Venue, Space.venue_id == Venue.id)
    scope = service_scope()
    return query if scope is None else query.where(Venue.service_id == scope)


def venue_clause(column) -> sa.ColumnElement[bool]:
    return sa.true() if service_scope() is None else column.in_(venue_ids())


def space_clause(column) -> sa.ColumnElement[bool]:
    return sa.true() if service_scope() is None else column.in_(space_ids())


def closure_clause() -> sa.ColumnElement[bool]:
    if service_scope() is None:
        return sa.true()
    return sa.or_(Closure.venue_id.in_(venue_ids()), Closure.space_id.in_(space_ids()))


def booking_clause() -> sa.ColumnElement[bool]:
    return space_clause(Booking.space_id)


def owns_venue(venue_id) -> bool:
    return db.session.scalar(sa.select(Venue.id).where(Venue.id == venue_id, venue_clause(Venue.id))) is not None


def owns_space(space_id) -> bool:
    return db.session.scalar(sa.select(Space.id).where(Space.id == space_id, space_clause(Space.id))) is not None


def owned_venues() -> list[Venue]:
    return list(db.session.scalars(sa.select(Venue).where(venue_clause(Venue.id)).order_by(Venue.name)))


def owned_spaces() -> list[Space]:
    return list(db.session.scalars(
        sa.select(Space).join(Venue).where(space_clause(Space.id)).order_by(Venue.name, Space.name)
    ))


def owned_or_404(model, value, clause):
    """The record with this id if the current staff member may see it; otherwise a 404."""
    pk = parse_id(value)
    if pk is None:
        abort(404)
    obj = db.session.scalar(sa.select(model).where(model.id == pk, clause))
    if obj is None:
        abort(404)
    return obj


def owned_venue_or_404(value) -> Venue:
    return owned_or_404(Venue, value, venue_clause(Venue.id))


def owned_space_or_404(value) -> Space:
    return owned_or_404(Space, value, space_clause(Space.id))
