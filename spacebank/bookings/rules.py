"""Booking rules: pure functions of plain values that explain, in plain words, what is wrong.

Nothing here reads the database, the request or the clock: callers load a SpaceRules and a
SpaceCalendar (see queries.py) and pass `now`. Each check returns a list of Problems; an
empty list means the booking may go ahead. The database's lock constraint remains the last
guard against overlaps (see locks.py); these rules are what people read.

Times must fall on a quarter hour (:00, :15, :30 or :45, London time). Opening hours,
turnaround buffers and billing units are all whole quarter hours, so a booking from 10:07
would only leave slivers of time nobody else can use, and a quarter hour is the grain of
the availability table people choose from.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..formatting import format_date, format_datetime, format_minutes, format_time
from ..timeutil import local_datetime, to_local
from .availability import END_OF_DAY, closing_time_label, opening_times
from .availability import SpaceRules as OpeningRules
from .intervals import Interval

QUARTER_HOUR = 15
WEEKDAY_PLURALS = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"]


@dataclass(frozen=True)
class Problem:
    """Why a booking cannot go ahead.

    `message` is a sentence for an error message; `reason` is a short phrase for a table
    cell; `field` names the answer it belongs to (date, start, end, attendees or who).
    """

    code: str
    message: str
    reason: str
    field: str = "start"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SpaceRules:
    name: str
    min_booking_minutes: int
    max_booking_minutes: int
    turnaround_minutes: int
    min_notice_hours: int
    booking_horizon_days: int
    capacity: int
    is_bookable: bool = True


@dataclass(frozen=True)
class Closed:
    period: Interval
    reason: str


@dataclass(frozen=True)
class SpaceCalendar:
    """What the database knows about a space's time around the asked period.

    `opening` holds London wall-clock ranges per weekday (Monday is 0). `taken` holds the
    lock periods of other active bookings on any part this space occupies; each already
    includes that booking's turnaround buffer.
    """

    opening: dict[int, list[tuple[time, time]]]
    closures: list[Closed] = field(default_factory=list)
    taken: list[Interval] = field(default_factory=list)


def slot_instants(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The UTC instants of a booking given as a London date and wall-clock times.

    An end of 00:00 or 23:59 means midnight at the end of the day, the convention opening
    hours use (a closing time cannot say 24:00), so a booking can run until a space closes.
    """
    if end == time(0) or end >= END_OF_DAY:
        return local_datetime(day, start), local_datetime(day + timedelta(days=1), time(0))
    return local_datetime(day, start), local_datetime(day, end)


def check_times(rules: SpaceRules, starts_at: datetime, ends_at: datetime, now: datetime, *,
                by_staff: bool = False) -> list[Problem]:
    """When the booking is: not in the past, enough notice, not too far ahead, right length.

    Staff booking on a caller's behalf may book at short notice or beyond the horizon.
    """
    problems = []
    if not rules.is_bookable:
        problems.append(Problem("not_bookable", f"{rules.name} cannot be booked online at the moment.",
                                "Cannot be booked online", "date"))
    start_local = to_local(starts_at)
    if starts_at <= now:
        if start_local.date() < to_local(now).date():
            problems.append(Problem("past", "Date must be today or in the future", "In the past", "date"))
        else:
            problems.append(Problem("past", "Start time must be in the future", "In the past", "start"))
        return problems  # notice and horizon say nothing useful about the past
    if not by_staff:
        problems += _notice_and_horizon(rules, starts_at, now)
    problems += check_length(rules, starts_at, ends_at)
    return problems


