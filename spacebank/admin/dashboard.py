"""The staff dashboard: what needs doing now, and where everything is."""

from datetime import time, timedelta

import sqlalchemy as sa

from ..accounts.models import Group, Verification
from ..bookings.models import ACTIVE_STATUSES, Booking
from ..extensions import db
from ..timeutil import day_bounds, local_datetime, today_local, utcnow
from ..venues.models import Closure
from .requests_queue import waiting_query
from .scope import booking_clause, closure_clause


def count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def dashboard_context() -> dict:
    now = utcnow()
    today = today_local(now)
    start, end = day_bounds(today)
    fortnight = local_datetime(today + timedelta(days=14), time(0))
    return {
        "waiting": count(waiting_query(now)),
        "today_bookings": count(sa.select(Booking.id).where(
            booking_clause(), Booking.status.in_(ACTIVE_STATUSES), Booking.starts_at < end, Booking.ends_at > start)),
        "closures_soon": count(sa.select(Closure.id).where(
            closure_clause(), Closure.starts_at < fortnight, Closure.ends_at > now)),
        "groups_pending": count(sa.select(Group.id).where(Group.verification == Verification.PENDING)),
        "today": today,
    }
