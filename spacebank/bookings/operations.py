"""Booking state transitions: the one place bookings are created, decided, moved and ended.

Residents' pages and the staff back office both call these. Each writes an audit event,
queues the email the booker should get (with a calendar file when a booking is confirmed)
and frees the booking's locks when it stops being active.

Who commits: the creating and moving operations commit themselves, because the database's
overlap constraint only speaks at the write (they raise SlotTaken with nothing saved when it
refuses). The others leave the commit to the caller, so a caller can combine them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..accounts.models import Group, User
from ..extensions import db
from ..formatting import format_datetime
from ..notifications import queue_email
from ..venues.models import HirerCategory, Space
from . import calendar, queries, rules
from .locks import (
    SlotTaken,
    attach_locks,
    commit_or_raise_taken,
    flush_or_raise_taken,
    release_locks,
    write_transaction,
)
from .models import Booking, BookingSeries, BookingStatus, Frequency

AUDITED_FIELDS = ["status", "space_id", "starts_at", "ends_at", "price_pence", "deposit_pence",
                  "expires_at", "decision_reason", "cancellation_reason"]


class BookingRefused(Exception):
    """The booking breaks a rule. `problems` says which, in plain words.

    `assessments` (for a series) holds every occurrence, so a page can show which failed.
    """

    def __init__(self, problems: list[rules.Problem], assessments: list[queries.Assessment] | None = None):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.assessments = assessments or []

    @property
    def message(self) -> str:
        return self.problems[0].message


class NotAllowed(Exception):
    """A transition that cannot happen from the booking's state (or too late for it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OccurrenceTaken(SlotTaken):
    """The database refused one occurrence of a series: someone booked it meanwhile."""

    def __init__(self, starts_at: datetime):
        super().__init__()
        self.starts_at = starts_at
        self.message = (f"Someone has just booked {format_datetime(starts_at)}. "
                        "Choose your dates again")


@dataclass(frozen=True)
class BookingDetails:
    """What the hirer tells us, the same for every occurrence."""

    category: HirerCategory
    purpose: str
    attendees: int
    group: Group | None = None
    needs: str = ""
    accepted_conditions: bool = True


# ---------------------------------------------------------------- creating

def create_booking(space: Space, booker: User, starts_at: datetime, ends_at: datetime, details: BookingDetails,
                   now: datetime, *, booked_by: User | None = None, by_staff: bool = False) -> Booking:
    """Check every rule and save one booking: confirmed, or a request where the space needs approval.

    Commits. Raises BookingRefused (nothing saved) when a rule is broken, SlotTaken when the
    database finds someone else took the time meanwhile. `booked_by` is the staff member
    booking on the booker's behalf; `by_staff` waives the notice and horizon rules.
    """
    return _create(space, booker, [(starts_at, ends_at)], details, now, booked_by=booked_by,
                   by_staff=by_staff, series=None)[0]


def create_series(space: Space, booker: User, frequency: Frequency, slots: list[tuple[datetime, datetime]],
                  details: BookingDetails, now: datetime, *, booked_by: User | None = None,
                  by_staff: bool = False) -> BookingSeries:
    """Save the chosen occurrences of a repeating booking together, all or none.

    Commits. Raises BookingRefused (with every occurrence's assessment) when any breaks a
    rule, OccurrenceTaken (naming it) when the database finds one taken meanwhile.
    """
    series = BookingSeries(space=space, booker=booker, frequency=frequency)
    _create(space, booker, slots, details, now, booked_by=booked_by, by_staff=by_staff, series=series)
    return series


def _create(space, booker, slots, details: BookingDetails, now, *, booked_by, by_staff, series) -> list[Booking]:
    if not slots:
        raise ValueError("nothing to book")
    with write_transaction():
        expire_overdue_requests(now)
        assessments = queries.assess(space, slots, attendees=details.attendees, category=details.category,
                                     group=details.group, now=now, booker=booker, by_staff=by_staff)
        refused = [a for a in assessments if not a.bookable]
        if refused:
            db.session.commit()  # keep any expiries; nothing of this booking was written
            raise BookingRefused(refused[0].problems, assessments)
        bookings = []
        for assessment in assessments:
            # One at a time: each is flushed before the next exists, so the database names
            # the occurrence it refuses (and never meets a booking without its reference).
            booking = _new_booking(space, booker, assessment, details, now, booked_by, series)
            attach_locks(booking)
            _flush_or_raise_taken(booking)
            bookings.append(booking)
        for booking in bookings:
            audit.record(f"booking.{booking.status.value}", booking, actor=booked_by or booker,
                         summary=f"{booking.reference}: {space} {format_datetime(booking.starts_at)}"
                         + (f" (booked by staff for {booker.email})" if booked_by else ""))
        _queue_created_email(bookings, now)
        commit_or_raise_taken()
    return bookings


