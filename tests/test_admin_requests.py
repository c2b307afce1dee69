"""The request queue, decisions, booking for a caller, moving and cancelling: emails and audit events."""

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from spacebank.accounts.models import User
from spacebank.audit import AuditEvent
from spacebank.bookings.models import Booking, BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, to_local
from tests.admin_fixtures import council, emails_to, error_summary, person, post_form, signed_in  # noqa: F401
from tests.conftest import future_day, page, selects_during, text_of

STAFF_FORM = "/admin/book-for-caller/"


@pytest.fixture
def housing(app, council):
    return signed_in(app, council.people["housing"])


def decide(client, bookings, decision, reason="", **extra):
    return post_form(client, "/admin/requests/", {"bookings": [str(b.id) for b in bookings], "decision": decision,
                                                  "reason": reason, **extra})


@pytest.fixture
def second_request(make, council):
    """A later request by another resident, for a verified group."""
    booker = person("sam@example.com", "Sam Second")
    group = make.group(members=[booker], name="Hackney Chess Club")
    day = council.housing.request.starts_at.date() + timedelta(days=1)
    booking = make.booking(council.housing.space, local_datetime(day, time(10)), local_datetime(day, time(11)),
                           booker=booker, status=BookingStatus.REQUESTED, group=group, purpose="Chess tournament",
                           expires_at=local_datetime(day, time(10)))
    db.session.commit()
    return booking


def test_the_queue_lists_requests_oldest_first_with_group_and_history(app, council, housing, second_request):
    soup = page(housing.get("/admin/requests/"))
    rows = soup.select("table tbody tr")
    assert [text_of(row.select_one("th a")) for row in rows] == [council.housing.request.reference,
                                                                 second_request.reference]
    first, second = (text_of(row) for row in rows)
    assert "Rosa Resident" in first and "1 confirmed" in first, "the booker's other booking is their history"
    assert "Not for a group" in first
    assert "Hackney Chess Club Verified" in second and "No other bookings with us" in second


def test_the_dashboard_counts_the_requests_the_queue_lists(app, council, make, housing, second_request):
    day = council.housing.request.starts_at.date() + timedelta(days=2)
    make.booking(council.housing.space, local_datetime(day, time(10)), local_datetime(day, time(11)),
                 booker=second_request.booker, status=BookingStatus.REQUESTED, purpose="Lapsed",
                 expires_at=datetime.now(UTC) - timedelta(minutes=1))  # no longer holds its slot
    make.booking(council.library.space, local_datetime(day, time(10)), local_datetime(day, time(11)),
                 booker=second_request.booker, status=BookingStatus.REQUESTED, purpose="Another service's")
    db.session.commit()
    assert len(page(housing.get("/admin/requests/")).select("table tbody tr")) == 2
    card = next(p for p in page(housing.get("/admin/")).select("main p.govuk-body")
                if "waiting for a decision" in text_of(p))
    assert text_of(card.select_one("span")) == "2" and "requests waiting for a decision" in text_of(card)


def test_the_queue_needs_the_same_few_queries_however_many_requests(app, council, make, housing):
    def selects() -> int:
        responses = []
        count = selects_during(lambda: responses.append(housing.get("/admin/requests/")))
        assert responses[0].status_code == 200
        return count

    few = selects()
    day = council.housing.request.starts_at.date() + timedelta(days=3)
    for n in range(4):
        booker = person(f"asker{n}@example.com", f"Asker {n}")
        make.booking(council.housing.space, local_datetime(day, time(9 + 2 * n)), local_datetime(day, time(10 + 2 * n)),
                     booker=booker, status=BookingStatus.REQUESTED, group=make.group(members=[booker]),
                     purpose=f"Request {n}")
    db.session.commit()
    assert selects() == few

def test_approving_a_request_confirms_it_emails_the_booker_and_is_audited(app, council, housing):
    request = council.housing.request
    response = decide(housing, [request], "approve")
    assert response.status_code == 302
    banner = text_of(page(housing.get("/admin/requests/")).select_one(".govuk-notification-banner"))
    assert f"Approved {request.reference}. The booker has been emailed." in banner
    db.session.expire_all()
    booking = db.session.get(Booking, request.id)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.decided_by_id == council.people["housing"].id
    [email] = emails_to("resident@example.com")
    assert email.subject == f"Booking confirmed: {request.reference}"
    assert "Your booking request has been approved." in email.body
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "booking.approved"))
    assert (event.object_id, event.actor_id) == (request.id, council.people["housing"].id)
    assert event.before["status"] == "requested" and event.after["status"] == "confirmed"


def test_declining_needs_a_reason(app, council, housing):
    request = council.housing.request
    response = decide(housing, [request], "decline", reason="   ")
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the reason for declining"]
    assert page(response).title.string.startswith("Error: ")
    db.session.expire_all()
    assert db.session.get(Booking, request.id).status == BookingStatus.REQUESTED
    assert emails_to("resident@example.com") == []


