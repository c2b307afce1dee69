"""Closures: London dates and times, the bookings they hit, and bank holidays in bulk."""

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from spacebank.bookings.models import Booking, BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import to_local, today_local
from spacebank.venues.models import Closure
from tests.admin_fixtures import audit_actions, council, emails_to, error_summary, post_form, signed_in  # noqa: F401
from tests.conftest import at, page, selects_during, text_of

STAFF_FORM = "/admin/book-for-caller/"


@pytest.fixture
def housing(app, council):
    return signed_in(app, council.people["housing"])


def closure_form(venue, start, end, **overrides):
    data = {"venue_id": str(venue.id), "space_id": "", "start_date": [str(start.day), str(start.month), str(start.year)],
            "start_time": "", "end_date": [str(end.day), str(end.month), str(end.year)], "end_time": "",
            "reason": "Closed for redecoration"}
    data.update(overrides)
    return data


def test_a_whole_day_closure_runs_from_london_midnight_to_midnight(app, council, housing):
    venue = council.housing.venue
    response = post_form(housing, "/admin/closure/new/", closure_form(venue, date(2027, 6, 3), date(2027, 6, 4)))
    assert response.status_code == 302
    closure = db.session.scalar(sa.select(Closure).where(Closure.reason == "Closed for redecoration"))
    # British Summer Time: London midnight is 11pm the evening before in UTC.
    assert closure.starts_at == datetime(2027, 6, 2, 23, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2027, 6, 4, 23, 0, tzinfo=UTC)
    assert closure.venue_id == venue.id and closure.space_id is None
    assert "closure.created" in audit_actions("closure")


def test_a_space_can_close_for_part_of_a_winter_day(app, council, housing):
    venue, space = council.housing.venue, council.housing.space
    post_form(housing, "/admin/closure/new/", closure_form(venue, date(2027, 1, 12), date(2027, 1, 12),
                                                          space_id=str(space.id), start_time="13:00", end_time="5pm"))
    closure = db.session.scalar(sa.select(Closure).where(Closure.reason == "Closed for redecoration"))
    assert (closure.space_id, closure.venue_id) == (space.id, None)
    assert (closure.starts_at, closure.ends_at) == (datetime(2027, 1, 12, 13, tzinfo=UTC), datetime(2027, 1, 12, 17, tzinfo=UTC))


@pytest.mark.parametrize("start,end,overrides,message", [
    ((3, 6, 2027), (2, 6, 2027), {}, "The closure must end after it starts"),
    ((3, 6, 2027), (3, 6, 2027), {"start_time": "14:00", "end_time": "10:00"}, "The closure must end after it starts"),
    ((30, 2, 2027), (3, 3, 2027), {}, "The first day closed must be a real date"),
    (("", 2, 2027), (3, 3, 2027), {}, "The first day closed must include a day"),
    ((1, 2, 2027), (3, 3, 2027), {"reason": ""}, "Enter the reason for the closure"),
    ((1, 2, 2027), (3, 3, 2027), {"start_time": "26:00"}, "Enter the time it closes as a real time, like 09:00 or 17:30"),
])
def test_a_closure_with_a_mistake_is_explained(app, council, housing, start, end, overrides, message):
    data = closure_form(council.housing.venue, date(2027, 1, 1), date(2027, 1, 1), **overrides)
    data["start_date"] = [str(p) for p in start]
    data["end_date"] = [str(p) for p in end]
    response = post_form(housing, "/admin/closure/new/", data)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert page(response).title.string.startswith("Error: ")


def test_a_date_posted_without_its_boxes_is_an_error_not_a_crash(app, council, housing):
    data = closure_form(council.housing.venue, date(2027, 1, 1), date(2027, 1, 2))
    del data["start_date"]
    response = post_form(housing, "/admin/closure/new/", data)
    assert response.status_code == 200
    assert "Enter the first day closed" in error_summary(response)