def _new_booking(space, booker, assessment: queries.Assessment, details: BookingDetails, now, booked_by,
                 series) -> Booking:
    status = BookingStatus.REQUESTED if space.requires_approval else BookingStatus.CONFIRMED
    expires_at = None
    if status == BookingStatus.REQUESTED:
        # A request undecided by the time it starts is moot, so it never holds past its start.
        expires_at = min(now + timedelta(days=current_app.config["REQUEST_EXPIRY_DAYS"]), assessment.starts_at)
    return Booking(
        space=space, booker=booker, group=details.group if details.category == HirerCategory.COMMUNITY else None,
        series=series, booked_by=booked_by, starts_at=assessment.starts_at, ends_at=assessment.ends_at,
        status=status, hirer_category=details.category, purpose=details.purpose, attendees=details.attendees,
        needs=details.needs, price_pence=assessment.quote.price_pence, deposit_pence=assessment.quote.deposit_pence,
        accepted_conditions_at=now if details.accepted_conditions else None, expires_at=expires_at,
    )


def _flush_or_raise_taken(booking: Booking) -> None:
    """Write one booking's locks now, so a refusal names the occurrence it was about."""
    flush_or_raise_taken(OccurrenceTaken(booking.starts_at))


# ---------------------------------------------------------------- deciding and ending

def expire_overdue_requests(now: datetime) -> int:
    """Requests nobody decided before their expiry lose their hold on the slot.

    Returns how many expired. The caller commits. Called before every availability check
    so an expired request never blocks a slot even if the scheduled command has not run.
    """
    overdue = db.session.scalars(
        sa.select(Booking).where(Booking.status == BookingStatus.REQUESTED, Booking.expires_at <= now)
        .order_by(Booking.id).with_for_update(skip_locked=True)
    ).all()
    for booking in overdue:
        _end(booking, BookingStatus.EXPIRED, "booking.expired", now, actor=None,
             summary=f"{booking.reference}: request not decided in time")
        _email(booking, "booking_expired", f"Booking request expired: {booking.reference}", now)
    return len(overdue)


def cancel_booking(booking: Booking, actor: User, reason: str | None, now: datetime, *,
                   by_staff: bool = False) -> Booking:
    """Cancel an active booking. Residents must respect the space's cancellation notice; staff
    can always cancel. Raises NotAllowed. The caller commits."""
    refusal = why_not_cancel(booking, now, by_staff=by_staff)
    if refusal:
        raise NotAllowed(refusal)
    booking.cancelled_at = now
    booking.cancellation_reason = (reason or "").strip() or None
    _end(booking, BookingStatus.CANCELLED, "booking.cancelled", now, actor=actor,
         summary=f"{booking.reference}: cancelled" + (" by staff" if by_staff else ""))
    _email(booking, "booking_cancelled", f"Booking cancelled: {booking.reference}", now, with_calendar=True,
           by_staff=by_staff)
    return booking


def why_not_cancel(booking: Booking, now: datetime, *, by_staff: bool = False) -> str | None:
    """Why this booking cannot be cancelled now, in plain words; None if it can."""
    if not booking.is_active:
        return f"This booking cannot be cancelled because its status is: {booking.status.label}"
    problems = rules.check_cancellation(booking.starts_at, booking.space.cancellation_notice_hours, now,
                                        confirmed=booking.status == BookingStatus.CONFIRMED, by_staff=by_staff)
    return problems[0].message if problems else None


def cancellation_deadline(booking: Booking) -> datetime:
    return rules.cancellation_deadline(booking.starts_at, booking.space.cancellation_notice_hours)


def cancel_series(series: BookingSeries, actor: User, reason: str | None, now: datetime, *,
                  by_staff: bool = False) -> tuple[list[Booking], list[tuple[Booking, str]]]:
    """Cancel every upcoming active occurrence that may still be cancelled.

    Returns (cancelled, kept with the reason each was kept). The caller commits.
    """
    cancelled, kept = [], []
    for booking in series.bookings:
        if not booking.is_active or booking.ends_at <= now:
            continue
        try:
            cancelled.append(cancel_booking(booking, actor, reason, now, by_staff=by_staff))
        except NotAllowed as refusal:
            kept.append((booking, refusal.message))
    return cancelled, kept


def approve_request(booking: Booking, actor: User, now: datetime) -> Booking:
    """Confirm a request; it keeps the slot it already holds. Raises NotAllowed. The caller commits."""
    _require_request(booking, now)
    before = audit.snapshot(booking, AUDITED_FIELDS)
    booking.status = BookingStatus.CONFIRMED
    booking.decided_at, booking.decided_by, booking.expires_at = now, actor, None
    booking.updated_at = now
    audit.record("booking.approved", booking, actor=actor, summary=f"{booking.reference}: request approved",
                 before=before, after=audit.snapshot(booking, AUDITED_FIELDS))
    _email(booking, "booking_approved", f"Booking confirmed: {booking.reference}", now, with_calendar=True)
    return booking


