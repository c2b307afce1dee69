"""Venues and the spaces people book in them, with opening hours, closures and tariffs."""

import enum
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class VenueKind(enum.StrEnum):
    COMMUNITY_HALL = "community_hall"
    LIBRARY = "library"
    COMMUNITY_CENTRE = "community_centre"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "community_hall": "Community hall",
            "library": "Library",
            "community_centre": "Community centre",
            "other": "Other",
        }[self.value]


class HirerCategory(enum.StrEnum):
    """Who is paying, which decides the rate."""

    COMMUNITY = "community"  # a community group verified by the council
    RESIDENT = "resident"  # a person booking for themselves
    COMMERCIAL = "commercial"  # private or commercial hire

    @property
    def label(self) -> str:
        return {
            "community": "Verified community group",
            "resident": "Resident",
            "commercial": "Private or commercial hire",
        }[self.value]


class Service(db.Model):
    """A council service that owns venues, e.g. "Housing – Community Halls"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    # The council's fair-use limit on free hours per verified group per month.
    free_hours_per_group_month: Mapped[int] = mapped_column(default=20)

    venues: Mapped[list["Venue"]] = relationship(back_populates="service")

    def __str__(self) -> str:
        return self.name


class Venue(db.Model):
    __table_args__ = (
        sa.Index("ix_venue_location", "is_published", "latitude", "longitude"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    kind: Mapped[VenueKind] = mapped_column(sa.Enum(VenueKind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e]))
    address_line_1: Mapped[str] = mapped_column(sa.String(120))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(120))
    town: Mapped[str] = mapped_column(sa.String(60), default="London")
    postcode: Mapped[str] = mapped_column(sa.String(10))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    getting_there: Mapped[str] = mapped_column(sa.Text, default="")
    access_instructions: Mapped[str] = mapped_column(sa.Text, default="")  # keys, entry codes, who to call
    accessibility_notes: Mapped[str] = mapped_column(sa.Text, default="")
    step_free_access: Mapped[bool] = mapped_column(default=False)
    accessible_toilet: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    baby_change: Mapped[bool] = mapped_column(default=False)
    parking: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    service: Mapped[Service] = relationship(back_populates="venues")
    spaces: Mapped[list["Space"]] = relationship(back_populates="venue", order_by="Space.id", cascade="all, delete-orphan")
    photos: Mapped[list["VenuePhoto"]] = relationship(back_populates="venue", order_by="VenuePhoto.position", cascade="all, delete-orphan")
    closures: Mapped[list["Closure"]] = relationship(back_populates="venue", cascade="all, delete-orphan")

    ACCESSIBILITY_FEATURES = {
        "step_free_access": "Step-free access",
        "accessible_toilet": "Accessible toilet",
        "hearing_loop": "Hearing loop",
        "baby_change": "Baby changing",
        "parking": "Parking",
    }

    @property
    def accessibility_features(self) -> list[str]:
        return [label for attr, label in self.ACCESSIBILITY_FEATURES.items() if getattr(self, attr)]

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line_1, self.address_line_2, self.town, self.postcode) if line]

    def __str__(self) -> str:
        return self.name


class VenuePhoto(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))  # stored under instance/uploads
    alt_text: Mapped[str] = mapped_column(sa.String(250))
    position: Mapped[int] = mapped_column(default=0)

    venue: Mapped[Venue] = relationship(back_populates="photos")


class Space(db.Model):
    """A bookable room. A space with parts (a hall that splits in two) is booked as
    the sum of its parts: booking the whole blocks each half, and a half blocks the
    whole, because bookings claim the smallest parts (see bookings.models.BookingLock)."""

    __table_args__ = (
        sa.UniqueConstraint("venue_id", "slug", name="uq_space_venue_slug"),
        sa.CheckConstraint("capacity_seated >= 0 AND capacity_standing >= 0", name="capacity_non_negative"),
        sa.CheckConstraint("min_booking_minutes > 0 AND max_booking_minutes >= min_booking_minutes", name="booking_length"),
        sa.CheckConstraint("turnaround_minutes >= 0", name="turnaround_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capacity_seated: Mapped[int] = mapped_column(default=0)
    capacity_standing: Mapped[int] = mapped_column(default=0)
    has_kitchen: Mapped[bool] = mapped_column(default=False)
    has_tables_chairs: Mapped[bool] = mapped_column(default=True)
    has_projector: Mapped[bool] = mapped_column(default=False)
    has_wifi: Mapped[bool] = mapped_column(default=False)
    has_sink: Mapped[bool] = mapped_column(default=False)
    has_stage: Mapped[bool] = mapped_column(default=False)
    accessibility_notes: Mapped[str] = mapped_column(sa.Text, default="")
    rules: Mapped[str] = mapped_column(sa.Text, default="")
    min_booking_minutes: Mapped[int] = mapped_column(default=60)
    max_booking_minutes: Mapped[int] = mapped_column(default=480)
    turnaround_minutes: Mapped[int] = mapped_column(default=30)
    min_notice_hours: Mapped[int] = mapped_column(default=24)
    booking_horizon_days: Mapped[int] = mapped_column(default=180)
    cancellation_notice_hours: Mapped[int] = mapped_column(default=48)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    is_bookable: Mapped[bool] = mapped_column(default=True)

    venue: Mapped[Venue] = relationship(back_populates="spaces")
    parent: Mapped["Space | None"] = relationship(remote_side="Space.id", back_populates="parts")
    parts: Mapped[list["Space"]] = relationship(back_populates="parent", order_by="Space.id")
    opening_hours: Mapped[list["OpeningHours"]] = relationship(
        back_populates="space", order_by="(OpeningHours.weekday, OpeningHours.opens_at)", cascade="all, delete-orphan"
    )
    tariffs: Mapped[list["Tariff"]] = relationship(back_populates="space", cascade="all, delete-orphan")
    closures: Mapped[list["Closure"]] = relationship(back_populates="space", cascade="all, delete-orphan")

    FACILITIES = {
        "has_kitchen": "Kitchen",
        "has_tables_chairs": "Tables and chairs",
        "has_projector": "Projector",
        "has_wifi": "Wi-Fi",
        "has_sink": "Sink",
        "has_stage": "Stage",
    }

    @property
    def capacity(self) -> int:
        return max(self.capacity_seated, self.capacity_standing)

    @property
    def facilities(self) -> list[str]:
        return [label for attr, label in self.FACILITIES.items() if getattr(self, attr)]

    def unit_ids(self) -> list[int]:
        """Ids of the smallest parts this space occupies (itself when it has none)."""
        return sorted(self._units(frozenset()))

    def _units(self, seen: frozenset[int]) -> set[int]:
        # `seen` stops a loop in bad data (a part made its own parent) recursing forever.
        parts = [part for part in self.parts if part.id not in seen]
        if not parts:
            return {self.id}
        return {uid for part in parts for uid in part._units(seen | {self.id})}

    def tariff_for(self, category: "HirerCategory") -> "Tariff | None":
        return next((t for t in self.tariffs if t.category == category), None)

    def __str__(self) -> str:
        return f"{self.name}, {self.venue.name}" if self.venue else self.name


class OpeningHours(db.Model):
    """One opening range on a weekday, in London wall-clock time. Several a day are allowed."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # Monday is 0, as in date.weekday()
    opens_at: Mapped[time]
    closes_at: Mapped[time]

    space: Mapped[Space] = relationship(back_populates="opening_hours")

    WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    @property
    def weekday_name(self) -> str:
        return self.WEEKDAYS[self.weekday]