def test_closing_a_space_of_another_venue_is_refused(app, council):
    admin = signed_in(app, council.people["admin"])
    response = post_form(admin, "/admin/closure/new/", closure_form(
        council.housing.venue, date(2027, 1, 1), date(2027, 1, 1), space_id=str(council.library.space.id)))
    assert "Select a space in the chosen venue, or the whole venue" in error_summary(response)


def test_closing_over_bookings_lists_them_and_cancels_them_with_a_message(app, council, housing):
    booking = council.housing.booking
    day = booking.starts_at.date()
    response = post_form(housing, "/admin/closure/new/", closure_form(council.housing.venue, day, day))
    assert response.status_code == 302
    assert "/admin/closure/affected/?closure=" in response.headers["Location"]
    listing = page(housing.get(response.headers["Location"]))
    labels = [text_of(label) for label in listing.select(".govuk-checkboxes__label")]
    assert any(label.startswith(booking.reference) for label in labels)
    assert any(label.startswith(council.housing.request.reference) for label in labels)

    affected_url = response.headers["Location"]
    empty = post_form(housing, affected_url, {"bookings": str(booking.id), "message": ""}, token_url=STAFF_FORM)
    assert "Enter a message to the bookers" in error_summary(empty)

    done = post_form(housing, affected_url, {"bookings": str(booking.id),
                                             "message": "The hall is closed for a burst pipe. Call 020 8356 3000."},
                     token_url=STAFF_FORM)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED
    assert db.session.get(Booking, council.housing.request.id).status == BookingStatus.REQUESTED, "not ticked, kept"
    [email] = emails_to("resident@example.com")
    assert email.subject == f"Booking cancelled: {booking.reference}"
    assert "The council has cancelled your booking." in email.body
    assert "The hall is closed for a burst pipe. Call 020 8356 3000." in email.body
    assert audit_actions("booking")[-1] == "booking.cancelled"


def test_an_affected_booking_id_that_was_not_listed_is_refused(app, council, housing):
    booking = council.housing.booking
    day = booking.starts_at.date()
    response = post_form(housing, "/admin/closure/new/", closure_form(council.housing.venue, day, day))
    result = post_form(housing, response.headers["Location"], {"bookings": str(council.library.booking.id),
                                                               "message": "Closed"}, token_url=STAFF_FORM)
    assert "Select the bookings to cancel" in error_summary(result)
    db.session.expire_all()
    assert db.session.get(Booking, council.library.booking.id).status == BookingStatus.CONFIRMED


def test_bank_holidays_close_chosen_venues_and_the_bookings_on_them_can_be_cancelled(app, council, housing, make):
    from govuk_bank_holidays.bank_holidays import BankHolidays

    year = today_local().year + 1
    holidays = BankHolidays(use_cached_holidays=True).get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=year)
    christmas = next(h["date"] for h in holidays if h["title"] == "Christmas Day")
    on_christmas = make.booking(council.housing.space, at(christmas.year, christmas.month, christmas.day, 10),
                                at(christmas.year, christmas.month, christmas.day, 12), booker=council.people["resident"],
                                purpose="Christmas lunch")
    venue = council.housing.venue

    chosen = post_form(housing, "/admin/venue/action/", {"action": "close_bank_holidays", "rowid": str(venue.id)},
                       token_url=STAFF_FORM)
    assert chosen.status_code == 302
    form_url = chosen.headers["Location"]
    assert form_url == f"/admin/closure/bank-holidays/?venue={venue.id}"
    form_page = page(housing.get(form_url))
    assert venue.name in text_of(form_page.select_one("main ul"))

    response = post_form(housing, form_url, {"venue": str(venue.id), "year": str(year),
                                             "reason": "Closed for the bank holiday"}, token_url=STAFF_FORM)
    assert response.status_code == 302 and "/admin/closure/affected/" in response.headers["Location"]
    closures = db.session.scalars(sa.select(Closure).where(Closure.venue_id == venue.id, Closure.reason.like(
        "Closed for the bank holiday (%"))).all()
    assert sorted(to_local(c.starts_at).date() for c in closures) == sorted(h["date"] for h in holidays)
    assert all(to_local(c.ends_at).time() == time(0) for c in closures), "whole London days"
    assert len(closures) == len(holidays) >= 8
    assert any(c.reason == "Closed for the bank holiday (Christmas Day)" for c in closures)

    listing = page(housing.get(response.headers["Location"]))
    assert any(text_of(label).startswith(on_christmas.reference) for label in listing.select(".govuk-checkboxes__label"))
    post_form(housing, response.headers["Location"], {"bookings": str(on_christmas.id),
                                                      "message": "All council halls close on bank holidays."},
              token_url=STAFF_FORM)
    db.session.expire_all()
    assert db.session.get(Booking, on_christmas.id).status == BookingStatus.CANCELLED
    email = emails_to("resident@example.com")[-1]
    assert email.subject == f"Booking cancelled: {on_christmas.reference}"
    assert "All council halls close on bank holidays." in email.body

    again = post_form(housing, form_url, {"venue": str(venue.id), "year": str(year),
                                          "reason": "Closed for the bank holiday"}, token_url=STAFF_FORM)
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Closure).where(
        Closure.venue_id == venue.id, Closure.reason.like("Closed for the bank holiday (%"))) == len(holidays), \
        "closing again does not double the closures"


