"""When can a space be booked? The availability engine.

The core is pure: plain values in (a space's rules, its closures, the locks held on its
smallest parts, a period and `now`), intervals out. It mirrors the database guard in
bookings/locks.py: a booking [s, e) of space X writes locks [s, e + X.turnaround) on each
of X's smallest parts, and no two locks on one part may overlap. So an existing lock
[a, b) rules out every booking of X that ends after a - X.turnaround and starts before b:
it blocks [a - X.turnaround, b) for X. Free time is then

    opening hours - closures - blocked time, inside [now + minimum notice, now + horizon].

Opening hours are London wall-clock ranges turned into UTC instants day by day, so the
23-hour and 25-hour days of the clock changes come out right.

`load_calendars` fetches what the core needs for many spaces and one period in four
queries (never one per space); search, the space pages, the booking flow and the staff
calendar can all use it.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa

from ..formatting import format_time
from ..timeutil import local_datetime, to_local
from .intervals import Interval, clip, merge, opening_intervals, subtract

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class SpaceRules:
    """A space's booking rules, as plain values."""

    # weekday (Monday 0) -> opening ranges in London wall-clock time
    opening_hours: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    turnaround_minutes: int = 0
    min_notice_hours: int = 0
    booking_horizon_days: int = 365
    min_booking_minutes: int = 60
    max_booking_minutes: int = 480

    @classmethod
    def from_rows(cls, space_row, hour_rows: Iterable) -> SpaceRules:
        """From anything with Space's rule attributes and OpeningHours-like rows."""
        ranges: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for row in hour_rows:
            ranges[row.weekday].append((row.opens_at, row.closes_at))
        return cls(
            opening_hours={day: tuple(sorted(r)) for day, r in ranges.items()},
            turnaround_minutes=space_row.turnaround_minutes,
            min_notice_hours=space_row.min_notice_hours,
            booking_horizon_days=space_row.booking_horizon_days,
            min_booking_minutes=space_row.min_booking_minutes,
            max_booking_minutes=space_row.max_booking_minutes,
        )

    @property
    def turnaround(self) -> timedelta:
        return timedelta(minutes=self.turnaround_minutes)

    def bookable_window(self, now: datetime) -> Interval | None:
        """When bookings made now may take place; None if never (notice beyond horizon)."""
        start = now + timedelta(hours=self.min_notice_hours)
        end = now + timedelta(days=self.booking_horizon_days)
        return Interval(start, end) if end > start else None


# Opening hours cannot say 24:00 (closes_at must be after opens_at), so a space open to
# the end of the day stores 23:59; it means midnight.
END_OF_DAY = time(23, 59)


def opening_times(rules: SpaceRules, first_day: date, last_day: date) -> list[Interval]:
    """Opening hours over whole London days, as UTC intervals (see intervals.opening_intervals)."""
    intervals = opening_intervals(
        {day: [r for r in ranges if r[1] < END_OF_DAY] for day, ranges in rules.opening_hours.items()},
        first_day, last_day)
    day = first_day
    while day <= last_day:
        for opens, closes in rules.opening_hours.get(day.weekday(), ()):
            if closes >= END_OF_DAY:
                start, end = local_datetime(day, opens), local_datetime(day + timedelta(days=1), time(0))
                if end > start:
                    intervals.append(Interval(start, end))
        day += timedelta(days=1)
    return merge(intervals)


def blocked_by_locks(locks: Iterable[Interval], turnaround: timedelta) -> list[Interval]:
    """The time a space cannot use because of existing locks on its parts (see module doc)."""
    return merge(Interval(lock.start - turnaround, lock.end) for lock in locks)


# --------------------------------------------------------------------------- core


@dataclass(frozen=True)
class Availability:
    """One space over one period: what is open, closed, booked and free (all UTC)."""

    period: Interval
    now: datetime
    min_booking_minutes: int
    window: Interval | None  # when bookings may take place, from notice and horizon
    opening: tuple[Interval, ...]
    closed: tuple[Interval, ...]
    booked: tuple[Interval, ...]  # blocked by existing bookings and their turnaround
    free: tuple[Interval, ...]  # open, not closed, not booked, inside the window

    @property
    def bookable(self) -> tuple[Interval, ...]:
        """Free intervals long enough for the shortest booking the space allows."""
        return tuple(f for f in self.free if f.minutes >= self.min_booking_minutes)


