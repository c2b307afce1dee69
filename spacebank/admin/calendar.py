"""The staff calendar: a day or a week across the spaces of one venue, or of every venue in scope.

Server-rendered tables a screen reader can follow: one row per space (a row header), one
column per half hour (day) or per day (week), every cell saying in words what it holds.
Free time comes from the availability engine (opening hours less closures, bookings and
their turnaround), so the calendar and the booking pages never disagree.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import request
from flask_admin import expose

from ..bookings.availability import load_calendars
from ..bookings.intervals import Interval, clip, subtract
from ..bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from ..extensions import db
from ..formatting import format_date, format_short_date, format_time
from ..timeutil import local_datetime, to_local, today_local, utcnow
from ..venues.models import Closure, Space, Venue
from .base import StaffView
from .scope import owned_venue_or_404, space_clause, venue_clause

SLOT = timedelta(minutes=30)
DEFAULT_HOURS = (8, 22)


@dataclass(frozen=True)
class Item:
    """Something on the calendar for one space."""

    kind: str  # "booking", "request", "closed", "free"
    period: Interval
    text: str
    booking_id: int | None = None

    @property
    def times(self) -> str:
        return f"{format_time(self.period.start)} to {format_time(self.period.end)}"


@dataclass(frozen=True)
class GridCell:
    kind: str  # as Item.kind, or "unavailable" (turnaround) or "not_open"
    span: int  # how many half-hour columns it covers
    text: str
    booking_id: int | None = None


@dataclass(frozen=True)
class SpaceRow:
    space: Space
    items: tuple[Item, ...]
    opening: tuple[Interval, ...]


# ---------------------------------------------------------------- data

def load_rows(spaces: list[Space], period: Interval, now: datetime) -> list[SpaceRow]:
    """Bookings, requests, closures and free time of each space over the period: a few queries in all."""
    ids = [space.id for space in spaces]
    calendars = load_calendars(ids, period)
    bookings_by_space = defaultdict(list)
    for booking in db.session.scalars(sa.select(Booking).where(
            Booking.space_id.in_(ids), Booking.status.in_(ACTIVE_STATUSES), Booking.starts_at < period.end,
            Booking.ends_at > period.start).order_by(Booking.starts_at)):
        bookings_by_space[booking.space_id].append(booking)
    venue_ids = sorted({space.venue_id for space in spaces})
    closures = db.session.scalars(sa.select(Closure).where(
        sa.or_(Closure.venue_id.in_(venue_ids), Closure.space_id.in_(
            sa.select(Space.id).where(Space.venue_id.in_(venue_ids)))),
        Closure.starts_at < period.end, Closure.ends_at > period.start)).all()
    # The parts each closed space occupies, worked out once (every closed space is one of `spaces`,
    # whose calendars are loaded) rather than loading the space and its parts per closure and row.
    closed_units = {c.space_id: set(calendars[c.space_id].unit_ids) if c.space_id in calendars
                    else set(c.space.unit_ids()) for c in closures if c.space_id is not None}
    rows = []
    for space in spaces:
        calendar = calendars.get(space.id)
        if calendar is None:
            continue
        availability = calendar.availability(period, now)
        items = [booking_item(b) for b in bookings_by_space[space.id]]
        units = set(calendar.unit_ids)
        for closure in closures:
            if closure.venue_id == space.venue_id or units & closed_units.get(closure.space_id, set()):
                for part in clip([Interval(closure.starts_at, closure.ends_at)], period):
                    items.append(Item("closed", part, f"Closed: {closure.reason}"))
        # Free for staff: open, not closed, not held by a booking or its turnaround, not past.
        # Notice and horizon limits are left out on purpose: staff can book a caller in any time.
        free = subtract(subtract(availability.opening, availability.closed), availability.booked)
        items += [Item("free", Interval(max(i.start, now), i.end), "Free") for i in free if i.end > now]
        rows.append(SpaceRow(space, tuple(sorted(items, key=lambda i: (i.period.start, i.kind))),
                             availability.opening))
    return rows


def booking_item(booking: Booking) -> Item:
    is_request = booking.status == BookingStatus.REQUESTED
    text = f"{'Request' if is_request else 'Booked'} {booking.reference}: {booking.purpose}"
    return Item("request" if is_request else "booking", Interval(booking.starts_at, booking.ends_at), text, booking.id)


# ---------------------------------------------------------------- day grid

def day_hours(rows: list[SpaceRow], day: date) -> tuple[int, int]:
    """The first and last (exclusive) London hours to show: from the earliest opening to the latest closing."""
    opening = [i for row in rows for i in row.opening]
    if not opening:
        return DEFAULT_HOURS
    first = min(to_local(i.start) for i in opening)
    last = max(to_local(i.end) for i in opening)
    end_hour = 24 if last.date() > day else last.hour + (1 if last.minute else 0)
    return first.hour if first.date() == day else 0, max(end_hour, first.hour + 1)


def slot_starts(day: date, hours: tuple[int, int]) -> list[datetime]:
    start = local_datetime(day, time(hours[0]))
    end = local_datetime(day + timedelta(days=1), time(0)) if hours[1] == 24 else local_datetime(day, time(hours[1]))
    slots, moment = [], start
    while moment < end:
        slots.append(moment)
        moment += SLOT
    return slots


def classify_slot(slot: Interval, row: SpaceRow) -> tuple[str, str, int | None]:
    for kind in ("booking", "request", "closed"):
        for item in row.items:
            if item.kind == kind and item.period.overlaps(slot):
                return kind, f"{item.text} ({item.times})", item.booking_id
    if not any(i.overlaps(slot) for i in row.opening):
        return "not_open", "Not open", None
    for item in row.items:
        if item.kind == "free" and item.period.contains(slot):
            return "free", "Free", None
    return "unavailable", "Not available (time between bookings)", None


def day_grid(row: SpaceRow, slots: list[datetime]) -> list[GridCell]:
    """One cell per half hour, with neighbours that hold the same thing joined."""
    cells: list[GridCell] = []
    for start in slots:
        kind, text, booking_id = classify_slot(Interval(start, start + SLOT), row)
        if cells and (cells[-1].kind, cells[-1].text) == (kind, text):
            cells[-1] = GridCell(kind, cells[-1].span + 1, text, booking_id)
        else:
            cells.append(GridCell(kind, 1, text, booking_id))
    return cells


# ---------------------------------------------------------------- week lists

def day_items(row: SpaceRow, day: date) -> list[Item]:
    """What a space holds on one London day, each item cut to the day."""
    start, end = local_datetime(day, time(0)), local_datetime(day + timedelta(days=1), time(0))
    return [Item(item.kind, Interval(max(item.period.start, start), min(item.period.end, end)), item.text,
                 item.booking_id)
            for item in row.items if item.period.overlaps(Interval(start, end))]


# ---------------------------------------------------------------- parameters

def parse_day(values: list[str], today: date) -> tuple[date, str | None]:
    """The day asked for (?date=2026-05-04, or day, month and year boxes); today with an error if unreadable."""
    if not values:
        return today, None
    try:
        if len(values) == 1:
            chosen = date.fromisoformat(values[0][:10])
        elif len(values) == 3 and all(v.strip().isdigit() and len(v.strip()) <= 4 for v in values):
            day, month, year = (int(v) for v in values)
            chosen = date(year, month, day)
        else:
            raise ValueError
    except ValueError:
        return today, "Enter a real date, for example 27 3 2026"
    if abs((chosen - today).days) > 3660:
        return today, "Enter a date within 10 years of today"
    return chosen, None


class CalendarView(StaffView):
    @expose("/")
    def index(self):
        now = utcnow()
        today = today_local(now)
        chosen, date_error = parse_day(request.args.getlist("date"), today)
        mode = "day" if request.args.get("view") == "day" else "week"
        venue = owned_venue_or_404(request.args["venue"]) if request.args.get("venue") else None
        venues = db.session.scalars(sa.select(Venue).where(venue_clause(Venue.id)).order_by(Venue.name)).all()
        spaces = db.session.scalars(
            sa.select(Space).join(Venue).where(space_clause(Space.id), *([Space.venue_id == venue.id] if venue else []))
            .order_by(Venue.name, Space.id)).all()

        first = chosen if mode == "day" else chosen - timedelta(days=chosen.weekday())
        days = [first] if mode == "day" else [first + timedelta(days=n) for n in range(7)]
        period = Interval(local_datetime(days[0], time(0)), local_datetime(days[-1] + timedelta(days=1), time(0)))
        rows = load_rows(spaces, period, now)
        step = timedelta(days=1 if mode == "day" else 7)
        context = {
            "mode": mode, "chosen": chosen, "days": days, "rows": rows, "venue": venue, "venues": venues,
            "date_error": date_error, "today": today, "previous": (first - step).isoformat(),
            "next": (first + step).isoformat(),
            "heading": format_date(first) if mode == "day" else
            f"Week beginning {format_date(first)}",
        }
        if mode == "day":
            hours = day_hours(rows, first)
            slots = slot_starts(first, hours)
            context |= {"slots": slots, "grid": {row.space.id: day_grid(row, slots) for row in rows}}
        else:
            context["week"] = {row.space.id: [day_items(row, day) for day in days] for row in rows}
        context["day_names"] = {day: format_short_date(day) for day in days}
        return self.render("spacebank_admin/calendar.html", page_title=f"Calendar: {context['heading']}", **context)