class Closure(db.Model):
    """A venue, or one space, closed for a period (bank holiday, maintenance)."""

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("(venue_id IS NULL) <> (space_id IS NULL)", name="venue_or_space"),
        sa.Index("ix_closure_period", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int | None] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    venue: Mapped[Venue | None] = relationship(back_populates="closures")
    space: Mapped[Space | None] = relationship(back_populates="closures")


class Tariff(db.Model):
    """The hourly rate for one hirer category in one space, in integer pence."""

    __table_args__ = (
        sa.UniqueConstraint("space_id", "category", name="uq_tariff_space_category"),
        sa.CheckConstraint("pence_per_hour >= 0 AND deposit_pence >= 0", name="non_negative_money"),
        sa.CheckConstraint("billing_unit_minutes IN (30, 60)", name="billing_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"), index=True)
    category: Mapped[HirerCategory] = mapped_column(sa.Enum(HirerCategory, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    pence_per_hour: Mapped[int]
    # Charged per started half hour (30) or per started hour (60).
    billing_unit_minutes: Mapped[int] = mapped_column(default=60)
    # Only meaningful for the community category: verified groups pay nothing.
    free_for_verified_groups: Mapped[bool] = mapped_column(default=False)
    deposit_pence: Mapped[int] = mapped_column(default=0)

    space: Mapped[Space] = relationship(back_populates="tariffs")
