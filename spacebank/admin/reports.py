"""Report figures for a period and a set of venues, worked out from the bookings table.

What counts, so the figures can be checked by hand:
- a booking belongs to the period when it starts in it (London dates, first to last day);
- "booked" means confirmed; its whole length counts;
- open hours are each space's opening hours in the period, less its closures;
- utilisation is booked hours ÷ open hours, for a space's own bookings;
- income is the price of confirmed bookings (deposits are refundable, so left out);
- requests are counted when decided in the period; the time to decide runs from the request to the decision.
Every table here is also what the page's chart draws and what its CSV holds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

import sqlalchemy as sa

from ..accounts.models import Group
from ..bookings.availability import load_calendars
from ..bookings.intervals import Interval, subtract
from ..bookings.models import Booking, BookingStatus
from ..extensions import db
from ..formatting import format_minutes, format_pence_plain
from ..timeutil import local_datetime, to_local
from ..venues.models import Space, Venue

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP_GROUPS = 10


@dataclass(frozen=True)
class Usage:
    open_minutes: int
    booked_minutes: int

    @property
    def share(self) -> float | None:
        return self.booked_minutes / self.open_minutes if self.open_minutes else None

    @property
    def percent(self) -> str:
        share = self.share
        return "No open hours" if share is None else f"{share * 100:.1f}%"


@dataclass(frozen=True)
class BookingRow:
    venue_id: int
    space_id: int
    group_id: int | None
    starts_at: datetime
    ends_at: datetime
    price_pence: int

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Tally:
    bookings: int = 0
    minutes: int = 0
    free_minutes: int = 0
    income_pence: int = 0

    def add(self, row: BookingRow) -> None:
        self.bookings += 1
        self.minutes += row.minutes
        self.income_pence += row.price_pence
        if row.price_pence == 0:
            self.free_minutes += row.minutes


@dataclass(frozen=True)
class RequestStats:
    approved: int
    declined: int
    expired: int
    waiting: int
    median_minutes: int | None


@dataclass
class Report:
    first: date
    last: date
    venues: list[Venue]
    venue_usage: dict[int, Usage] = field(default_factory=dict)
    space_usage: list[tuple[Space, Usage]] = field(default_factory=list)
    heatmap: dict[tuple[int, int], int] = field(default_factory=dict)  # (weekday, hour) -> minutes
    hours: range = range(8, 22)
    hirers: dict[str, Tally] = field(default_factory=dict)
    income: dict[int, int] = field(default_factory=dict)  # venue id -> pence
    requests: RequestStats | None = None
    top_groups: list[tuple[Group, Tally]] = field(default_factory=list)

    @property
    def total_usage(self) -> Usage:
        return Usage(sum(u.open_minutes for u in self.venue_usage.values()),
                     sum(u.booked_minutes for u in self.venue_usage.values()))

    @property
    def total_income(self) -> int:
        return sum(self.income.values())


def period_bounds(first: date, last: date) -> Interval:
    return Interval(local_datetime(first, time(0)), local_datetime(last + timedelta(days=1), time(0)))


def hour_pieces(start: datetime, end: datetime):
    """(London weekday, London hour, minutes) for each clock hour a booking touches.

    London's offset from UTC is a whole number of hours, so clock hours begin on UTC hours.
    """
    cursor = start
    while cursor < end:
        boundary = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        piece_end = min(boundary, end)
        local = to_local(cursor)
        yield local.weekday(), local.hour, int((piece_end - cursor).total_seconds() // 60)
        cursor = piece_end


def confirmed_bookings(space_ids: list[int], period: Interval) -> list[BookingRow]:
    rows = db.session.execute(
        sa.select(Space.venue_id, Booking.space_id, Booking.group_id, Booking.starts_at, Booking.ends_at,
                  Booking.price_pence).join(Space, Booking.space_id == Space.id)
        .where(Booking.space_id.in_(space_ids), Booking.status == BookingStatus.CONFIRMED,
               Booking.starts_at >= period.start, Booking.starts_at < period.end))
    return [BookingRow(*row) for row in rows]


def request_stats(space_ids: list[int], period: Interval) -> RequestStats:
    in_scope = Booking.space_id.in_(space_ids)
    decided = db.session.execute(sa.select(Booking.status, Booking.created_at, Booking.decided_at).where(
        in_scope, Booking.decided_at >= period.start, Booking.decided_at < period.end)).all()
    declined = sum(1 for status, _, _ in decided if status == BookingStatus.DECLINED)
    expired = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
        in_scope, Booking.status == BookingStatus.EXPIRED, Booking.expires_at >= period.start,
        Booking.expires_at < period.end))
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
        in_scope, Booking.status == BookingStatus.REQUESTED))
    waits = [int((decided_at - created_at).total_seconds() // 60) for _, created_at, decided_at in decided]
    return RequestStats(approved=len(decided) - declined, declined=declined, expired=expired, waiting=waiting,
                        median_minutes=int(median(waits)) if waits else None)


def build_report(venues: list[Venue], first: date, last: date, now: datetime) -> Report:
    report = Report(first, last, venues)
    period = period_bounds(first, last)
    spaces = [space for venue in venues for space in venue.spaces]
    space_ids = [space.id for space in spaces]
    calendars = load_calendars(space_ids, period) if space_ids else {}
    bookings = confirmed_bookings(space_ids, period) if space_ids else []

    booked_by_space = defaultdict(int)
    for row in bookings:
        booked_by_space[row.space_id] += row.minutes
    open_hours = []
    for space in spaces:
        availability = calendars[space.id].availability(period, now)
        open_minutes = sum(i.minutes for i in subtract(availability.opening, availability.closed))
        for interval in availability.opening:
            open_hours += [to_local(interval.start).hour, to_local(interval.end - timedelta(minutes=1)).hour]
        report.space_usage.append((space, Usage(open_minutes, booked_by_space[space.id])))
    for venue in venues:
        usages = [usage for space, usage in report.space_usage if space.venue_id == venue.id]
        report.venue_usage[venue.id] = Usage(sum(u.open_minutes for u in usages), sum(u.booked_minutes for u in usages))

    heat = defaultdict(int)
    for row in bookings:
        for weekday, hour, minutes in hour_pieces(row.starts_at, row.ends_at):
            heat[(weekday, hour)] += minutes
    report.heatmap = dict(heat)
    busy_hours = [hour for _, hour in heat] + open_hours
    report.hours = range(min(busy_hours), max(busy_hours) + 1) if busy_hours else range(8, 22)

    report.hirers = {"Free to community groups": Tally(), "Charged": Tally(), "Free, not for a group": Tally()}
    groups = defaultdict(Tally)
    income = dict.fromkeys((v.id for v in venues), 0)
    for row in bookings:
        if row.price_pence > 0:
            report.hirers["Charged"].add(row)
        elif row.group_id is not None:
            report.hirers["Free to community groups"].add(row)
        else:
            report.hirers["Free, not for a group"].add(row)
        income[row.venue_id] += row.price_pence
        if row.group_id is not None:
            groups[row.group_id].add(row)
    report.income = income
    top = sorted(groups.items(), key=lambda item: (-item[1].minutes, item[0]))[:TOP_GROUPS]
    names = {g.id: g for g in db.session.scalars(sa.select(Group).where(Group.id.in_([gid for gid, _ in top])))}
    report.top_groups = [(names[gid], tally) for gid, tally in top]
    report.requests = request_stats(space_ids, period) if space_ids else RequestStats(0, 0, 0, 0, None)
    return report


# ---------------------------------------------------------------- tables (HTML, CSV and charts share them)

def show(value, kind: str) -> str:
    """A cell for people: hours with one decimal, money in pounds, shares as percentages."""
    if kind == "hours":
        return f"{value / 60:.1f}"
    if kind == "money":
        return format_pence_plain(value)
    if kind == "percent":
        return "No open hours" if value is None else f"{value * 100:.1f}%"
    if kind == "duration":
        return format_minutes(value) if value is not None else "None decided"
    return str(value)


def raw(value, kind: str) -> str:
    """A cell for spreadsheets: plain numbers, no symbols."""
    if kind == "hours":
        return f"{value / 60:.2f}"
    if kind == "money":
        return f"{value / 100:.2f}"
    if kind == "percent":
        return "" if value is None else f"{value * 100:.2f}"
    if kind == "duration":
        return "" if value is None else str(value)
    return str(value)


@dataclass(frozen=True)
class Table:
    name: str  # used in the CSV's URL
    title: str
    header: list[str]
    kinds: list[str]  # per column: text, count, hours (minutes), money (pence), percent (share), duration (minutes)
    rows: list[list]

    def shown(self) -> list[list[str]]:
        return [[show(value, kind) for value, kind in zip(row, self.kinds)] for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        header = [f"{h} ({unit})" if unit and unit not in h.lower() else h for h, unit in
                  zip(self.header, [{"hours": "hours", "money": "£", "percent": "%", "duration": "minutes"}.get(k)
                                    for k in self.kinds])]
        return [header] + [[raw(value, kind) for value, kind in zip(row, self.kinds)] for row in self.rows]


def tables(report: Report) -> dict[str, Table]:
    venue_names = {v.id: v.name for v in report.venues}
    utilisation = Table(
        "utilisation", "Utilisation by venue and space", ["Venue", "Space", "Open hours", "Booked hours", "Utilisation"],
        ["text", "text", "hours", "hours", "percent"],
        [[venue_names[vid], "All spaces", u.open_minutes, u.booked_minutes, u.share] for vid, u in report.venue_usage.items()]
        + [[space.venue.name, space.name, u.open_minutes, u.booked_minutes, u.share] for space, u in report.space_usage])
    heatmap = Table(
        "heatmap", "Booked hours by day of the week and time of day", ["Day", *[f"{h:02d}:00" for h in report.hours]],
        ["text", *["hours"] * len(report.hours)],
        [[WEEKDAYS[day], *[report.heatmap.get((day, hour), 0) for hour in report.hours]] for day in range(7)])
    hirers = Table("hirers", "Free and charged hours", ["Kind of booking", "Bookings", "Hours", "Income"],
                   ["text", "count", "hours", "money"],
                   [[label, t.bookings, t.minutes, t.income_pence] for label, t in report.hirers.items()])
    income = Table("income", "Income by venue", ["Venue", "Income"], ["text", "money"],
                   [[venue_names[vid], pence] for vid, pence in report.income.items()]
                   + [["All venues", report.total_income]])
    stats = report.requests
    requests = Table("requests", "Requests decided", ["Approved", "Declined", "Expired without a decision",
                                                      "Waiting now", "Median time to decide"],
                     ["count", "count", "count", "count", "duration"],
                     [[stats.approved, stats.declined, stats.expired, stats.waiting, stats.median_minutes]])
    groups = Table("groups", "Top community groups by hours booked", ["Group", "Bookings", "Hours", "Free hours", "Income"],
                   ["text", "count", "hours", "hours", "money"],
                   [[group.name, t.bookings, t.minutes, t.free_minutes, t.income_pence] for group, t in report.top_groups])
    return {t.name: t for t in (utilisation, heatmap, hirers, income, requests, groups)}
