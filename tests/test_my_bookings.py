"""My bookings: the lists, a booking's page, cancelling, who may see what, and the state
transitions staff use (approve, decline, cancel, move)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from spacebank.audit import AuditEvent
from spacebank.bookings import operations
from spacebank.bookings.locks import SlotTaken
from spacebank.bookings.models import Booking, BookingLock, BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, utcnow
from spacebank.venues.models import HirerCategory

from .booking_fixtures import (
    bookable_space,
    hm,
    outbox,
    signed_in_booker,
    summary_value,
)
from .conftest import at, csrf_token, future_day, page, sign_in, text_of


def booking_at(make, space, day, start, end, **kw):
    return make.booking(space, local_datetime(day, hm(start)), local_datetime(day, hm(end)), **kw)


def fresh(booking) -> Booking:
    db.session.rollback()
    return db.session.get(Booking, booking.id)


def table_rows(response, table_id) -> list[list[str]]:
    return [[text_of(td) for td in tr.select("td")] for tr in page(response).select(f"#{table_id} tbody tr")]


# ---------------------------------------------------------------- the lists

def test_my_bookings_lists_upcoming_and_past_bookings_with_their_status(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    soon = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user)
    later = booking_at(make, space, future_day(3, weeks_ahead=3), "10:00", "12:00", booker=user,
                       status=BookingStatus.REQUESTED, expires_at=utcnow() + timedelta(days=5))
    cancelled = booking_at(make, space, future_day(4), "10:00", "12:00", booker=user, status=BookingStatus.CANCELLED)
    past = make.booking(space, at(2025, 6, 5, 18), at(2025, 6, 5, 20), booker=user, status=BookingStatus.CONFIRMED)
    booking_at(make, space, future_day(5), "10:00", "12:00")  # someone else's

    response = client.get("/my-bookings")
    assert text_of(page(response).select_one("h1")) == "My bookings"
    upcoming = table_rows(response, "upcoming")
    assert [row[2] for row in upcoming] == [f"View booking {b.reference}" for b in (soon, cancelled, later)]
    assert [row[3] for row in upcoming] == ["Confirmed", "Cancelled", "Waiting for approval"]
    assert table_rows(response, "past") == [[
        "Thursday 5 June 2025, 6pm to 8pm", f"Main hall, {space.venue.name}", f"View booking {past.reference}",
        "Confirmed"]]


def test_my_bookings_says_when_there_is_nothing_booked(client, make):
    signed_in_booker(client, make)
    response = client.get("/my-bookings")
    assert text_of(page(response).select_one("#no-upcoming")).startswith("You have no upcoming bookings.")


def test_my_bookings_needs_sign_in(client):
    response = client.get("/my-bookings")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_group_members_see_bookings_made_for_their_group(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    leader = make.user()
    group = make.group(members=[leader, user])
    db.session.commit()
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=leader, group=group,
                         hirer_category=HirerCategory.COMMUNITY)
    assert [row[2] for row in table_rows(client.get("/my-bookings"), "upcoming")] == [
        f"View booking {booking.reference}"]
    detail = client.get(f"/my-bookings/{booking.reference}")
    assert detail.status_code == 200
    assert summary_value(detail, "Booked as") == group.name
    # A member who is not the group's admin can see it but not cancel it.
    assert page(detail).find("a", string="Cancel this booking") is None
    assert client.get(f"/my-bookings/{booking.reference}/cancel").status_code == 403


# ---------------------------------------------------------------- nobody else may see or act

def test_another_user_cannot_see_cancel_or_download_a_booking(client, make, app):
    space = bookable_space(make)
    owner = make.user()
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=owner)
    signed_in_booker(client, make)
    token = csrf_token(client, "/my-bookings/calendar-feed")

    for url in (f"/my-bookings/{booking.reference}", f"/my-bookings/{booking.reference}/cancel",
                f"/my-bookings/{booking.reference}/calendar.ics", f"/my-bookings/{booking.reference}/confirmation"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/my-bookings/{booking.reference}/cancel", data={"csrf_token": token}).status_code == 404
    assert fresh(booking).status == BookingStatus.CONFIRMED
    # Guessed references and ids, well formed or not, are simply not found.
    for guess in ("SB-AAAA-AAAA", str(booking.id), "sb-" + booking.reference[3:].lower(), "x" * 500, "%FF"):
        assert client.get(f"/my-bookings/{guess}").status_code == 404, guess
    assert client.get("/my-bookings/series/999/cancel").status_code == 404
    assert client.get("/my-bookings/series/abc/cancel").status_code == 404
    assert client.get("/my-bookings/series/99999999999999999999/confirmation").status_code == 404

    # The owner, on their own client, still can.
    owner_client = app.test_client()
    sign_in(owner_client, owner.email)
    assert owner_client.get(f"/my-bookings/{booking.reference}").status_code == 200


# ---------------------------------------------------------------- a booking's page and cancelling

def test_the_booking_page_shows_the_details_and_the_cancellation_deadline(client, make):
    space = bookable_space(make, cancellation_notice_hours=48)
    user = signed_in_booker(client, make)
    day = future_day(3)
    booking = booking_at(make, space, day, "18:00", "20:00", booker=user, price_pence=4000, deposit_pence=5000)
    response = client.get(f"/my-bookings/{booking.reference}")
    soup = page(response)
    assert text_of(soup.select_one("h1")) == f"Main hall, {space.venue.name}"
    assert summary_value(response, "Status") == "Confirmed"
    assert summary_value(response, "Price") == "£40, plus a refundable deposit of £50"
    assert "You can cancel online until" in text_of(soup.select_one("main"))
    assert soup.find("a", string="Cancel this booking")["href"] == f"/my-bookings/{booking.reference}/cancel"


def test_cancelling_in_good_time_frees_the_slot_and_sends_an_email(client, make):
    space = bookable_space(make, cancellation_notice_hours=48)
    user = signed_in_booker(client, make)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user)
    url = f"/my-bookings/{booking.reference}/cancel"
    confirm_page = page(client.get(url))
    assert text_of(confirm_page.select_one("h1")) == "Are you sure you want to cancel this booking?"
    assert "You can cancel online up to 48 hours before a booking starts." in text_of(confirm_page.select_one("main"))

    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Teacher is ill"})
    assert response.headers["Location"] == f"/my-bookings/{booking.reference}"
    booking = fresh(booking)
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancellation_reason == "Teacher is ill"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookingLock)) == 0
    [email] = outbox()
    assert email.subject == f"Booking cancelled: {booking.reference}" and "Teacher is ill" in email.body
    assert "STATUS:CANCELLED" in email.attachment
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "booking.cancelled")).one()
    assert (audit.object_id, audit.actor_id, audit.after["status"]) == (booking.id, user.id, "cancelled")
    detail = client.get(response.headers["Location"])
    assert text_of(page(detail).select_one(".govuk-notification-banner")).endswith(
        f"Booking {booking.reference} has been cancelled.")
    assert summary_value(detail, "Status") == "Cancelled"


def test_cancelling_inside_the_notice_period_is_explained_and_refused(client, make):
    space = bookable_space(make, cancellation_notice_hours=24 * 30)
    user = signed_in_booker(client, make)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user)
    url = f"/my-bookings/{booking.reference}/cancel"
    response = client.get(url)
    assert text_of(page(response).select_one("h1")) == "You cannot cancel this booking online"
    assert text_of(page(response).select_one("#cancel-problem")).startswith(
        "You can cancel online up to 720 hours before the booking starts, so the last time to cancel this booking was ")
    assert page(response).select_one("form") is None or page(response).select_one("form textarea") is None
    response = client.post(url, data={"csrf_token": csrf_token(client, "/my-bookings/calendar-feed")})
    assert response.status_code == 200
    assert fresh(booking).status == BookingStatus.CONFIRMED


def test_a_request_can_be_withdrawn_inside_the_notice_period(client, make):
    space = bookable_space(make, cancellation_notice_hours=24 * 30, requires_approval=True)
    user = signed_in_booker(client, make)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user, status=BookingStatus.REQUESTED,
                         expires_at=utcnow() + timedelta(days=5))
    url = f"/my-bookings/{booking.reference}/cancel"
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert fresh(booking).status == BookingStatus.CANCELLED


def test_a_cancelled_booking_cannot_be_cancelled_again(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user, status=BookingStatus.CANCELLED)
    response = client.get(f"/my-bookings/{booking.reference}/cancel")
    assert "This booking cannot be cancelled because its status is: Cancelled" in text_of(page(response).select_one("main"))


def test_the_cancel_reason_has_a_length_limit(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", booker=user)
    url = f"/my-bookings/{booking.reference}/cancel"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "x" * 501})
    assert text_of(page(response).select_one("#reason-error")) == "Error: The reason must be 500 characters or fewer"
    assert fresh(booking).status == BookingStatus.CONFIRMED


# ---------------------------------------------------------------- staff transitions

@pytest.fixture
def staff(make):
    from spacebank.accounts.models import Role

    return make.user(role=Role.ADMINISTRATOR)


def test_staff_can_cancel_inside_the_notice_period(app, make, staff):
    space = bookable_space(make, cancellation_notice_hours=24 * 30)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00")
    with pytest.raises(operations.NotAllowed):
        operations.cancel_booking(booking, booking.booker, None, utcnow())
    operations.cancel_booking(booking, staff, "Boiler broken", utcnow(), by_staff=True)
    db.session.commit()
    booking = fresh(booking)
    assert booking.status == BookingStatus.CANCELLED and booking.locks == []
    assert "The council has cancelled your booking." in outbox()[0].body


def test_approving_a_request_confirms_it_and_sends_the_calendar_file(app, make, staff):
    space = bookable_space(make, requires_approval=True)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", status=BookingStatus.REQUESTED,
                         expires_at=utcnow() + timedelta(days=5))
    operations.approve_request(booking, staff, utcnow())
    db.session.commit()
    booking = fresh(booking)
    assert (booking.status, booking.decided_by_id, booking.expires_at) == (BookingStatus.CONFIRMED, staff.id, None)
    assert len(booking.locks) == 1
    [email] = outbox()
    assert email.subject == f"Booking confirmed: {booking.reference}"
    assert "STATUS:CONFIRMED" in email.attachment
    with pytest.raises(operations.NotAllowed, match="not waiting for approval"):
        operations.approve_request(booking, staff, utcnow())


def test_an_expired_request_cannot_be_approved(app, make, staff):
    space = bookable_space(make, requires_approval=True)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", status=BookingStatus.REQUESTED,
                         expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(operations.NotAllowed, match="This request expired on"):
        operations.approve_request(booking, staff, utcnow())


def test_declining_needs_a_reason_and_frees_the_slot(app, make, staff):
    space = bookable_space(make, requires_approval=True)
    booking = booking_at(make, space, future_day(3), "18:00", "20:00", status=BookingStatus.REQUESTED,
                         expires_at=utcnow() + timedelta(days=5))
    with pytest.raises(operations.NotAllowed, match="Enter the reason for declining the request"):
        operations.decline_request(booking, staff, "  ", utcnow())
    operations.decline_request(booking, staff, "The hall is needed for a polling station", utcnow())
    db.session.commit()
    booking = fresh(booking)
    assert (booking.status, booking.decision_reason) == (BookingStatus.DECLINED, "The hall is needed for a polling station")
    assert booking.locks == []
    [email] = outbox()
    assert email.subject == f"Booking request declined: {booking.reference}"
    assert "Reason: The hall is needed for a polling station" in email.body


def test_moving_a_booking_checks_the_rules_and_re_prices_it(app, make, staff):
    space = bookable_space(make, turnaround_minutes=0)
    bigger = make.space(space.venue, name="Big hall", turnaround_minutes=0, tariffs={HirerCategory.RESIDENT: 5000})
    db.session.commit()
    day = future_day(3)
    booking = booking_at(make, space, day, "18:00", "20:00", price_pence=4000)
    booking_at(make, space, day, "10:00", "12:00")  # in the way

    with pytest.raises(operations.BookingRefused, match="Main hall is already booked at this time"):
        operations.move_booking(booking, staff, space, local_datetime(day, hm("11:00")), local_datetime(day, hm("13:00")),
                                utcnow(), by_staff=True)
    booking = fresh(booking)
    assert booking.starts_at == local_datetime(day, hm("18:00"))

    operations.move_booking(booking, staff, bigger, local_datetime(day, hm("12:00")), local_datetime(day, hm("15:00")),
                            utcnow(), by_staff=True)
    booking = fresh(booking)
    assert (booking.space_id, booking.price_pence) == (bigger.id, 15000)
    assert [(lock.space_id, lock.starts_at) for lock in booking.locks] == [(bigger.id, local_datetime(day, hm("12:00")))]
    assert outbox()[-1].subject == f"Booking changed: {booking.reference}"
    # The old time is free again.
    assert booking_at(make, space, day, "18:00", "20:00").id


def test_a_move_the_database_refuses_changes_nothing(app, make, staff, monkeypatch):
    from spacebank.bookings import queries

    space = bookable_space(make, turnaround_minutes=0)
    day = future_day(3)
    booking = booking_at(make, space, day, "18:00", "20:00")
    read_calendar = queries.load_calendar

    def rival_books_after_the_calendar_is_read(*args, **kwargs):
        calendar = read_calendar(*args, **kwargs)
        booking_at(make, space, day, "10:00", "12:00")
        return calendar

    monkeypatch.setattr(queries, "load_calendar", rival_books_after_the_calendar_is_read)
    with pytest.raises(SlotTaken):
        operations.move_booking(booking, staff, space, local_datetime(day, hm("11:00")),
                                local_datetime(day, hm("13:00")), utcnow(), by_staff=True)
    booking = fresh(booking)
    assert booking.starts_at == local_datetime(day, hm("18:00"))
    assert [lock.starts_at for lock in booking.locks] == [local_datetime(day, hm("18:00"))]


def test_staff_can_book_on_a_callers_behalf_at_short_notice(app, make, staff):
    space = bookable_space(make, min_notice_hours=72)
    caller = make.user()
    db.session.commit()
    details = operations.BookingDetails(category=HirerCategory.RESIDENT, purpose="Wake", attendees=30,
                                        accepted_conditions=False)
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    start = local_datetime(start.date(), hm("18:00"))
    with pytest.raises(operations.BookingRefused, match="at least 72 hours ahead"):
        operations.create_booking(space, caller, start, start + timedelta(hours=2), details, utcnow())
    booking = operations.create_booking(space, caller, start, start + timedelta(hours=2), details, utcnow(),
                                        booked_by=staff, by_staff=True)
    booking = fresh(booking)
    assert (booking.booker_id, booking.booked_by_id, booking.accepted_conditions_at) == (caller.id, staff.id, None)
    assert outbox()[-1].to == caller.email