def test_bank_holiday_closures_match_govuk_for_2027(app, council, housing):
    if today_local().year > 2027:
        pytest.skip("2027 is no longer offered")
    venue = council.library.venue
    admin = signed_in(app, council.people["admin"])
    post_form(admin, f"/admin/closure/bank-holidays/?venue={venue.id}",
              {"venue": str(venue.id), "year": "2027", "reason": "Closed"}, token_url=STAFF_FORM)
    days = sorted(to_local(c.starts_at).date() for c in db.session.scalars(
        sa.select(Closure).where(Closure.venue_id == venue.id, Closure.reason.like("Closed (%"))))
    assert days == [date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
                    date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28)]


def test_the_bank_holiday_form_needs_a_year(app, council, housing):
    venue = council.housing.venue
    response = post_form(housing, f"/admin/closure/bank-holidays/?venue={venue.id}",
                         {"venue": str(venue.id), "year": "1999", "reason": "Closed"}, token_url=STAFF_FORM)
    assert response.status_code == 200
    assert "Select the year" in error_summary(response)


def test_closing_a_half_lists_bookings_of_the_whole_hall_and_that_half_in_the_same_few_queries(app, council, housing,
                                                                                               make):
    venue, booker = council.housing.venue, council.people["resident"]
    day = to_local(council.housing.booking.starts_at).date()
    whole = make.space(venue=venue, name="Whole hall")
    left, right = (make.space(venue=venue, name=name, parent=whole) for name in ("Left half", "Right half"))
    on = {space.name: make.booking(space, at(day.year, day.month, day.day, 14 + 2 * n), at(day.year, day.month, day.day, 15 + 2 * n),
                                   booker=booker) for n, space in enumerate([whole, left, right])}
    closures = [Closure(space=left, starts_at=at(day.year, day.month, day.day, 13),
                        ends_at=at(day.year, day.month, day.day, 20), reason="Repairs")]  # over all three
    closures += [Closure(space=right, starts_at=at(day.year, day.month, day.day, 6, n),
                         ends_at=at(day.year, day.month, day.day, 6, n + 1), reason="Checks") for n in range(5)]
    db.session.add_all(closures)
    db.session.commit()

    def listed(chosen):
        responses = []
        url = "/admin/closure/affected/?" + "&".join(f"closure={c.id}" for c in chosen)
        count = selects_during(lambda: responses.append(housing.get(url)))
        labels = [text_of(label) for label in page(responses[0]).select(".govuk-checkboxes__label")]
        return count, {name for name, b in on.items() if any(label.startswith(b.reference) for label in labels)}

    few, names = listed(closures[:1])
    assert names == {"Whole hall", "Left half"}, "closing a half stops the whole, not the other half"
    many, names = listed(closures)
    assert names == {"Whole hall", "Left half"}, "the right half's checks are at 6am, before any booking"
    assert many == few