def test_declining_several_requests_at_once_emails_each_booker_the_reason(app, council, housing, second_request):
    first = council.housing.request
    response = decide(housing, [first, second_request], "decline", reason="The hall is booked for a council event.")
    assert response.status_code == 302
    db.session.expire_all()
    for booking, address in ((first, "resident@example.com"), (second_request, "sam@example.com")):
        assert db.session.get(Booking, booking.id).status == BookingStatus.DECLINED
        [email] = emails_to(address)
        assert email.subject == f"Booking request declined: {booking.reference}"
        assert "Reason: The hall is booked for a council event." in email.body
    declined = db.session.scalars(sa.select(AuditEvent.object_id).where(AuditEvent.action == "booking.declined")).all()
    assert sorted(declined) == sorted([first.id, second_request.id])
    assert "There are no requests waiting for a decision." in text_of(page(housing.get("/admin/requests/")).select_one("main"))


@pytest.mark.parametrize("data,message", [
    ({"decision": "approve"}, "Select the requests to approve or decline"),
    ({"decision": "shred", "bookings": "REQ"}, "Choose whether to approve or decline the selected requests"),
    ({"decision": "approve", "bookings": "not-a-number"}, "Select the requests to approve or decline"),
])
def test_a_decision_with_nothing_sensible_chosen_is_explained(app, council, housing, data, message):
    data = dict(data)
    if data.get("bookings") == "REQ":
        data["bookings"] = str(council.housing.request.id)
    response = post_form(housing, "/admin/requests/", data)
    assert response.status_code == 200
    assert error_summary(response) == [message]


def test_a_request_is_approved_from_its_own_page(app, council, housing):
    request = council.housing.request
    details = page(housing.get(f"/admin/booking/details/?id={request.id}"))
    assert [text_of(b) for b in details.select("form button")] == ["Approve", "Decline"]
    response = decide(housing, [request], "approve", back_to="booking")
    assert response.headers["Location"] == f"/admin/booking/details/?id={request.id}"
    history = text_of(page(housing.get(response.headers["Location"])).select("table")[-1])
    assert f"{request.reference}: request approved" in history and "Hana Housing" in history


# ---------------------------------------------------------------- booking for a caller

def caller_form(space, day, **overrides):
    data = {"email": "Caller@Example.com", "name": "Carol Caller", "phone": "020 7946 0001", "category": "resident",
            "group_id": "", "space_id": str(space.id), "day": [str(day.day), str(day.month), str(day.year)],
            "start": "18:00", "end": "20:00", "purpose": "Birthday party", "attendees": "25", "needs": ""}
    data.update(overrides)
    return data


@pytest.fixture
def open_space(make, council):
    space = make.space(venue=council.housing.venue, name="Garden room")
    db.session.commit()
    return space


def test_booking_for_a_new_caller_makes_their_account_and_emails_them(app, council, housing, open_space):
    day = future_day(weekday=4)
    response = post_form(housing, STAFF_FORM, caller_form(open_space, day))
    assert response.status_code == 302
    caller = db.session.scalar(sa.select(User).where(User.email == "caller@example.com"))
    booking = db.session.scalar(sa.select(Booking).where(Booking.booker_id == caller.id))
    assert response.headers["Location"] == f"/admin/booking/details/?id={booking.id}"
    assert booking.booked_by_id == council.people["housing"].id and booking.status == BookingStatus.CONFIRMED
    assert to_local(booking.starts_at).time() == time(18) and booking.price_pence == 4000  # 2 hours at £20
    subjects = [e.subject for e in emails_to("caller@example.com")]
    assert subjects == ["Your Spacebank account", f"Booking confirmed: {booking.reference}"]
    account_email = emails_to("caller@example.com")[0]
    assert "Hana Housing at Hackney Council has booked a space for you" in account_email.body
    assert "/forgotten-password" in account_email.body


def test_booking_for_an_existing_resident_uses_their_account(app, council, housing, open_space):
    day = future_day(weekday=4)
    post_form(housing, STAFF_FORM, caller_form(open_space, day, email="resident@example.com", name=""))
    booking = db.session.scalar(sa.select(Booking).where(Booking.space_id == open_space.id))
    assert booking.booker_id == council.people["resident"].id
    assert [e.subject for e in emails_to("resident@example.com")] == [f"Booking confirmed: {booking.reference}"]


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "Enter the caller’s full name: they do not have an account yet"),
    ({"end": "17:00"}, "The end time must be after the start time"),
    ({"email": "carol"}, "Enter an email address in the correct format, like name@example.com"),
    ({"attendees": "0"}, "The number of people must be 1 or more"),
    ({"category": "community"}, "Select the community group the booking is for"),
    ({"start": "07:00", "end": "08:00"}, None),  # before opening: the booking rules say why
])
def test_booking_for_a_caller_with_a_problem_explains_it_and_saves_nothing(app, council, housing, open_space,
                                                                          overrides, message):
    response = post_form(housing, STAFF_FORM, caller_form(open_space, future_day(weekday=4), **overrides))
    assert response.status_code == 200
    summary = error_summary(response)
    assert summary, "an error summary"
    if message:
        assert message in summary
    assert db.session.scalar(sa.select(User).where(User.email == "caller@example.com")) is None
    assert db.session.scalar(sa.select(Booking).where(Booking.space_id == open_space.id)) is None


