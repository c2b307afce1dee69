"""Database reads for booking: what the rules need, and what people may see.

Loading is a few set-based queries per check (opening hours, closures, locks, free hours),
never one query per occurrence; the rules themselves are pure (rules.py).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.models import Group, GroupMembership, User
from ..extensions import db
from ..timeutil import local_datetime
from ..venues.models import Closure, HirerCategory, Space, Venue
from . import availability, rules
from .intervals import Interval
from .models import ACTIVE_STATUSES, Booking, BookingSeries
from .pricing import Quote, quote, rate_from_tariff

REFERENCE_PATTERN = re.compile(r"^SB-[A-Z0-9]{4}-[A-Z0-9]{4}$")
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def bookable_space(space_id: int) -> Space | None:
    """A space people can book online: bookable, in a published venue."""
    return db.session.scalar(
        sa.select(Space).join(Space.venue)
        .where(Space.id == space_id, Space.is_bookable, Venue.is_published)
        .options(selectinload(Space.opening_hours), selectinload(Space.tariffs), selectinload(Space.parts))
    )


def space_rules(space: Space) -> rules.SpaceRules:
    return rules.SpaceRules(
        name=space.name, min_booking_minutes=space.min_booking_minutes,
        max_booking_minutes=space.max_booking_minutes, turnaround_minutes=space.turnaround_minutes,
        min_notice_hours=space.min_notice_hours, booking_horizon_days=space.booking_horizon_days,
        capacity=space.capacity, is_bookable=space.is_bookable and space.venue.is_published)


def load_calendar(space: Space, slots: list[tuple[datetime, datetime]], *,
                  exclude_booking_id: int | None = None) -> rules.SpaceCalendar:
    """Opening hours, closures (with their reasons) and other bookings' locks around the slots.

    The availability engine's loader supplies opening hours, locks and which closures touch
    this space (its venue's, its own, its wholes' and its parts'); one more query adds the
    reasons, which people need to read when a date cannot be booked.
    """
    # A slot that ends before it starts is the rules' to explain (check_length), so the
    # window only has to cover every instant mentioned.
    first = min(min(start, end) for start, end in slots)
    last = max(max(start, end) for start, end in slots)
    period = Interval(first, max(last, first + timedelta(minutes=1)))
    calendar = availability.load_calendars([space.id], period, exclude_booking_id=exclude_booking_id)[space.id]
    reasons = {}
    if calendar.closures:
        rows = db.session.execute(
            sa.select(Closure.starts_at, Closure.ends_at, Closure.reason)
            .outerjoin(Space, Closure.space_id == Space.id)
            .where(sa.or_(Closure.venue_id == space.venue_id, Space.venue_id == space.venue_id),
                   Closure.starts_at < period.end, Closure.ends_at > period.start)
            .order_by(Closure.space_id.is_(None).desc(), Closure.id))
        for start, end, reason in rows:
            reasons.setdefault(Interval(start, end), reason)
    return rules.SpaceCalendar(
        opening=calendar.rules.opening_hours,
        closures=[rules.Closed(closed, reasons.get(closed, "Closed")) for closed in calendar.closures],
        taken=list(calendar.locks),
    )


def slot_problems(space: Space, slots: list[tuple[datetime, datetime]], now: datetime, *,
                  attendees: int | None = None, by_staff: bool = False,
                  exclude_booking_id: int | None = None) -> list[list[rules.Problem]]:
    """The time rules (and capacity, when attendees is given) for each slot, loaded once."""
    space_rules_ = space_rules(space)
    calendar = load_calendar(space, slots, exclude_booking_id=exclude_booking_id)
    return [rules.check_booking(space_rules_, calendar, start, end, attendees, now, by_staff=by_staff)
            for start, end in slots]


def free_minutes_by_month(group_id: int, service_id: int, months: set[date], *,
                          exclude_booking_id: int | None = None) -> dict[date, int]:
    """Free time a group holds in each London month at any space of one council service."""
    if not months:
        return {}
    first, last = min(months), max(months)
    following = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    query = (
        sa.select(Booking.starts_at, Booking.ends_at).join(Booking.space).join(Space.venue)
        .where(Booking.group_id == group_id, Venue.service_id == service_id,
               Booking.status.in_(ACTIVE_STATUSES), Booking.hirer_category == HirerCategory.COMMUNITY,
               Booking.price_pence == 0,
               Booking.starts_at >= local_datetime(first, datetime.min.time()),
               Booking.starts_at < local_datetime(following, datetime.min.time()))
    )
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    used = dict.fromkeys(months, 0)
    for start, end in db.session.execute(query):
        month = rules.month_of(start)
        if month in used:
            used[month] += Interval(start, end).minutes
    return used


@dataclass(frozen=True)
class Assessment:
    """One asked slot: what stops it (if anything) and what it would cost."""

    starts_at: datetime
    ends_at: datetime
    problems: list[rules.Problem]
    quote: Quote | None
    fair_use: rules.Problem | None = None  # a note, not a refusal

    @property
    def bookable(self) -> bool:
        return not self.problems


def hirer_problems(space: Space, category: HirerCategory, group: Group | None,
                   booker: User | None) -> list[rules.Problem]:
    """Whether this booker may book as this kind of hirer here."""
    if category == HirerCategory.COMMUNITY:
        if group is None or not group.is_verified:
            return [rules.Problem(
                "group", "Only community groups verified by the council can book at the community rate",
                "Group not verified", "who")]
        if booker is not None and group not in booker.groups:
            return [rules.Problem("group", f"{booker.name} is not a member of {group.name}", "Not a member", "who")]
    if space.tariff_for(category) is None:
        return [rules.Problem("no_tariff", f"{space.name} cannot be booked {NOT_OFFERED[category]}",
                              f"Not offered {NOT_OFFERED[category]}", "who")]
    return []


NOT_OFFERED = {
    HirerCategory.RESIDENT: "by residents for themselves",
    HirerCategory.COMMUNITY: "at the community rate",
    HirerCategory.COMMERCIAL: "for private or commercial hire",
}


def assess(space: Space, slots: list[tuple[datetime, datetime]], *, attendees: int | None,
           category: HirerCategory, group: Group | None, now: datetime, booker: User | None = None,
           by_staff: bool = False, exclude_booking_id: int | None = None) -> list[Assessment]:
    """Check every rule and price each slot, with one load for all of them.

    Slots are taken in order: a bookable slot's free hours count towards the group's
    fair-use limit for the slots after it, as they would once booked together.
    """
    slots = sorted(slots)
    time_problems = slot_problems(space, slots, now, attendees=attendees, by_staff=by_staff,
                                  exclude_booking_id=exclude_booking_id)
    # Staff booking for a caller vouch for the caller's link to the group themselves.
    hirer = hirer_problems(space, category, group, None if by_staff else booker)
    tariff = space.tariff_for(category)
    rate = rate_from_tariff(tariff) if tariff else None
    verified = category == HirerCategory.COMMUNITY and group is not None and group.is_verified
    free_due = bool(rate and verified and rate.free_for_verified_groups)
    service = space.venue.service
    used = free_minutes_by_month(group.id, service.id, {rules.month_of(s) for s, _ in slots},
                                 exclude_booking_id=exclude_booking_id) if free_due else {}
    results = []
    for (start, end), problems in zip(slots, time_problems):
        problems = hirer + problems
        price, note = None, None
        if rate and end > start:
            fair_use = rules.FairUse(service.free_hours_per_group_month, used.get(rules.month_of(start), 0),
                                     rules.month_of(start))
            minutes = Interval(start, end).minutes
            price = quote(rate, start, end, verified_group=verified, within_fair_use=fair_use.allows(minutes))
            note = fair_use.note(minutes, service.name) if free_due else None
            if price.free_use and not problems:
                used[fair_use.month] += minutes
        results.append(Assessment(start, end, problems, price, note))
    return results


# ---------------------------------------------------------------- what people may see

def _visible_to(user: User):
    """The booker, and members of the group a booking was made for."""
    groups = sa.select(GroupMembership.group_id).where(GroupMembership.user_id == user.id)
    return sa.or_(Booking.booker_id == user.id, Booking.group_id.in_(groups))


def _with_place():
    return (selectinload(Booking.space).selectinload(Space.venue), selectinload(Booking.group))


def bookings_for(user: User, now: datetime) -> tuple[list[Booking], list[Booking]]:
    """Upcoming (soonest first) and past (latest first, the last 100) bookings a user can see."""
    base = sa.select(Booking).where(_visible_to(user)).options(*_with_place())
    upcoming = db.session.scalars(base.where(Booking.ends_at > now).order_by(Booking.starts_at)).all()
    past = db.session.scalars(base.where(Booking.ends_at <= now).order_by(Booking.starts_at.desc()).limit(100)).all()
    return list(upcoming), list(past)


def visible_booking(user: User, reference: str) -> Booking | None:
    """The booking with this reference if the user may see it; None for anyone else."""
    if not REFERENCE_PATTERN.match(reference):
        return None
    return db.session.scalar(
        sa.select(Booking).where(Booking.reference == reference, _visible_to(user)).options(*_with_place()))


def visible_series(user: User, series_id: int) -> BookingSeries | None:
    """A series if the user may see one of its bookings."""
    return db.session.scalar(
        sa.select(BookingSeries).where(
            BookingSeries.id == series_id,
            sa.exists().where(Booking.series_id == BookingSeries.id, _visible_to(user)))
        .options(selectinload(BookingSeries.bookings).selectinload(Booking.space).selectinload(Space.venue)))


def can_cancel(user: User, booking: Booking) -> bool:
    """The booker, or an admin of the group it was made for, may cancel."""
    if booking.booker_id == user.id:
        return True
    return booking.group_id is not None and any(
        m.is_admin and m.group_id == booking.group_id for m in user.memberships)


def feed_bookings(user: User) -> list[Booking]:
    return list(db.session.scalars(
        sa.select(Booking).where(_visible_to(user), Booking.status.in_(ACTIVE_STATUSES))
        .options(*_with_place()).order_by(Booking.starts_at)))


def user_by_calendar_token(token: str) -> User | None:
    if not TOKEN_PATTERN.match(token):
        return None
    return db.session.scalar(sa.select(User).where(User.calendar_token == token, User.is_disabled.is_(False)))


def verified_group_of(user: User, group_id: int) -> Group | None:
    """One of the user's own verified groups, never anyone else's."""
    return next((g for g in user.verified_groups if g.id == group_id), None)
