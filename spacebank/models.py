"""Imports every model so that Alembic and create_all see the whole schema."""

from .accounts.models import Group, GroupInvitation, GroupMembership, Role, User  # noqa: F401
from .audit import AuditEvent  # noqa: F401
from .bookings.models import Booking, BookingLock, BookingSeries  # noqa: F401
from .notifications import OutboundEmail  # noqa: F401
from .venues.models import Closure, OpeningHours, Service, Space, Tariff, Venue, VenuePhoto  # noqa: F401
from .pagecache import DataVersion  # noqa: F401
