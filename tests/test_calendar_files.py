"""Calendar files: a booking's .ics, the confirmation attachment, and the private feed."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from spacebank.accounts.models import User
from spacebank.bookings.models import BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, utcnow

from .booking_fixtures import (
    answer_all,
    bookable_space,
    confirm,
    hm,
    outbox,
    signed_in_booker,
)
from .conftest import at, csrf_token, future_day, page, text_of


def events(text: str) -> list:
    return Calendar.from_ical(text).walk("VEVENT")


def utc_text(event, name: str) -> str:
    return event[name].to_ical().decode()


def test_a_booking_downloads_as_a_calendar_file_with_utc_times_and_the_address(client, make):
    space = bookable_space(make, venue=make.venue(address_line_1="12 Navarino Road", postcode="E8 1XA"))
    user = signed_in_booker(client, make)
    booking = make.booking(space, at(2027, 3, 27, 18), at(2027, 3, 27, 20), booker=user, purpose="Choir")

    response = client.get(f"/my-bookings/{booking.reference}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="spacebank-{booking.reference}.ics"'
    [event] = events(response.get_data(as_text=True))
    assert str(event["UID"]) == f"{booking.reference}@spacebank"
    assert utc_text(event, "DTSTART") == "20270327T180000Z"  # GMT: London 18:00 is 18:00 UTC
    assert utc_text(event, "DTEND") == "20270327T200000Z"
    assert str(event["LOCATION"]) == f"Main hall, {space.venue.name}, 12 Navarino Road, London, E8 1XA"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert f"Booking reference: {booking.reference}" in str(event["DESCRIPTION"])


def test_times_after_the_spring_clock_change_are_an_hour_earlier_in_utc(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    booking = make.booking(space, at(2027, 3, 28, 18), at(2027, 3, 28, 20), booker=user)
    [event] = events(client.get(f"/my-bookings/{booking.reference}/calendar.ics").get_data(as_text=True))
    assert (utc_text(event, "DTSTART"), utc_text(event, "DTEND")) == ("20270328T170000Z", "20270328T190000Z")
    assert event.decoded("DTSTART") == datetime(2027, 3, 28, 17, tzinfo=UTC)


def test_a_booking_over_the_october_change_keeps_its_real_length(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    booking = make.booking(space, at(2027, 10, 31, 0, 30), at(2027, 10, 31, 3, 30), booker=user)
    [event] = events(client.get(f"/my-bookings/{booking.reference}/calendar.ics").get_data(as_text=True))
    assert (utc_text(event, "DTSTART"), utc_text(event, "DTEND")) == ("20271030T233000Z", "20271031T033000Z")
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=4)


def test_the_confirmation_email_carries_the_same_event(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    day = future_day(3)
    answer_all(client, space, day, "18:00", "20:00")
    confirm(client, space)
    [email] = outbox()
    [event] = events(email.attachment)
    assert event.decoded("DTSTART") == local_datetime(day, hm("18:00"))
    assert event.decoded("DTEND") == local_datetime(day, hm("20:00"))
    assert email.attachment_name.startswith("spacebank-SB-") and email.attachment_name.endswith(".ics")


def test_a_request_is_tentative_and_a_cancelled_booking_is_cancelled(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    requested = make.booking(space, at(2027, 3, 27, 10), at(2027, 3, 27, 12), booker=user,
                             status=BookingStatus.REQUESTED, expires_at=utcnow() + timedelta(days=5))
    cancelled = make.booking(space, at(2027, 3, 27, 14), at(2027, 3, 27, 16), booker=user,
                             status=BookingStatus.CANCELLED)
    for booking, status in ((requested, "TENTATIVE"), (cancelled, "CANCELLED")):
        [event] = events(client.get(f"/my-bookings/{booking.reference}/calendar.ics").get_data(as_text=True))
        assert str(event["STATUS"]) == status


# ---------------------------------------------------------------- the private feed

def feed_path(user: User) -> str:
    db.session.rollback()
    token = db.session.get(User, user.id).calendar_token
    return f"/calendar/{token}.ics"


def create_feed(client) -> None:
    url = "/my-bookings/calendar-feed"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "create": "y"})
    assert response.headers["Location"] == url


def test_a_private_feed_lists_the_users_active_bookings_without_signing_in(client, make, app):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    mine = make.booking(space, at(2027, 4, 1, 10), at(2027, 4, 1, 12), booker=user)
    requested = make.booking(space, at(2027, 4, 2, 10), at(2027, 4, 2, 12), booker=user,
                             status=BookingStatus.REQUESTED, expires_at=utcnow() + timedelta(days=5))
    make.booking(space, at(2027, 4, 3, 10), at(2027, 4, 3, 12), booker=user, status=BookingStatus.CANCELLED)
    make.booking(space, at(2027, 4, 4, 10), at(2027, 4, 4, 12))  # someone else's

    assert text_of(page(client.get("/my-bookings/calendar-feed")).select_one(".govuk-inset-text")) == (
        "You do not have a calendar address at the moment.")
    create_feed(client)
    path = feed_path(user)
    shown = text_of(page(client.get("/my-bookings/calendar-feed")).select_one("#feed-url"))
    assert shown == f"http://localhost{path}"

    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.get_data(as_text=True))
    assert str(calendar["X-WR-CALNAME"]) == "Spacebank bookings"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        f"{mine.reference}@spacebank", f"{requested.reference}@spacebank"]


def test_a_wrong_or_malformed_feed_token_is_not_found(client, make):
    signed_in_booker(client, make)
    create_feed(client)
    for token in ("x" * 43, "short", "a" * 65, "..%2F..%2Fetc", "%FF" * 30):
        assert client.get(f"/calendar/{token}.ics").status_code == 404, token


def test_a_new_feed_address_replaces_the_old_one_and_turning_it_off_removes_it(client, make):
    user = signed_in_booker(client, make)
    create_feed(client)
    old = feed_path(user)
    create_feed(client)
    banner = text_of(page(client.get("/my-bookings/calendar-feed")).select_one(".govuk-notification-banner"))
    assert banner.endswith("Your new calendar address is ready. The old one no longer works.")
    new = feed_path(user)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    url = "/my-bookings/calendar-feed"
    client.post(url, data={"csrf_token": csrf_token(client, url), "turn_off": "y"})
    assert client.get(new).status_code == 404
    db.session.rollback()
    assert db.session.get(User, user.id).calendar_token is None


def test_the_feed_settings_need_sign_in_and_a_token(client, make):
    assert client.get("/my-bookings/calendar-feed").status_code == 302
    signed_in_booker(client, make)
    response = client.post("/my-bookings/calendar-feed", data={"create": "y"})
    assert response.status_code == 400


def test_a_disabled_account_has_no_feed(client, make):
    user = signed_in_booker(client, make)
    create_feed(client)
    path = feed_path(user)
    db.session.get(User, user.id).is_disabled = True
    db.session.commit()
    assert client.get(path).status_code == 404
