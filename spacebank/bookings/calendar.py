"""Calendar files (iCalendar, RFC 5545) for bookings: one file per booking, an email
attachment, and each person's private feed.

Times are written in UTC ("Z"), so every calendar app places them right whatever its own
time zone and across the clock changes. The UID stays the same for the life of a booking,
and SEQUENCE grows when it changes, so a moved or cancelled booking updates the event
people already have instead of adding a second one.
"""

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from .models import Booking, BookingStatus

PRODUCT_ID = "-//Hackney Council//Spacebank//EN"

ICAL_STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.REQUESTED: "TENTATIVE",
}


def event_uid(booking: Booking) -> str:
    return f"{booking.reference}@spacebank"


def location(booking: Booking) -> str:
    venue = booking.space.venue
    return ", ".join([booking.space.name, venue.name, *venue.address_lines])


def booking_event(booking: Booking, now: datetime, link: str | None = None) -> Event:
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("dtstamp", now)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    # Whole seconds since the epoch only ever grow, which is all SEQUENCE needs.
    event.add("sequence", int((booking.updated_at or booking.created_at or now).timestamp()))
    event.add("summary", f"{booking.space.name}, {booking.space.venue.name}")
    event.add("location", location(booking))
    event.add("status", ICAL_STATUS.get(booking.status, "CANCELLED"))
    description = [f"Booking reference: {booking.reference}", f"Status: {booking.status.label}",
                   f"Purpose: {booking.purpose}"]
    if booking.space.venue.access_instructions:
        description.append(f"Getting in: {booking.space.venue.access_instructions}")
    if link:
        description.append(f"Details and changes: {link}")
        event.add("url", link)
    event.add("description", "\n".join(description))
    return event


def calendar_text(bookings: Iterable[Booking], now: datetime, *, name: str | None = None,
                  links: dict[int, str] | None = None) -> str:
    """An iCalendar file holding one event per booking."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for booking in bookings:
        calendar.add_component(booking_event(booking, now, (links or {}).get(booking.id)))
    return calendar.to_ical().decode()


def file_name(booking: Booking) -> str:
    return f"spacebank-{booking.reference}.ics"
