"""The booking flow through the test client: question pages, check your answers, confirmation."""

import threading
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from spacebank.bookings import operations
from spacebank.bookings.models import Booking, BookingLock, BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, utcnow
from spacebank.venues.models import HirerCategory

from .booking_fixtures import (
    answer_all,
    assert_well_formed,
    bookable_space,
    outbox,
    confirm,
    error_summary,
    field_error,
    hm,
    post_step,
    signed_in_booker,
    summary_value,
    when_data,
)
from .conftest import csrf_token, future_day, page, sign_in, text_of


def only_booking() -> Booking:
    db.session.rollback()  # see what the requests committed
    [booking] = db.session.scalars(sa.select(Booking)).all()
    return booking


# ---------------------------------------------------------------- getting in

def test_booking_asks_people_to_sign_in_first_and_comes_back(client, make):
    space = bookable_space(make)
    response = client.get(f"/book/{space.id}?date=2031-03-06&start=18:00&end=20:00")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert "%2Fbook%2F" in response.headers["Location"]


def test_booking_needs_a_confirmed_email_address(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make, email_confirmed_at=None)
    response = client.get(f"/book/{space.id}")
    assert response.status_code == 403
    assert text_of(page(response).select_one("h1")) == "Confirm your email address before you book"


def test_a_space_that_cannot_be_booked_online_is_not_found(client, make):
    hidden = bookable_space(make, is_bookable=False)
    signed_in_booker(client, make)
    assert client.get(f"/book/{hidden.id}").status_code == 404
    assert client.get("/book/999999").status_code == 404
    assert client.get("/book/not-a-number").status_code == 404
    assert client.get("/book/99999999999999999999").status_code == 404  # no id, and too big for the database


