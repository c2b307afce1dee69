"""Saving bookings so that the database, not Python, has the last word on overlaps."""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from .models import Booking, BookingLock

# Read by the SQLite "begin" listener (see spacebank.database): when set, the next
# transaction starts with BEGIN IMMEDIATE, taking the write lock before it reads.
sqlite_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone


class SlotTaken(Exception):
    """Another active booking holds (part of) this time."""

    message = "Someone has just booked this time. Choose another time."


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"SB-{code[:4]}-{code[4:]}"


@contextmanager
def write_transaction():
    """A transaction that, on SQLite, holds the write lock from its first statement.

    Ends any open read transaction first, so the checks made inside see the latest data.
    """
    db.session.commit()
    token = sqlite_immediate.set(True)
    try:
        yield
    finally:
        sqlite_immediate.reset(token)


def is_overlap_error(error: Exception) -> bool:
    return "booking_lock_no_overlap" in str(getattr(error, "orig", error))


class ServiceBusy(SlotTaken):
    """SQLite only: another writer held the database for longer than the busy timeout."""

    message = "Spacebank is very busy right now. Wait a moment and try again."


def attach_locks(booking: Booking) -> Booking:
    """Give an active booking its locks (and a reference) and add it to the session."""
    space = booking.space
    end = booking.ends_at + timedelta(minutes=space.turnaround_minutes)
    booking.locks = [BookingLock(space_id=unit_id, starts_at=booking.starts_at, ends_at=end)
                     for unit_id in space.unit_ids()]
    if not booking.reference:
        booking.reference = new_reference()
    db.session.add(booking)
    return booking


def commit_or_raise_taken() -> None:
    """Commit; if the database refused an overlap, roll back and raise SlotTaken."""
    _write_or_raise_taken(db.session.commit)


def flush_or_raise_taken(taken: SlotTaken | None = None) -> None:
    """Flush (inside a larger transaction); on an overlap roll back and raise `taken`."""
    _write_or_raise_taken(db.session.flush, taken)


def _write_or_raise_taken(write, taken: SlotTaken | None = None) -> None:
    try:
        write()
    except IntegrityError as error:
        db.session.rollback()
        if is_overlap_error(error):
            raise (taken or SlotTaken()) from error
        raise
    except OperationalError as error:
        # SQLite: another writer held the database for longer than the busy timeout.
        db.session.rollback()
        if "locked" in str(error.orig):
            raise ServiceBusy from error
        raise


def save_active_booking(booking: Booking) -> Booking:
    """Insert (or re-time) one active booking with its locks, in its own write transaction.

    Anything already pending in the session is committed first. Raises SlotTaken, with
    nothing written, if the database finds an overlap.
    """
    with write_transaction():
        attach_locks(booking)
        commit_or_raise_taken()
    return booking


def release_locks(booking: Booking) -> None:
    """Free the booking's time (on cancel, decline or expiry). The caller commits."""
    booking.locks = []
    if booking.id is not None:
        db.session.execute(delete(BookingLock).where(BookingLock.booking_id == booking.id))