def test_a_caller_cannot_be_booked_into_another_services_space(app, council, housing):
    response = post_form(housing, STAFF_FORM, caller_form(council.library.space, future_day(weekday=4)))
    assert "Select the space" in error_summary(response)


# ---------------------------------------------------------------- moving and cancelling

def test_moving_a_booking_emails_the_new_details_and_is_audited(app, council, housing):
    booking = council.housing.booking
    day = to_local(booking.starts_at).date() + timedelta(days=1)
    url = f"/admin/booking/{booking.id}/move/"
    form = page(housing.get(url))
    assert form.select_one("#start")["value"] == "10:00"
    response = post_form(housing, url, {"space_id": str(booking.space_id), "day": [str(day.day), str(day.month), str(day.year)],
                                        "start": "11:00", "end": "13:00"})
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Booking, booking.id)
    assert moved.starts_at == local_datetime(day, time(11)) and moved.ends_at == local_datetime(day, time(13))
    assert emails_to("resident@example.com")[-1].subject == f"Booking changed: {booking.reference}"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "booking.moved"))
    assert event.actor_id == council.people["housing"].id


def test_moving_onto_a_taken_time_is_refused_with_the_rules_message(app, council, housing):
    booking = council.housing.booking
    day = to_local(booking.starts_at).date()
    response = post_form(housing, f"/admin/booking/{booking.id}/move/", {
        "space_id": str(booking.space_id), "day": [str(day.day), str(day.month), str(day.year)],
        "start": "14:00", "end": "15:00"})  # the fixtures' request holds 2pm to 4pm
    assert response.status_code == 200
    assert error_summary(response)
    db.session.expire_all()
    assert to_local(db.session.get(Booking, booking.id).starts_at).time() == time(10)


def test_moving_to_an_end_before_the_start_is_refused(app, council, housing):
    booking = council.housing.booking
    day = to_local(booking.starts_at).date() + timedelta(days=1)
    response = post_form(housing, f"/admin/booking/{booking.id}/move/", {
        "space_id": str(booking.space_id), "day": [str(day.day), str(day.month), str(day.year)],
        "start": "13:00", "end": "11:00"})
    assert response.status_code == 200
    assert error_summary(response) == ["The end time must be after the start time"]
    assert text_of(page(response).select_one("#end-error")) == "Error: The end time must be after the start time"
    db.session.expire_all()
    assert to_local(db.session.get(Booking, booking.id).starts_at) == to_local(booking.starts_at)

def test_cancelling_a_booking_needs_a_reason_and_emails_it(app, council, housing):
    booking = council.housing.booking
    url = f"/admin/booking/{booking.id}/cancel/"
    assert error_summary(post_form(housing, url, {"reason": ""})) == ["Enter the reason for cancelling the booking"]
    response = post_form(housing, url, {"reason": "The caretaker is ill."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED
    email = emails_to("resident@example.com")[-1]
    assert email.subject == f"Booking cancelled: {booking.reference}" and "Reason: The caretaker is ill." in email.body
    again = housing.get(url)
    assert "This booking cannot be cancelled because its status is: Cancelled" in text_of(page(again).select_one("main"))


def test_staff_find_a_booking_by_the_bookers_email_but_only_at_their_own_venues(app, council, housing):
    listing = text_of(page(housing.get("/admin/booking/?search=resident@example.com")).select_one("table"))
    assert council.housing.booking.reference in listing
    assert council.library.booking.reference not in listing


def test_booking_a_caller_into_a_space_that_needs_approval_confirms_it_at_once(app, council, housing):
    space = council.housing.space  # needs approval; the fixtures hold 10am to midday and 2pm to 4pm
    day = to_local(council.housing.booking.starts_at).date()
    response = post_form(housing, STAFF_FORM, caller_form(space, day, email="resident@example.com", name="",
                                                          start="18:00", end="19:00"))
    assert response.status_code == 302
    booking = db.session.scalar(sa.select(Booking).where(Booking.space_id == space.id, Booking.purpose == "Birthday party"))
    assert booking.status == BookingStatus.CONFIRMED and booking.decided_by_id == council.people["housing"].id
    assert [e.subject for e in emails_to("resident@example.com")] == [
        f"Booking request received: {booking.reference}", f"Booking confirmed: {booking.reference}"]
