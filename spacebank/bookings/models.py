"""Bookings, repeating series, and the locks that make double booking impossible."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import DDL, event
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from ..venues.models import HirerCategory


def _enum(cls, length=20):
    return sa.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"  # waiting for staff; holds the slot until decided or expired
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a request nobody decided in time

    @property
    def label(self) -> str:
        return {
            "requested": "Waiting for approval",
            "confirmed": "Confirmed",
            "declined": "Declined",
            "cancelled": "Cancelled",
            "expired": "Request expired",
        }[self.value]

    @property
    def holds_slot(self) -> bool:
        return self in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset({BookingStatus.REQUESTED, BookingStatus.CONFIRMED})


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"

    @property
    def days(self) -> int:
        return 7 if self is Frequency.WEEKLY else 14


class BookingSeries(db.Model):
    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id"), index=True)
    booker_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space = relationship("Space")
    booker = relationship("User")
    bookings: Mapped[list["Booking"]] = relationship(back_populates="series", order_by="Booking.starts_at")


class Booking(db.Model):
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("price_pence >= 0 AND deposit_pence >= 0", name="non_negative_money"),
        sa.CheckConstraint("attendees > 0", name="attendees_positive"),
        sa.Index("ix_booking_space_period", "space_id", "starts_at", "ends_at"),
        sa.Index("ix_booking_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)  # shown to residents
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id"))
    booker_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking_series.id"), index=True)
    # Staff member who made the booking on a caller's behalf, if any.
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus))
    hirer_category: Mapped[HirerCategory] = mapped_column(_enum(HirerCategory))
    purpose: Mapped[str] = mapped_column(sa.String(500))
    attendees: Mapped[int]
    needs: Mapped[str] = mapped_column(sa.Text, default="")  # accessibility or set-up needs
    price_pence: Mapped[int]
    deposit_pence: Mapped[int] = mapped_column(default=0)
    accepted_conditions_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for requests
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    space = relationship("Space")
    booker = relationship("User", foreign_keys=[booker_id])
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    group = relationship("Group")
    series: Mapped[BookingSeries | None] = relationship(back_populates="bookings")
    locks: Mapped[list["BookingLock"]] = relationship(back_populates="booking", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __str__(self) -> str:
        return self.reference


class BookingLock(db.Model):
    """A claim by an active booking on one smallest part of a space for a period.

    The period runs from the booking's start to its end plus the space's turnaround
    buffer. Locks exist only while the booking is active (requested or confirmed);
    cancelling, declining or expiring a booking deletes them. The database refuses
    two overlapping locks on the same part:
      - PostgreSQL: an exclusion constraint over (space_id, tstzrange) with btree_gist;
      - SQLite: triggers that abort an insert or update that would overlap. SQLite
        allows one writer at a time, so the check and the write cannot interleave.
    """

    __tablename__ = "booking_lock"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.Index("ix_booking_lock_space_period", "space_id", "starts_at", "ends_at"),
        ExcludeConstraint(
            (sa.column("space_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="booking_lock_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship(back_populates="locks")


# The SQLite half of the guarantee. The same SQL is in the first migration.
SQLITE_LOCK_TRIGGERS = [
    f"""
    CREATE TRIGGER booking_lock_no_overlap_{when}
    BEFORE {when.upper()} ON booking_lock
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM booking_lock AS other
        WHERE other.space_id = NEW.space_id
          AND other.id IS NOT NEW.id
          AND other.starts_at < NEW.ends_at
          AND NEW.starts_at < other.ends_at
    )
    BEGIN
        SELECT RAISE(ABORT, 'booking_lock_no_overlap');
    END
    """
    for when in ("insert", "update")
]

for _sql in SQLITE_LOCK_TRIGGERS:
    event.listen(BookingLock.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