def _notice_and_horizon(rules: SpaceRules, starts_at: datetime, now: datetime) -> list[Problem]:
    earliest = now + timedelta(hours=rules.min_notice_hours)
    if starts_at < earliest:
        return [Problem(
            "notice",
            f"{rules.name} must be booked at least {_hours(rules.min_notice_hours)} ahead. "
            f"The earliest you can start is {format_datetime(_next_quarter_hour(earliest))}",
            f"Less than {_hours(rules.min_notice_hours)} ahead", "start")]
    latest_day = to_local(now).date() + timedelta(days=rules.booking_horizon_days)
    if to_local(starts_at).date() > latest_day:
        return [Problem(
            "horizon",
            f"{rules.name} can be booked up to {rules.booking_horizon_days} days ahead. "
            f"Choose a date on or before {format_date(latest_day)}",
            f"More than {rules.booking_horizon_days} days ahead", "date")]
    return []


def check_length(rules: SpaceRules, starts_at: datetime, ends_at: datetime) -> list[Problem]:
    """Quarter hours, and between the space's minimum and maximum length.

    Length is measured between instants, as prices are: 01:00 to 03:00 on the day the
    clocks go forward is one hour.
    """
    if ends_at <= starts_at:
        return [Problem("order", "End time must be after the start time", "Ends before it starts", "end")]
    for name, moment in (("Start", starts_at), ("End", ends_at)):
        if to_local(moment).minute % QUARTER_HOUR or to_local(moment).second:
            return [Problem("quarter_hour", f"{name} time must be on the hour or 15, 30 or 45 minutes past",
                            "Not on a quarter hour", name.lower())]
    minutes = Interval(starts_at, ends_at).minutes
    if minutes < rules.min_booking_minutes:
        return [Problem("too_short",
                        f"A booking of {rules.name} must be at least {format_minutes(rules.min_booking_minutes)} long",
                        f"Shorter than {format_minutes(rules.min_booking_minutes)}", "end")]
    if minutes > rules.max_booking_minutes:
        return [Problem("too_long",
                        f"A booking of {rules.name} can be no longer than {format_minutes(rules.max_booking_minutes)}",
                        f"Longer than {format_minutes(rules.max_booking_minutes)}", "end")]
    return []


def check_calendar(rules: SpaceRules, calendar: SpaceCalendar, starts_at: datetime,
                   ends_at: datetime) -> list[Problem]:
    """Open then, not closed, and free of other bookings including turnaround buffers."""
    if ends_at <= starts_at:
        return []
    booking = Interval(starts_at, ends_at)
    problems = []
    day = to_local(starts_at).date()
    opening = opening_times(OpeningRules(opening_hours=calendar.opening), day, day)
    if not any(period.contains(booking) for period in opening):
        problems.append(_outside_opening_hours(rules, calendar, day))
    closure = next((c for c in calendar.closures if c.period.overlaps(booking)), None)
    if closure:
        problems.append(Problem("closed", f"{rules.name} is closed at this time: {closure.reason}",
                                closure.reason, "date"))
    claim = Interval(starts_at, ends_at + timedelta(minutes=rules.turnaround_minutes))
    if any(claim.overlaps(taken) for taken in calendar.taken):
        problems.append(Problem("taken", _taken_message(rules), "Already booked", "start"))
    return problems


def _outside_opening_hours(rules: SpaceRules, calendar: SpaceCalendar, day: date) -> Problem:
    ranges = calendar.opening.get(day.weekday(), [])
    weekdays = WEEKDAY_PLURALS[day.weekday()]
    if not ranges:
        return Problem("closed_day", f"{rules.name} is closed on {weekdays}. Choose another day",
                       f"Closed on {weekdays}", "date")
    hours = " and ".join(f"{format_time(opens)} to {closing_time_label(closes)}" for opens, closes in sorted(ranges))
    return Problem("opening_hours", f"{rules.name} is open {hours} on {weekdays}. Choose a time when it is open",
                   "Outside opening hours", "start")


def _taken_message(rules: SpaceRules) -> str:
    message = f"{rules.name} is already booked at this time. Choose another time"
    if rules.turnaround_minutes:
        message += (f". Bookings need {format_minutes(rules.turnaround_minutes)} between them "
                    "to clear up and set up")
    return message


