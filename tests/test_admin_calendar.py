"""The staff calendar: day and week tables a screen reader can follow."""

from datetime import time, timedelta

import pytest

from spacebank.extensions import db
from spacebank.timeutil import local_datetime, to_local
from spacebank.venues.models import Closure
from tests.admin_fixtures import council, signed_in  # noqa: F401
from tests.conftest import page, selects_during, text_of


@pytest.fixture
def housing(app, council):
    return signed_in(app, council.people["housing"])


def test_the_week_view_lists_bookings_requests_closures_and_free_time_by_space_and_day(app, council, housing):
    booking, request = council.housing.booking, council.housing.request
    day = to_local(booking.starts_at).date()
    db.session.add(Closure(space=council.housing.space, starts_at=local_datetime(day + timedelta(days=1), time(12)),
                           ends_at=local_datetime(day + timedelta(days=1), time(15)), reason="Floor polishing"))
    db.session.commit()
    soup = page(housing.get(f"/admin/calendar/?date={day.isoformat()}&venue={council.housing.venue.id}"))
    table = soup.select_one("table")
    assert text_of(table.select_one("caption")) == "Pembury Hall"
    headers = [text_of(th) for th in table.select("thead th")]
    assert headers[0] == "Space" and len(headers) == 8
    assert all(th.get("scope") == "col" for th in table.select("thead th"))
    row = table.select_one("tbody tr")
    assert row.select_one("th[scope=row]").get_text(strip=True) == "Main room"
    cells = row.select("td")
    column = (day - (day - timedelta(days=day.weekday()))).days
    that_day = text_of(cells[column])
    assert f"Booked {booking.reference}: Meeting at Pembury Hall 10am to midday" in that_day
    assert f"Request {request.reference}: Party at Pembury Hall 2pm to 4pm" in that_day
    assert "Free 9am to 9:30am" in that_day, "free until the turnaround before the 10am booking"
    link = cells[column].select_one("a")
    assert link["href"] == f"/admin/booking/details/?id={booking.id}"
    assert column == 2, "the fixtures book on a Wednesday"
    assert "Closed: Floor polishing midday to 3pm" in text_of(cells[column + 1])


def test_the_day_view_is_a_grid_of_half_hours_with_joined_cells(app, council, housing):
    booking = council.housing.booking
    day = to_local(booking.starts_at).date()
    soup = page(housing.get(f"/admin/calendar/?view=day&date={day.isoformat()}"))
    tables = soup.select("table")
    assert [text_of(t.select_one("caption")) for t in tables] == ["Pembury Hall"]
    headers = [text_of(th) for th in tables[0].select("thead th")]
    assert headers[:3] == ["Space", "9am", "9:30am"] and headers[-1] == "10:30pm"
    cell = next(td for td in tables[0].select("tbody td") if booking.reference in text_of(td))
    assert cell["colspan"] == "4", "10am to midday is four half hours"
    assert text_of(cell) == f"Booked {booking.reference}: Meeting at Pembury Hall (10am to midday)"


@pytest.mark.parametrize("query", ["date=2027-02-30", "date=30&date=2&date=2027", "date=yesterday", "date=1&date=2",
                                   "view=month", "date=9999-01-01"])
def test_an_unreadable_date_shows_today_with_an_error_not_a_crash(app, council, housing, query):
    response = housing.get(f"/admin/calendar/?{query}")
    assert response.status_code == 200
    if query.startswith("date"):
        assert text_of(page(response).select_one(".govuk-error-message")).startswith("Error: Enter a")


def test_day_and_week_links_move_through_time(app, council, housing):
    soup = page(housing.get("/admin/calendar/?view=week&date=2027-03-10"))
    links = {text_of(a): a["href"] for a in soup.select("nav[aria-label=Dates] a")}
    assert links["Previous week"] == "/admin/calendar/?view=week&date=2027-03-01"
    assert links["Next week"] == "/admin/calendar/?view=week&date=2027-03-15"
    assert text_of(soup.select_one("h1")) == "Calendar: Week beginning Monday 8 March 2027"


def _week_with_halves(council, halves_closed: int):
    """The housing venue gets a hall split into two halves; the first `halves_closed` closures are on the left half."""
    from spacebank.venues.models import Space

    venue = council.housing.venue
    day = to_local(council.housing.booking.starts_at).date()
    whole = Space(venue=venue, name="Whole hall", slug=f"whole-{halves_closed}", capacity_seated=80, capacity_standing=90)
    left = Space(venue=venue, name="Left half", slug=f"left-{halves_closed}", parent=whole, capacity_seated=40,
                 capacity_standing=45)
    right = Space(venue=venue, name="Right half", slug=f"right-{halves_closed}", parent=whole, capacity_seated=40,
                  capacity_standing=45)
    db.session.add_all([whole, left, right])
    for n in range(halves_closed):
        db.session.add(Closure(space=left, starts_at=local_datetime(day, time(6, n)),
                               ends_at=local_datetime(day, time(6, n + 1)), reason=f"Repairs {n}"))
    db.session.commit()
    return day


def test_a_closed_half_shows_on_the_whole_hall_but_not_on_the_other_half(app, council, housing):
    day = _week_with_halves(council, 1)
    soup = page(housing.get(f"/admin/calendar/?date={day.isoformat()}&venue={council.housing.venue.id}"))
    rows = {text_of(tr.select_one("th[scope=row]")): text_of(tr) for tr in soup.select("table tbody tr")}
    assert "Closed: Repairs 0" in rows["Left half"]
    assert "Closed: Repairs 0" in rows["Whole hall"], "closing a half stops the whole being booked"
    assert "Closed: Repairs 0" not in rows["Right half"]
    assert "Closed: Repairs 0" not in rows["Main room"]


def test_the_calendar_needs_no_more_queries_for_more_closures(app, council, housing):
    def selects(closures: int) -> int:
        day = _week_with_halves(council, closures)
        responses = []
        url = f"/admin/calendar/?date={day.isoformat()}&venue={council.housing.venue.id}"
        count = selects_during(lambda: responses.append(housing.get(url)))
        assert responses[0].status_code == 200
        return count

    few = selects(1)
    assert selects(6) == few