def compute(rules: SpaceRules, period: Interval, now: datetime, closures: Iterable[Interval] = (),
            locks: Iterable[Interval] = ()) -> Availability:
    """Availability of one space over `period`.

    `closures` close the space (its venue's, its own, its parents' or its parts');
    `locks` are the booking_lock intervals held on the space's smallest parts.
    """
    opening = clip(opening_times(rules, to_local(period.start).date(), to_local(period.end).date()), period)
    closed = merge(clip(closures, period))
    booked = merge(clip(blocked_by_locks(locks, rules.turnaround), period))
    window = rules.bookable_window(now)
    free = subtract(subtract(opening, closed), booked)
    free = merge(clip(free, window)) if window else []
    return Availability(period, now, rules.min_booking_minutes, window, tuple(opening), tuple(closed),
                        tuple(booked), tuple(free))


def _overlaps_any(interval: Interval, others: Iterable[Interval]) -> bool:
    return any(interval.overlaps(other) for other in others)


def _inside_one(interval: Interval, others: Iterable[Interval]) -> bool:
    return any(other.contains(interval) for other in others)


class SlotProblem(enum.StrEnum):
    """Why a space cannot be booked for a time. The message suits a form error."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    BOOKED = "booked"
    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"

    @property
    def message(self) -> str:
        return {
            "too_short": "The booking is shorter than this space allows",
            "too_long": "The booking is longer than this space allows",
            "not_open": "The space is not open for all of that time",
            "closed": "The space is closed for some of that time",
            "booked": "The space is already booked for some of that time",
            "past": "That time has already passed",
            "too_soon": "That time is too soon to book this space",
            "too_far": "That time is too far ahead to book this space yet",
        }[self.value]


def slot_problem(rules: SpaceRules, availability: Availability, start: datetime,
                 end: datetime) -> SlotProblem | None:
    """Why [start, end) cannot be booked, or None if it can.

    `availability` must cover the slot. None exactly when the slot lies inside one free
    interval and its length suits the space.
    """
    slot = Interval(start, end)
    if slot.minutes < rules.min_booking_minutes:
        return SlotProblem.TOO_SHORT
    if slot.minutes > rules.max_booking_minutes:
        return SlotProblem.TOO_LONG
    if not _inside_one(slot, availability.opening):
        return SlotProblem.NOT_OPEN
    if _overlaps_any(slot, availability.closed):
        return SlotProblem.CLOSED
    if _overlaps_any(slot, availability.booked):
        return SlotProblem.BOOKED
    window = availability.window
    if start < availability.now:
        return SlotProblem.PAST
    if window is None or start < window.start:
        return SlotProblem.TOO_SOON
    if end > window.end:
        return SlotProblem.TOO_FAR
    return None


# --------------------------------------------------------------------------- week grid


class CellStatus(enum.StrEnum):
    FREE = "free"
    PARTLY_FREE = "partly_free"
    BOOKED = "booked"
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    UNAVAILABLE = "unavailable"
    NO_SUCH_TIME = "no_such_time"

    @property
    def label(self) -> str:
        return {
            "free": "Free",
            "partly_free": "Partly free",
            "booked": "Booked",
            "closed": "Closed",
            "not_open": "Not open",
            "past": "Past",
            "too_soon": "Too soon to book",
            "too_far": "Not bookable yet",
            "unavailable": "Not available",
            "no_such_time": "No such time (clocks go forward)",
        }[self.value]

    @property
    def is_free(self) -> bool:
        return self in (CellStatus.FREE, CellStatus.PARTLY_FREE)


@dataclass(frozen=True)
class Cell:
    day: date
    hour: int  # the row: wall-clock hour the cell starts at
    interval: Interval | None  # None when the hour does not exist (clocks go forward)
    status: CellStatus
    free_part: Interval | None = None  # the first free part of the cell
    suggestion: Interval | None = None  # a bookable slot starting in the cell, for a link


def _first_overlap(cell: Interval, intervals: Iterable[Interval]) -> tuple[Interval, Interval] | None:
    """The first interval overlapping `cell`, and their intersection."""
    for interval in intervals:
        if interval.overlaps(cell):
            return interval, Interval(max(cell.start, interval.start), min(cell.end, interval.end))
    return None


def suggest_slot(free: Interval, start: datetime, rules: SpaceRules) -> Interval:
    """A booking inside `free` starting at or near `start`: an hour, or the shortest allowed.

    Starts on a quarter hour when that still fits (free time that begins at "now plus the
    notice" begins at odd minutes).
    """
    length = timedelta(minutes=min(max(rules.min_booking_minutes, 60), rules.max_booking_minutes))
    # London is a whole number of hours from UTC, so UTC quarter hours are London's.
    rounded = datetime.fromtimestamp(math.ceil(start.timestamp() / 900) * 900, UTC)
    if rounded != start and rounded + timedelta(minutes=rules.min_booking_minutes) <= free.end:
        start = rounded
    end = min(free.end, start + length)
    if end - start < timedelta(minutes=rules.min_booking_minutes):
        start = end - timedelta(minutes=rules.min_booking_minutes)
    return Interval(max(start, free.start), end)


def classify(cell: Interval, availability: Availability, rules: SpaceRules) -> tuple[CellStatus, Interval | None,
                                                                                     Interval | None]:
    """Status of one grid cell, with its first free part and a suggested slot."""
    open_parts = clip(availability.opening, cell)
    if not open_parts:
        return CellStatus.NOT_OPEN, None, None
    hit = _first_overlap(cell, availability.bookable)
    if hit:
        free, part = hit
        status = CellStatus.FREE if part == cell else CellStatus.PARTLY_FREE
        return status, part, suggest_slot(free, part.start, rules)
    last_open_end = open_parts[-1].end
    if last_open_end <= availability.now:
        return CellStatus.PAST, None, None
    if _overlaps_any(cell, availability.closed):
        return CellStatus.CLOSED, None, None
    if _overlaps_any(cell, availability.booked):
        return CellStatus.BOOKED, None, None
    window = availability.window
    if window is None or last_open_end <= window.start:
        return CellStatus.TOO_SOON, None, None
    if open_parts[0].start >= window.end:
        return CellStatus.TOO_FAR, None, None
    return CellStatus.UNAVAILABLE, None, None


def cell_interval(day: date, hour: int) -> Interval | None:
    """The UTC instants of a wall-clock hour; None when it does not exist."""
    start = local_datetime(day, time(hour))
    end = local_datetime(day + timedelta(days=1), time(0)) if hour == 23 else local_datetime(day, time(hour + 1))
    return Interval(start, end) if end > start else None


@dataclass(frozen=True)
class Row:
    hour: int
    cells: tuple[Cell, ...]  # one per day

    @property
    def label(self) -> str:
        return format_time(time(self.hour))


@dataclass(frozen=True)
class WeekGrid:
    days: tuple[date, ...]
    rows: tuple[Row, ...]


def grid_hours(rules: SpaceRules) -> range:
    """Rows for a week view: from the earliest opening to the latest closing hour."""
    ranges = [r for day_ranges in rules.opening_hours.values() for r in day_ranges]
    if not ranges:
        return range(0)
    first = min(opens.hour for opens, _ in ranges)
    last = max(closes.hour + (1 if (closes.minute or closes.second) else 0) for _, closes in ranges)
    return range(first, min(last, 24))


def week_grid(rules: SpaceRules, availability: Availability, first_day: date, days: int = 7) -> WeekGrid:
    """An hour-by-day grid of cell statuses. `availability` must cover the days."""
    day_list = tuple(first_day + timedelta(days=n) for n in range(days))
    rows = []
    for hour in grid_hours(rules):
        cells = []
        for day in day_list:
            interval = cell_interval(day, hour)
            if interval is None:
                cells.append(Cell(day, hour, None, CellStatus.NO_SUCH_TIME))
                continue
            status, part, suggestion = classify(interval, availability, rules)
            cells.append(Cell(day, hour, interval, status, part, suggestion))
        rows.append(Row(hour, tuple(cells)))
    return WeekGrid(day_list, tuple(rows))


def week_period(first_day: date, days: int = 7) -> Interval:
    return Interval(local_datetime(first_day, time(0)), local_datetime(first_day + timedelta(days=days), time(0)))


# --------------------------------------------------------------------------- opening hours in words


def describe_opening_hours(rules: SpaceRules) -> list[tuple[str, str]]:
    """[("Monday to Saturday", "9am to 11pm"), ("Sunday", "Closed")]: consecutive days with
    the same hours share a line."""
    def hours_text(day: int) -> str:
        ranges = rules.opening_hours.get(day, ())
        if not ranges:
            return "Closed"
        return ", ".join(f"{format_time(opens)} to {closing_time_label(closes)}" for opens, closes in ranges)

    lines: list[tuple[str, str]] = []
    run_start = 0
    for day in range(1, 8):
        if day == 7 or hours_text(day) != hours_text(run_start):
            joiner = " and " if day - 1 == run_start + 1 else " to "
            label = WEEKDAY_NAMES[run_start] if day - 1 == run_start else (
                f"{WEEKDAY_NAMES[run_start]}{joiner}{WEEKDAY_NAMES[day - 1]}")
            lines.append((label, hours_text(run_start)))
            run_start = day
    return lines


def closing_time_label(closes: time) -> str:
    return "midnight" if closes >= END_OF_DAY else format_time(closes)


# --------------------------------------------------------------------------- database loader


@dataclass(frozen=True)
class SpaceCalendar:
    """Everything the engine needs about one space for one period."""

    space_id: int
    venue_id: int
    rules: SpaceRules
    unit_ids: tuple[int, ...]
    closures: tuple[Interval, ...]
    locks: tuple[Interval, ...]

    def availability(self, period: Interval, now: datetime) -> Availability:
        return compute(self.rules, period, now, self.closures, self.locks)


def one_of(column, values: Iterable[int]):
    """`column IN values`. On PostgreSQL one array parameter, so the SQL is the same whatever
    the number of values and the driver prepares it once instead of planning it every time."""
    from ..extensions import db

    values = sorted(set(values))
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.Integer)))
    return column.in_(values)


@cache
def _space_aliases():
    """Made once: a new alias per call would defeat SQLAlchemy's cache of compiled SQL."""
    from ..venues.models import Space

    return tuple(sa.orm.aliased(Space, name=name) for name in ("child", "grandchild", "parent", "grandparent",
                                                                 "probe"))


def _family_rows(session, space_ids: Sequence[int]) -> list:
    """The spaces, their parts and the spaces they are part of, two levels each way, with
    their rules: one query, a union of index lookups (an OR of them would scan the table).

    Parts of parts say whether they have parts themselves; only then (and for ancestors
    above grandparents) is another query needed. Halls split once, so that never happens.
    """
    from ..venues.models import Space

    child, grandchild, parent, grandparent, probe = _space_aliases()

    def rules(space, *, flag_parts: bool = False):
        has_parts = (sa.select(probe.id).where(probe.parent_id == space.id).exists() if flag_parts
                     else sa.literal(False))
        return sa.select(space.id, space.venue_id, space.parent_id, space.turnaround_minutes,
                         space.min_notice_hours, space.booking_horizon_days, space.min_booking_minutes,
                         space.max_booking_minutes, has_parts.label("has_parts"))

    rows: dict[int, object] = {}
    fetch, expand, first = set(space_ids), set(space_ids), True
    expanded: set[int] = set()  # so that a loop of parents (a data error) cannot loop forever
    while fetch or expand:
        expanded |= expand
        selects = []
        if fetch:
            selects.append(rules(Space).where(one_of(Space.id, fetch)))
        if expand:
            selects.append(rules(child).where(one_of(child.parent_id, expand)))
            selects.append(rules(grandchild, flag_parts=True).join(child, grandchild.parent_id == child.id)
                           .where(one_of(child.parent_id, expand)))
        if first:
            selects.append(rules(parent).join(Space, Space.parent_id == parent.id).where(one_of(Space.id, fetch)))
            selects.append(rules(grandparent).join(parent, parent.parent_id == grandparent.id)
                           .join(Space, Space.parent_id == parent.id).where(one_of(Space.id, fetch)))
        result = session.execute(sa.union(*selects)).all()
        expand = {row.id for row in result if row.has_parts} - expanded
        rows.update((row.id, row) for row in result)
        fetch = {row.parent_id for row in rows.values() if row.parent_id is not None and row.parent_id not in rows}
        first = False
    return list(rows.values())


def _descendants(space_id: int, children: Mapping[int, list[int]]) -> list[int]:
    """Every part below a space, depth first; each once, even if parents loop."""
    out: list[int] = []
    stack = list(reversed(children.get(space_id, [])))
    while stack:
        part = stack.pop()
        if part in out or part == space_id:
            continue
        out.append(part)
        stack += reversed(children.get(part, []))
    return out


def _units(space_id: int, children: Mapping[int, list[int]]) -> list[int]:
    """The smallest parts a space occupies (itself when it has none), as Space.unit_ids."""
    below = _descendants(space_id, children)
    return sorted(part for part in below if not children.get(part)) or [space_id]


def _ancestors(space_id: int, parent_of: Mapping[int, int | None]) -> list[int]:
    out = []
    parent = parent_of.get(space_id)
    while parent is not None and parent not in out:
        out.append(parent)
        parent = parent_of.get(parent)
    return out


def load_calendars(space_ids: Iterable[int], period: Interval, *,
                   exclude_booking_id: int | None = None) -> dict[int, SpaceCalendar]:
    """Rules, closures and locks of many spaces over one period, in four queries.

    Closures count when they are on the venue, the space, a space it is part of (closing
    the whole hall closes its halves) or one of its parts (a half closed stops the whole
    being booked). Locks are those on the space's smallest parts, as the guard writes them.
    `exclude_booking_id` leaves out one booking's locks (to re-time that booking).
    Unknown ids are left out of the result.
    """
    from ..extensions import db
    from ..venues.models import Closure, OpeningHours
    from .models import BookingLock

    session = db.session
    ids = sorted(set(space_ids))
    if not ids:
        return {}
    family = _family_rows(session, ids)
    space_rows = {row.id: row for row in family if row.id in set(ids)}
    ids = sorted(space_rows)
    if not ids:
        return {}
    parent_of: dict[int, int | None] = {row.id: row.parent_id for row in family}
    children: dict[int, list[int]] = defaultdict(list)
    for row in family:
        if row.parent_id is not None:
            children[row.parent_id].append(row.id)

    hours: dict[int, list] = defaultdict(list)
    for row in session.execute(sa.select(OpeningHours.space_id, OpeningHours.weekday, OpeningHours.opens_at,
                                         OpeningHours.closes_at).where(one_of(OpeningHours.space_id, ids))):
        hours[row.space_id].append(row)

    related = {sid: {sid, *_ancestors(sid, parent_of), *_descendants(sid, children)} for sid in ids}
    venue_ids = sorted({row.venue_id for row in space_rows.values()})
    closure_rows = session.execute(sa.select(Closure.venue_id, Closure.space_id, Closure.starts_at, Closure.ends_at)
                                   .where(sa.or_(one_of(Closure.venue_id, venue_ids),
                                                 one_of(Closure.space_id, set().union(*related.values()))),
                                          Closure.starts_at < period.end, Closure.ends_at > period.start)).all()

    units = {sid: _units(sid, children) for sid in ids}
    all_units = sorted({u for unit_list in units.values() for u in unit_list})
    longest_turnaround = timedelta(minutes=max(row.turnaround_minutes for row in space_rows.values()))
    lock_query = sa.select(BookingLock.space_id, BookingLock.starts_at, BookingLock.ends_at).where(
        one_of(BookingLock.space_id, all_units),
        # A lock starting up to one turnaround after the period still blocks its end.
        BookingLock.starts_at < period.end + longest_turnaround,
        BookingLock.ends_at > period.start)
    if exclude_booking_id is not None:
        lock_query = lock_query.where(BookingLock.booking_id != exclude_booking_id)
    locks_by_unit: dict[int, list[Interval]] = defaultdict(list)
    for row in session.execute(lock_query):
        locks_by_unit[row.space_id].append(Interval(row.starts_at, row.ends_at))

    calendars = {}
    for sid in ids:
        row = space_rows[sid]
        closures = tuple(Interval(c.starts_at, c.ends_at) for c in closure_rows
                         if c.venue_id == row.venue_id or c.space_id in related[sid])
        locks = tuple(lock for unit in units[sid] for lock in locks_by_unit.get(unit, ()))
        calendars[sid] = SpaceCalendar(sid, row.venue_id, SpaceRules.from_rows(row, hours.get(sid, ())),
                                       tuple(units[sid]), closures, locks)
    return calendars