def test_the_when_page_is_filled_in_from_the_search_link(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    soup = page(client.get(f"/book/{space.id}?date=2031-03-06&start=18:00&end=20:00"))
    assert soup.select_one("#date-day")["value"] == "06"
    assert soup.select_one("#date-month")["value"] == "03"
    assert soup.select_one("#date-year")["value"] == "2031"
    assert soup.select_one("#start")["value"] == "18:00"
    assert soup.select_one("#end")["value"] == "20:00"


def test_nonsense_in_the_search_link_is_ignored_not_an_error(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    response = client.get(f"/book/{space.id}?date=tomorrow&start=6&end=%FF%FE" + "x" * 3000)
    assert response.status_code == 200
    assert page(response).select_one("#start").get("value") in (None, "")


def test_a_step_cannot_be_reached_before_the_questions_it_depends_on(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    for step in ("repeat", "who", "purpose", "needs", "check"):
        response = client.get(f"/book/{space.id}/{step}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/book/{space.id}"


def test_a_post_without_a_csrf_token_is_refused_with_a_page(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    response = client.post(f"/book/{space.id}", data=when_data(future_day(3), "18:00", "20:00"))
    assert response.status_code == 400
    assert "form expired" in text_of(page(response).select_one("main"))


# ---------------------------------------------------------------- the when page's own messages

def when_errors(client, space, data):
    response = post_step(client, f"/book/{space.id}", data)
    assert response.status_code == 200
    return response


def test_date_messages_follow_the_design_system(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    day = future_day(3)
    cases = [
        ({"date": ["30", "2", "2031"]}, "Date must be a real date"),
        ({"date": ["", "", ""]}, "Enter the date of the booking"),
        ({"date": ["6", "", "2031"]}, "Date must include a month"),
        ({"date": ["", "", "2031"]}, "Date must include a day and month"),
        ({"date": ["6", "3", "31"]}, "Year must include 4 numbers"),
        ({"date": ["six", "3", "2031"]}, "Date must be a real date"),
        ({}, "Enter the date of the booking"),  # the date keys left out altogether
        ({"date": ["6"]}, "Date must include a month and year"),
    ]
    for date_data, message in cases:
        data = {**when_data(day, "18:00", "20:00"), **date_data}
        if not date_data:
            del data["date"]
        response = when_errors(client, space, data)
        assert field_error(response, "date") == message, date_data
        assert message in error_summary(response)
        assert text_of(page(response).select_one("title")).startswith("Error: ")


def test_time_messages_say_what_is_wrong(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    day = future_day(3)
    cases = [
        (("", "20:00"), "start", "Enter a start time"),
        (("25:00", "20:00"), "start", "Start time must be a real time, like 18:00"),
        (("soon", "20:00"), "start", "Enter a start time like 18:00 or 6pm"),
        (("18:00", "13pm"), "end", "End time must be a real time, like 18:00"),
        (("18:00", "17:00"), "end", "End time must be after the start time"),
        (("18:00", "18:00"), "end", "End time must be after the start time"),
        (("18:10", "20:00"), "start", "Start time must be on the hour or 15, 30 or 45 minutes past"),
    ]
    for (start, end), field, message in cases:
        response = when_errors(client, space, when_data(day, start, end))
        assert field_error(response, field) == message, (start, end)


def test_people_can_write_times_as_they_say_them(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    response = post_step(client, f"/book/{space.id}", when_data(future_day(3), "6pm", "8.30pm"))
    assert response.status_code == 302
    with client.session_transaction() as session:
        answers = session[f"booking-{space.id}"]
    assert (answers["start"], answers["end"]) == ("18:00", "20:30")


def test_a_booking_can_run_until_a_late_space_closes_at_midnight(client, make):
    space = bookable_space(make, hours=((0, 7, hm("09:00"), hm("23:59")),))
    signed_in_booker(client, make)
    day = future_day(3)
    # The search links a slot ending at midnight with end=23:59, the opening hours' convention.
    prefilled = page(client.get(f"/book/{space.id}?date={day.isoformat()}&start=22:00&end=23:59"))
    assert prefilled.select_one("#end")["value"] == "23:59"
    for end in ("23:59", "midnight", "00:00"):
        check = answer_all(client, space, day, "22:00", end)
        assert summary_value(check, "Time") == "10pm to midnight", end
        assert summary_value(check, "Hire charge").startswith("£40 2 hours at £20 an hour")
    confirm(client, space)
    assert only_booking().ends_at == local_datetime(day + timedelta(days=1), hm("00:00"))


# ---------------------------------------------------------------- the whole way through

def test_a_resident_books_a_hall_and_gets_a_reference_a_stored_price_and_an_email(client, make):
    space = bookable_space(make, tariffs={HirerCategory.RESIDENT: {"pence_per_hour": 2000, "deposit_pence": 5000}})
    user = signed_in_booker(client, make)
    day = future_day(3)

    check = answer_all(client, space, day, "18:00", "20:00", needs="Step-free access please")
    assert text_of(page(check).select_one("h1")) == "Check your answers before booking"
    assert summary_value(check, "Hire charge").startswith("£40 2 hours at £20 an hour")
    assert summary_value(check, "Refundable deposit").startswith("£50")
    assert summary_value(check, "Total to pay") == "£90"
    assert summary_value(check, "Accessibility or set-up needs") == "Step-free access please"

    response = confirm(client, space)
    booking = only_booking()
    assert response.headers["Location"] == f"/my-bookings/{booking.reference}/confirmation"
    soup = page(client.get(response.headers["Location"]))
    assert text_of(soup.select_one(".govuk-panel__title")) == "Booking confirmed"
    assert text_of(soup.select_one("#reference")) == booking.reference

    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.price_pence, booking.deposit_pence) == (4000, 5000)
    assert booking.hirer_category == HirerCategory.RESIDENT
    assert booking.booker_id == user.id and booking.group_id is None
    assert booking.starts_at == local_datetime(day, hm("18:00"))
    assert booking.needs == "Step-free access please"
    assert booking.accepted_conditions_at is not None
    assert len(booking.locks) == 1
    assert booking.locks[0].ends_at == booking.ends_at + timedelta(minutes=30)  # turnaround

    [email] = outbox()
    assert email.to == user.email
    assert email.subject == f"Booking confirmed: {booking.reference}"
    assert f"Reference: {booking.reference}\n" in email.body
    assert (f"Price: £40 (plus a refundable deposit of £50)\n"
            f"See or cancel it: http://127.0.0.1:5000/my-bookings/{booking.reference}\n") in email.body
    assert email.attachment_type == "text/calendar"
    [event] = Calendar.from_ical(email.attachment).walk("VEVENT")
    assert str(event["UID"]) == f"{booking.reference}@spacebank"
    # The answers are gone: a new booking starts afresh.
    with client.session_transaction() as session:
        assert f"booking-{space.id}" not in session


def test_a_verified_group_books_free_at_the_community_rate(client, make):
    space = bookable_space(make, tariffs={
        HirerCategory.COMMUNITY: {"pence_per_hour": 1000, "free_for_verified_groups": True},
        HirerCategory.RESIDENT: 2000})
    user = signed_in_booker(client, make)
    group = make.group(members=[user], name="Clapton Tenants")
    db.session.commit()
    day = future_day(3)

    check = answer_all(client, space, day, who=f"group:{group.id}")
    assert summary_value(check, "Booking as") == "Clapton Tenants (verified community group)"
    assert summary_value(check, "Hire charge").startswith("Free")
    confirm(client, space)

    booking = only_booking()
    assert booking.price_pence == 0
    assert booking.hirer_category == HirerCategory.COMMUNITY
    assert booking.group_id == group.id


def test_only_the_users_own_verified_groups_are_offered(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    mine = make.group(members=[user], name="Verified Friends")
    make.group(members=[user], verified=False, name="Unverified Club")
    theirs = make.group(members=[make.user()], name="Someone Else's Group")
    db.session.commit()
    post_step(client, f"/book/{space.id}", when_data(future_day(3), "18:00", "20:00"))
    post_step(client, f"/book/{space.id}/repeat", {"repeat": "no"})

    labels = [text_of(label) for label in page(client.get(f"/book/{space.id}/who")).select(".govuk-radios__label")]
    assert labels == ["Myself, as a resident", "Verified Friends", "A business, or a private hire"]

    for forged in (f"group:{theirs.id}", "group:abc", "landlord", ""):
        response = post_step(client, f"/book/{space.id}/who", {"who": forged})
        assert field_error(response, "who") == "Select who is booking", forged
    assert post_step(client, f"/book/{space.id}/who", {"who": f"group:{mine.id}"}).status_code == 302


def test_a_private_hire_pays_the_commercial_rate(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    answer_all(client, space, future_day(3), "10:00", "13:00", who="commercial")
    confirm(client, space)
    booking = only_booking()
    assert (booking.hirer_category, booking.price_pence) == (HirerCategory.COMMERCIAL, 9000)


def test_the_hire_conditions_must_be_accepted(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    answer_all(client, space, future_day(3))
    response = confirm(client, space, accept=False)
    assert response.status_code == 200
    assert field_error(response, "accept") == "Confirm that you accept the hire conditions"
    assert error_summary(response) == ["Confirm that you accept the hire conditions"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_a_change_link_comes_back_to_check_your_answers(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    answer_all(client, space, future_day(3))
    change = page(client.get(f"/book/{space.id}/check")).select_one(f"a[href='/book/{space.id}/purpose?change=yes']")
    assert text_of(change) == "Change what the booking is for"
    response = post_step(client, change["href"], {"purpose": "Choir rehearsal", "attendees": "12"})
    assert response.headers["Location"] == f"/book/{space.id}/check"
    check = client.get(response.headers["Location"])
    assert summary_value(check, "What it is for") == "Choir rehearsal"
    assert summary_value(check, "Expected attendees") == "12"


def test_changing_to_a_repeat_asks_for_the_dates_before_coming_back(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    answer_all(client, space, future_day(3))
    response = post_step(client, f"/book/{space.id}/repeat?change=yes", {"repeat": "weekly", "occurrences": "3"})
    assert response.headers["Location"] == f"/book/{space.id}/dates?change=yes"


def test_every_page_of_the_flow_is_well_formed(client, make):
    space = bookable_space(make, tariffs={HirerCategory.RESIDENT: {"pence_per_hour": 2000, "deposit_pence": 5000},
                                          HirerCategory.COMMUNITY: 1000})
    user = signed_in_booker(client, make)
    make.group(members=[user])
    db.session.commit()
    answer_all(client, space, future_day(3), repeat="weekly", occurrences="3")
    for step in ("", "/repeat", "/who", "/purpose", "/needs", "/dates", "/check"):
        assert_well_formed(client.get(f"/book/{space.id}{step}"))
    # And with errors showing.
    assert_well_formed(post_step(client, f"/book/{space.id}", {"date": ["30", "2", "2031"], "start": "x", "end": ""}))
    assert_well_formed(post_step(client, f"/book/{space.id}/dates", {}))
    response = confirm(client, space)
    assert_well_formed(client.get(response.headers["Location"]))
    booking = db.session.scalars(sa.select(Booking)).first()
    for url in ("/my-bookings", f"/my-bookings/{booking.reference}", f"/my-bookings/{booking.reference}/cancel",
                f"/my-bookings/series/{booking.series_id}/cancel", "/my-bookings/calendar-feed"):
        assert_well_formed(client.get(url))


# ---------------------------------------------------------------- instant or on request

def test_a_space_that_needs_approval_makes_a_request_that_holds_the_slot(client, make, app):
    space = bookable_space(make, requires_approval=True)
    user = signed_in_booker(client, make)
    check = answer_all(client, space, future_day(3))
    assert text_of(page(check).select_one("h1")) == "Check your answers before sending your request"
    before = utcnow()
    response = confirm(client, space)
    soup = page(client.get(response.headers["Location"]))
    assert text_of(soup.select_one(".govuk-panel__title")) == "Booking request sent"

    booking = only_booking()
    assert booking.status == BookingStatus.REQUESTED
    expected = before + timedelta(days=app.config["REQUEST_EXPIRY_DAYS"])
    assert expected <= booking.expires_at <= utcnow() + timedelta(days=app.config["REQUEST_EXPIRY_DAYS"])
    assert len(booking.locks) == 1  # the slot is held
    [email] = outbox()
    assert (email.to, email.subject) == (user.email, f"Booking request received: {booking.reference}")
    assert email.attachment is None


def test_an_instant_space_confirms_at_once(client, make):
    space = bookable_space(make, requires_approval=False)
    signed_in_booker(client, make)
    answer_all(client, space, future_day(3))
    confirm(client, space)
    assert only_booking().status == BookingStatus.CONFIRMED


def test_an_expired_request_frees_its_slot_for_the_next_person(client, make):
    space = bookable_space(make, requires_approval=True)
    day = future_day(3)
    start, end = local_datetime(day, hm("18:00")), local_datetime(day, hm("20:00"))
    old = make.booking(space, start, end, status=BookingStatus.REQUESTED,
                       expires_at=utcnow() - timedelta(minutes=1))
    signed_in_booker(client, make)

    check = answer_all(client, space, day, "18:00", "20:00")
    assert error_summary(check) == []
    confirm(client, space)

    db.session.rollback()
    old = db.session.get(Booking, old.id)
    assert old.status == BookingStatus.EXPIRED
    assert old.locks == []
    [new] = db.session.scalars(sa.select(Booking).where(Booking.id != old.id)).all()
    assert new.status == BookingStatus.REQUESTED and new.starts_at == start
    assert [e.subject for e in outbox()] == [f"Booking request expired: {old.reference}",
                                            f"Booking request received: {new.reference}"]


def test_a_request_overdue_by_the_time_of_check_your_answers_no_longer_blocks_it(client, make):
    space = bookable_space(make, requires_approval=True)
    day = future_day(3)
    signed_in_booker(client, make)
    assert error_summary(answer_all(client, space, day, "18:00", "20:00")) == []
    # Meanwhile someone's request for the same time was made and has run out undecided.
    old = make.booking(space, local_datetime(day, hm("18:00")), local_datetime(day, hm("20:00")),
                       status=BookingStatus.REQUESTED, expires_at=utcnow() - timedelta(minutes=1))
    db.session.commit()

    check = client.get(f"/book/{space.id}/check")
    assert error_summary(check) == []
    assert page(check).select_one("input[name=accept]") is not None
    db.session.rollback()
    assert db.session.get(Booking, old.id).status == BookingStatus.EXPIRED


def test_a_request_that_has_not_expired_still_blocks_the_slot(client, make):
    space = bookable_space(make, requires_approval=True)
    day = future_day(3)
    make.booking(space, local_datetime(day, hm("18:00")), local_datetime(day, hm("20:00")),
                 status=BookingStatus.REQUESTED, expires_at=utcnow() + timedelta(days=1))
    signed_in_booker(client, make)
    response = post_step(client, f"/book/{space.id}", when_data(day, "19:00", "21:00"))
    assert field_error(response, "start").startswith("Main hall is already booked at this time")


def test_expire_overdue_requests_counts_what_it_expired(app, make):
    space = bookable_space(make, requires_approval=True)
    day = future_day(3)
    for hour, expires in ((10, -1), (13, -2), (16, +1)):
        make.booking(space, local_datetime(day, hm(f"{hour}:00")), local_datetime(day, hm(f"{hour + 1}:00")),
                     status=BookingStatus.REQUESTED, expires_at=utcnow() + timedelta(hours=expires))
    assert operations.expire_overdue_requests(utcnow()) == 2
    db.session.commit()
    assert operations.expire_overdue_requests(utcnow()) == 0
    statuses = db.session.scalars(sa.select(Booking.status).order_by(Booking.starts_at)).all()
    assert statuses == [BookingStatus.EXPIRED, BookingStatus.EXPIRED, BookingStatus.REQUESTED]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BookingLock)) == 1


# ---------------------------------------------------------------- losing a race

def test_someone_booking_the_time_between_checking_and_confirming_gets_a_clear_message(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    day = future_day(3)
    answer_all(client, space, day, "18:00", "20:00")
    # Someone else books an overlapping time while this person reads the check page.
    make.booking(space, local_datetime(day, hm("19:00")), local_datetime(day, hm("21:00")))

    response = confirm(client, space)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/book/{space.id}"
    when = client.get(response.headers["Location"])
    assert error_summary(when) == ["Someone has just booked this time. Choose another time."]
    assert page(when).select_one("#date-day")["value"] == f"{day.day:02d}"  # the answers are kept
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1
    # The message is shown once, not forever.
    assert error_summary(client.get(f"/book/{space.id}")) == []


def test_twenty_people_confirming_one_slot_at_once_give_one_booking_and_nineteen_messages(app, make):
    space = bookable_space(make)
    day = future_day(3)
    users = [make.user() for _ in range(20)]
    db.session.commit()
    clients = []
    for user in users:
        client = app.test_client()
        sign_in(client, user.email)
        check = answer_all(client, space, day, "18:00", "20:00")
        assert error_summary(check) == []
        clients.append((client, csrf_token(client, f"/book/{space.id}")))

    barrier = threading.Barrier(len(clients))
    results, lock = [], threading.Lock()

    def attempt(client, token):
        barrier.wait()
        response = client.post(f"/book/{space.id}/check", data={"accept": "y", "csrf_token": token})
        outcome = (response.status_code, response.headers.get("Location", ""))
        if outcome[1] == f"/book/{space.id}":
            outcome = (302, error_summary(client.get(outcome[1])))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == 20
    assert all(status == 302 for status, _ in results), results  # never a 500
    wins = [r for _, r in results if isinstance(r, str) and r.endswith("/confirmation")]
    losses = [r for _, r in results if r == ["Someone has just booked this time. Choose another time."]]
    assert (len(wins), len(losses)) == (1, 19), results
    only_booking()
