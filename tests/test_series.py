"""Repeating bookings: each date bookable or not with the reason, choose, book together,
cancel the whole series or one date."""

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from govuk_bank_holidays.bank_holidays import BankHolidays

from spacebank.bookings import operations, queries
from spacebank.bookings.models import Booking, BookingSeries, BookingStatus, Frequency
from spacebank.extensions import db
from spacebank.formatting import format_date, format_datetime
from spacebank.timeutil import local_datetime, to_local, utcnow
from spacebank.venues.models import Closure, HirerCategory

from .booking_fixtures import (
    answer_all,
    bookable_space,
    confirm,
    error_summary,
    field_error,
    hm,
    outbox,
    post_step,
    signed_in_booker,
    summary_value,
    when_data,
)
from .conftest import at, csrf_token, future_day, page, sign_in, text_of


def close_for_the_day(venue, day, reason):
    db.session.add(Closure(venue=venue, starts_at=local_datetime(day, time(0)),
                           ends_at=local_datetime(day + timedelta(days=1), time(0)), reason=reason))
    db.session.commit()


def date_rows(response) -> list[tuple[str, str, bool]]:
    """(date, status, has a checkbox) for each row of the dates table."""
    rows = []
    for row in page(response).select("#dates-table tbody tr"):
        cells = row.select("td")
        rows.append((text_of(row.select_one("th")), text_of(cells[2]), cells[0].select_one("input") is not None))
    return rows


def start_series(client, space, first_day, repeat="weekly", occurrences="6"):
    """Answer up to the dates page and return it."""
    response = answer_all(client, space, first_day, "18:00", "20:00", repeat=repeat, occurrences=occurrences,
                          dates=[])  # stops at the dates page: nothing chosen is an error
    assert response.status_code == 200
    return client.get(f"/book/{space.id}/dates")


def test_a_weekly_series_shows_a_bank_holiday_as_closed_and_books_the_other_dates(client, make):
    space = bookable_space(make)
    user = signed_in_booker(client, make)
    first = future_day(0)  # a Monday
    holiday = first + timedelta(weeks=2)
    close_for_the_day(space.venue, holiday, "Closed for the bank holiday (Spring bank holiday)")

    dates = start_series(client, space, first, occurrences="5")
    rows = date_rows(dates)
    assert [r[0] for r in rows] == [format_date(first + timedelta(weeks=n)) for n in range(5)]
    assert rows[2] == (format_date(holiday), "Closed for the bank holiday (Spring bank holiday)", False)
    assert all(status == "Can be booked" and box for _, status, box in rows[:2] + rows[3:])

    chosen = [i["value"] for i in page(dates).select("input[name=dates][checked]")]
    assert len(chosen) == 4
    response = post_step(client, f"/book/{space.id}/dates", {"dates": chosen})
    assert response.headers["Location"] == f"/book/{space.id}/check"
    check = client.get(response.headers["Location"])
    assert summary_value(check, "Repeats") == "Every week, 5 times"
    assert summary_value(check, "Hire charge").startswith("£160")  # 4 × 2 hours × £20
    response = confirm(client, space)

    db.session.rollback()
    series = db.session.scalars(sa.select(BookingSeries)).one()
    assert response.headers["Location"] == f"/my-bookings/series/{series.id}/confirmation"
    assert series.frequency == Frequency.WEEKLY and series.booker_id == user.id
    assert [b.starts_at for b in series.bookings] == [
        local_datetime(first + timedelta(weeks=n), hm("18:00")) for n in (0, 1, 3, 4)]
    assert {b.status for b in series.bookings} == {BookingStatus.CONFIRMED}
    assert {b.price_pence for b in series.bookings} == {4000}

    confirmation = page(client.get(response.headers["Location"]))
    assert text_of(confirmation.select_one(".govuk-panel__title")) == "Bookings confirmed"
    assert [text_of(a) for a in confirmation.select("tbody a")] == [b.reference for b in series.bookings]
    [email] = outbox()
    assert email.subject == f"Booking confirmed: {series.bookings[0].reference} and 3 more"
    assert email.attachment.count("BEGIN:VEVENT") == 4