def check_attendees(rules: SpaceRules, attendees: int) -> list[Problem]:
    if attendees > rules.capacity:
        return [Problem("capacity", f"{rules.name} holds up to {rules.capacity} people. "
                        f"Enter {rules.capacity} or fewer", f"More than {rules.capacity} people", "attendees")]
    return []


def check_booking(rules: SpaceRules, calendar: SpaceCalendar, starts_at: datetime, ends_at: datetime,
                  attendees: int | None, now: datetime, *, by_staff: bool = False) -> list[Problem]:
    """Every rule that decides whether this space can be booked at this time."""
    problems = check_times(rules, starts_at, ends_at, now, by_staff=by_staff)
    if not any(p.code == "past" for p in problems):
        problems += check_calendar(rules, calendar, starts_at, ends_at)
    if attendees is not None:
        problems += check_attendees(rules, attendees)
    return problems


def cancellation_deadline(starts_at: datetime, notice_hours: int) -> datetime:
    return starts_at - timedelta(hours=notice_hours)


def check_cancellation(starts_at: datetime, notice_hours: int, now: datetime, *, confirmed: bool,
                       by_staff: bool = False) -> list[Problem]:
    """Whether a booking can be cancelled now.

    People can cancel a confirmed booking online up to the space's cancellation notice; a
    request nobody has approved yet can be withdrawn until it starts. Staff can always cancel.
    """
    if by_staff:
        return []
    if starts_at <= now:
        return [Problem("started", "This booking has already started, so it cannot be cancelled online",
                        "Already started", "booking")]
    deadline = cancellation_deadline(starts_at, notice_hours)
    if confirmed and now > deadline:
        return [Problem("cancellation_notice",
                        f"You can cancel online up to {_hours(notice_hours)} before the booking starts, "
                        f"so the last time to cancel this booking was {format_datetime(deadline)}. "
                        "Contact the venue to cancel it", "Too late to cancel online", "booking")]
    return []


@dataclass(frozen=True)
class FairUse:
    """A verified group's free hours in one London calendar month at one council service."""

    limit_hours: int
    used_minutes: int  # free time the group already holds that month
    month: date  # the first of the month

    def allows(self, minutes: int) -> bool:
        return self.used_minutes + minutes <= self.limit_hours * 60

    def note(self, minutes: int, service_name: str) -> Problem | None:
        """The fair-use note when this booking would go over the limit, else None.

        Not a refusal: over the limit, the booking is offered at the paid community rate.
        """
        if self.allows(minutes):
            return None
        month = f"{self.month:%B %Y}"
        left = max(0, self.limit_hours * 60 - self.used_minutes)
        return Problem(
            "fair_use",
            f"Your group can use {service_name} spaces free for up to {self.limit_hours} hours a month. "
            f"It has {format_minutes(left)} free left in {month}, so this booking is charged at the community rate",
            "Over your group's free hours: community rate", "who")


def occurrence_days(first_day: date, every_days: int, count: int) -> list[date]:
    """The dates of a repeating booking. Wall-clock times stay put across clock changes,
    so callers turn each date and the same London times into instants."""
    return [first_day + timedelta(days=every_days * n) for n in range(count)]


def month_of(moment: datetime) -> date:
    """The first day of the London calendar month this instant falls in."""
    return to_local(moment).date().replace(day=1)


def _hours(hours: int) -> str:
    return "1 hour" if hours == 1 else f"{hours} hours"


def _next_quarter_hour(moment: datetime) -> datetime:
    """Round up to a quarter hour (London's offsets are whole hours, so UTC's quarters match)."""
    whole_minute = moment.replace(second=0, microsecond=0)
    if whole_minute < moment:
        whole_minute += timedelta(minutes=1)
    return whole_minute + timedelta(minutes=-whole_minute.minute % QUARTER_HOUR)