def decline_request(booking: Booking, actor: User, reason: str, now: datetime) -> Booking:
    """Decline a request, saying why; frees its slot. Raises NotAllowed. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise NotAllowed("Enter the reason for declining the request")
    _require_request(booking, now)
    booking.decided_at, booking.decided_by, booking.decision_reason = now, actor, reason
    _end(booking, BookingStatus.DECLINED, "booking.declined", now, actor=actor,
         summary=f"{booking.reference}: request declined")
    _email(booking, "booking_declined", f"Booking request declined: {booking.reference}", now, reason=reason)
    return booking


def _require_request(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.REQUESTED:
        raise NotAllowed(f"This booking is not waiting for approval. Its status is: {booking.status.label}")
    if booking.expires_at is not None and booking.expires_at <= now:
        raise NotAllowed(f"This request expired on {format_datetime(booking.expires_at)}")


def move_booking(booking: Booking, actor: User, new_space: Space, new_start: datetime, new_end: datetime,
                 now: datetime, *, by_staff: bool = False) -> Booking:
    """Move an active booking to another time or space under the same rules, re-priced.

    Commits. Raises BookingRefused or NotAllowed, or SlotTaken if the database finds the new
    time taken; in every case the booking is left as it was.
    """
    booking_id = booking.id
    with write_transaction():
        expire_overdue_requests(now)
        if not booking.is_active:
            db.session.commit()
            raise NotAllowed(f"This booking cannot be moved because its status is: {booking.status.label}")
        [assessment] = queries.assess(new_space, [(new_start, new_end)], attendees=booking.attendees,
                                      category=booking.hirer_category, group=booking.group, now=now,
                                      booker=booking.booker, by_staff=by_staff, exclude_booking_id=booking_id)
        if not assessment.bookable:
            db.session.commit()
            raise BookingRefused(assessment.problems, [assessment])
        before = audit.snapshot(booking, AUDITED_FIELDS)
        release_locks(booking)
        booking.space, booking.starts_at, booking.ends_at = new_space, new_start, new_end
        booking.price_pence = assessment.quote.price_pence
        booking.deposit_pence = assessment.quote.deposit_pence
        booking.updated_at = now
        attach_locks(booking)
        _flush_or_raise_taken(booking)
        audit.record("booking.moved", booking, actor=actor, before=before,
                     after=audit.snapshot(booking, AUDITED_FIELDS),
                     summary=f"{booking.reference}: moved to {new_space} {format_datetime(new_start)}")
        _email(booking, "booking_moved", f"Booking changed: {booking.reference}", now, with_calendar=True)
        commit_or_raise_taken()
    return booking


def _end(booking: Booking, status: BookingStatus, action: str, now: datetime, *, actor: User | None,
         summary: str) -> None:
    before = audit.snapshot(booking, AUDITED_FIELDS)
    booking.status = status
    booking.updated_at = now  # set now, not at flush: the calendar file sent with it reads it
    release_locks(booking)
    audit.record(action, booking, actor=actor, summary=summary, before=before,
                 after=audit.snapshot(booking, AUDITED_FIELDS))


# ---------------------------------------------------------------- emails

def booking_link(booking: Booking) -> str:
    # Built from configuration, not url_for: these run from commands with no request too.
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/my-bookings/{booking.reference}"


def booking_links(bookings: list[Booking]) -> dict[int, str]:
    """Each booking's link by id, as calendar.calendar_text and the emails take them."""
    return {b.id: booking_link(b) for b in bookings}


def _calendar_attachment(bookings: list[Booking], now: datetime) -> tuple[str, str, str]:
    text = calendar.calendar_text(bookings, now, links=booking_links(bookings))
    return calendar.file_name(bookings[0]), "text/calendar", text


def _queue_created_email(bookings: list[Booking], now: datetime) -> None:
    first = bookings[0]
    confirmed = first.status == BookingStatus.CONFIRMED
    several = f" and {len(bookings) - 1} more" if len(bookings) > 1 else ""
    subject = f"{'Booking confirmed' if confirmed else 'Booking request received'}: {first.reference}{several}"
    queue_email(first.booker.email, subject, "booking_confirmed" if confirmed else "booking_requested",
                attachment=_calendar_attachment(bookings, now) if confirmed else None,
                bookings=bookings, booker=first.booker, links=booking_links(bookings),
                expiry_days=current_app.config["REQUEST_EXPIRY_DAYS"])


def _email(booking: Booking, template: str, subject: str, now: datetime, *, with_calendar: bool = False,
           **context) -> None:
    queue_email(booking.booker.email, subject, template,
                attachment=_calendar_attachment([booking], now) if with_calendar else None,
                booking=booking, booker=booking.booker, link=booking_link(booking), **context)