def test_a_fortnightly_series_marks_an_already_booked_date(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    first = future_day(3)
    make.booking(space, local_datetime(first + timedelta(weeks=2), hm("19:00")),
                 local_datetime(first + timedelta(weeks=2), hm("21:00")))
    rows = date_rows(start_series(client, space, first, repeat="fortnightly", occurrences="3"))
    assert [r[0] for r in rows] == [format_date(first + timedelta(weeks=n)) for n in (0, 2, 4)]
    assert rows[1][1:] == ("Already booked", False)


def test_a_repeat_keeps_the_wall_clock_time_across_the_clock_change(app, make):
    space = make.space(turnaround_minutes=0)
    db.session.commit()
    # Saturdays 20 March to 3 April 2027: the clocks go forward on the night of 27–28 March.
    slots = [(local_datetime(day, hm("18:00")), local_datetime(day, hm("20:00")))
             for day in [date(2027, 3, 20) + timedelta(weeks=n) for n in range(3)]]
    assessments = queries.assess(space, slots, attendees=10, category=HirerCategory.RESIDENT, group=None,
                                 now=at(2027, 3, 1))
    assert [a.starts_at.hour for a in assessments] == [18, 18, 17]  # in UTC: GMT, GMT, then BST
    assert all(a.bookable for a in assessments)


def test_the_2027_spring_bank_holidays_are_not_bookable_in_a_weekly_monday_series(app, make):
    space = make.space(turnaround_minutes=0)
    holidays = BankHolidays(use_cached_holidays=True).get_holidays(division=BankHolidays.ENGLAND_AND_WALES, year=2027)
    for holiday in holidays:
        close_for_the_day(space.venue, holiday["date"], f"Closed for the bank holiday ({holiday['title']})")
    first_monday = date(2027, 3, 22)
    days = [first_monday + timedelta(weeks=n) for n in range(11)]  # 22 March to 31 May 2027
    slots = [(local_datetime(d, hm("18:00")), local_datetime(d, hm("20:00"))) for d in days]

    assessments = queries.assess(space, slots, attendees=10, category=HirerCategory.RESIDENT, group=None,
                                 now=at(2027, 3, 1))
    closed = {to_local(a.starts_at).date(): a.problems[0].reason for a in assessments if not a.bookable}
    assert closed == {
        date(2027, 3, 29): "Closed for the bank holiday (Easter Monday)",
        date(2027, 5, 3): "Closed for the bank holiday (Early May bank holiday)",
        date(2027, 5, 31): "Closed for the bank holiday (Spring bank holiday)",
    }

    chosen = [(a.starts_at, a.ends_at) for a in assessments if a.bookable]
    details = operations.BookingDetails(category=HirerCategory.RESIDENT, purpose="Dance class", attendees=10)
    series = operations.create_series(space, make.user(), Frequency.WEEKLY, chosen, details, now=at(2027, 3, 1))
    assert len(series.bookings) == 8


def test_the_dates_page_asks_for_at_least_one_date_and_refuses_dates_not_offered(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    first = future_day(3)
    close_for_the_day(space.venue, first + timedelta(weeks=1), "Closed for repairs")
    dates = start_series(client, space, first, occurrences="3")
    assert error_summary(dates) == []

    response = post_step(client, f"/book/{space.id}/dates", {})
    assert error_summary(response) == ["Select at least one date to book"]
    assert text_of(page(response).select_one("#dates-error")) == "Error: Select at least one date to book"
    closed_day = (first + timedelta(weeks=1)).isoformat()
    for forged in ([closed_day], ["2031-02-30"], ["<script>"]):
        response = post_step(client, f"/book/{space.id}/dates", {"dates": forged})
        assert error_summary(response) == ["One of the dates you chose can no longer be booked. Choose again"]


def test_only_the_chosen_dates_are_booked(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    first = future_day(3)
    start_series(client, space, first, occurrences="4")
    chosen = [(first + timedelta(weeks=n)).isoformat() for n in (0, 3)]
    post_step(client, f"/book/{space.id}/dates", {"dates": chosen})
    confirm(client, space)
    db.session.rollback()
    starts = db.session.scalars(sa.select(Booking.starts_at).order_by(Booking.starts_at)).all()
    assert starts == [local_datetime(first, hm("18:00")), local_datetime(first + timedelta(weeks=3), hm("18:00"))]


def test_the_number_of_times_is_checked(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    post_step(client, f"/book/{space.id}", when_data(future_day(3), "18:00", "20:00"))
    cases = [("weekly", "", "Enter how many times the booking happens, like 10"),
             ("weekly", "53", "Number of times must be between 2 and 52"),
             ("fortnightly", "1", "Number of times must be between 2 and 52"),
             ("weekly", "ten", "Enter how many times as a whole number, like 10"),
             ("weekly", "1e3", "Enter how many times as a whole number, like 10")]
    for repeat, occurrences, message in cases:
        response = post_step(client, f"/book/{space.id}/repeat", {"repeat": repeat, "occurrences": occurrences})
        assert field_error(response, "occurrences") == message, occurrences
    response = post_step(client, f"/book/{space.id}/repeat", {"repeat": "monthly"})
    assert field_error(response, "repeat") == "Select whether the booking repeats"
    # The number does not matter for a booking that does not repeat.
    assert post_step(client, f"/book/{space.id}/repeat", {"repeat": "no", "occurrences": "ten"}).status_code == 302


def test_a_date_taken_while_choosing_is_named_and_the_rest_can_be_chosen_again(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    first = future_day(3)
    answer_all(client, space, first, "18:00", "20:00", repeat="weekly", occurrences="3")
    taken_day = first + timedelta(weeks=1)
    make.booking(space, local_datetime(taken_day, hm("18:00")), local_datetime(taken_day, hm("20:00")))

    response = confirm(client, space)
    assert response.headers["Location"] == f"/book/{space.id}/dates"
    dates = client.get(response.headers["Location"])
    assert error_summary(dates) == [
        f"Someone has just booked {format_datetime(local_datetime(taken_day, hm('18:00')))}. Choose your dates again"]
    assert date_rows(dates)[1][1:] == ("Already booked", False)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1  # all or nothing


def test_the_database_names_the_occurrence_it_refuses(app, make, monkeypatch):
    """A rival that commits after the rules read the calendar (possible on PostgreSQL, where
    readers do not wait for writers) is caught by the lock constraint, which names the date."""
    space = make.space(turnaround_minutes=0)
    user = make.user()
    db.session.commit()
    day = future_day(3)
    slots = [(local_datetime(day + timedelta(weeks=n), hm("18:00")), local_datetime(day + timedelta(weeks=n), hm("20:00")))
             for n in range(3)]
    details = operations.BookingDetails(category=HirerCategory.RESIDENT, purpose="Class", attendees=5)
    rival_start = slots[2][0]
    read_calendar = queries.load_calendar

    def rival_books_after_the_calendar_is_read(*args, **kwargs):
        calendar = read_calendar(*args, **kwargs)
        make.booking(space, rival_start, rival_start + timedelta(hours=1))
        return calendar

    monkeypatch.setattr(queries, "load_calendar", rival_books_after_the_calendar_is_read)
    with pytest.raises(operations.OccurrenceTaken) as taken:
        operations.create_series(space, user, Frequency.WEEKLY, slots, details, now=utcnow())
    assert taken.value.starts_at == rival_start
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 1  # only the rival


# ---------------------------------------------------------------- cancelling

def booked_series(client, make, space, first, occurrences="3"):
    answer_all(client, space, first, "18:00", "20:00", repeat="weekly", occurrences=occurrences)
    confirm(client, space)
    db.session.rollback()
    return db.session.scalars(sa.select(BookingSeries)).one()


def test_one_occurrence_can_be_cancelled_on_its_own(client, make):
    space = bookable_space(make)
    signed_in_booker(client, make)
    series = booked_series(client, make, space, future_day(3))
    second = series.bookings[1]
    token = csrf_token(client, f"/my-bookings/{second.reference}/cancel")
    client.post(f"/my-bookings/{second.reference}/cancel", data={"csrf_token": token})
    db.session.rollback()
    assert [b.status for b in db.session.get(BookingSeries, series.id).bookings] == [
        BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]


def test_a_whole_series_can_be_cancelled_except_dates_inside_the_notice(client, make):
    space = bookable_space(make, cancellation_notice_hours=24 * 10)
    signed_in_booker(client, make)
    series = booked_series(client, make, space, future_day(weeks_ahead=1), occurrences="3")
    starts = [b.starts_at for b in series.bookings]
    url = f"/my-bookings/series/{series.id}/cancel"

    listing = page(client.get(url))
    items = [text_of(li) for li in listing.select("#series-bookings li")]
    too_late = [i for i in items if i.endswith("too late to cancel online")]
    within_notice = [s for s in starts if s - timedelta(days=10) < utcnow()]
    assert len(too_late) == len(within_notice) >= 1

    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Class ended"})
    assert response.headers["Location"] == "/my-bookings"
    db.session.rollback()
    statuses = [b.status for b in db.session.get(BookingSeries, series.id).bookings]
    assert statuses.count(BookingStatus.CANCELLED) == 3 - len(within_notice)
    banner = text_of(page(client.get("/my-bookings")).select_one(".govuk-notification-banner"))
    assert f"{3 - len(within_notice)} bookings in this series have been cancelled." in banner
    assert f"{len(within_notice)} could not be cancelled online because they start too soon." in banner


def test_someone_else_cannot_cancel_a_series(client, make, app):
    space = bookable_space(make)
    signed_in_booker(client, make)
    series = booked_series(client, make, space, future_day(3))
    stranger = app.test_client()
    sign_in(stranger, make.user().email)
    db.session.commit()
    url = f"/my-bookings/series/{series.id}/cancel"
    assert stranger.get(url).status_code == 404
    response = stranger.post(url, data={"csrf_token": csrf_token(stranger, "/my-bookings/calendar-feed")})
    assert response.status_code == 404
    db.session.rollback()
    assert {b.status for b in db.session.get(BookingSeries, series.id).bookings} == {BookingStatus.CONFIRMED}
