"""Reports on the demo data, checked against figures worked out here straight from the tables."""

import csv
import io
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from spacebank.accounts.models import Group
from spacebank.bookings.models import Booking, BookingStatus
from spacebank.extensions import db
from spacebank.timeutil import day_bounds, to_local, today_local
from spacebank.venues.models import Closure, OpeningHours, Space, Venue
from tests.conftest import page, selects_during, text_of


@pytest.fixture
def demo(app):
    from spacebank.demo import seed_demo

    today = today_local()
    seed_demo(today)
    return today


def sign_in_demo(app, email):
    from tests.admin_fixtures import IsolatedClient
    from tests.conftest import sign_in

    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert sign_in(client, email, email.split("@")[0] + "-demo-Spacebank-2026").status_code == 302
    return client


def confirmed_in(venue_ids, first, last):
    """Confirmed bookings starting in the London days first..last, straight from the table."""
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    return db.session.execute(
        sa.select(Venue.id, Venue.name, Booking.starts_at, Booking.ends_at, Booking.price_pence, Booking.group_id)
        .join(Space, Booking.space_id == Space.id).join(Venue, Space.venue_id == Venue.id)
        .where(Venue.id.in_(venue_ids), Booking.status == BookingStatus.CONFIRMED,
               Booking.starts_at >= start, Booking.starts_at < end)).all()


def table_rows(soup, caption):
    table = next(t for t in soup.select("table") if text_of(t.select_one("caption")) == caption)
    return [[text_of(cell) for cell in row.select("th, td")] for row in table.select("tbody tr")]


def pounds(pence):
    return "£0" if pence == 0 else (f"£{pence // 100:,}" if pence % 100 == 0 else f"£{pence // 100:,}.{pence % 100:02d}")


def test_housing_report_figures_match_the_bookings_table(app, demo):
    client = sign_in_demo(app, "housing@example.com")
    first, last = demo - timedelta(days=14), demo + timedelta(days=27)
    halls = db.session.scalars(sa.select(Venue).where(Venue.kind == "community_hall")).all()
    ids = sorted(v.id for v in halls)
    query = "&".join([f"start={first.isoformat()}", f"end={last.isoformat()}", *[f"venue={i}" for i in ids]])
    response = client.get(f"/admin/reports/?{query}")
    assert response.status_code == 200
    soup = page(response)
    rows = confirmed_in(ids, first, last)
    assert len(rows) > 100, "the demo has plenty of bookings in these six weeks"

    minutes, income = defaultdict(int), defaultdict(int)
    for venue_id, name, starts_at, ends_at, price, group_id in rows:
        minutes[name] += int((ends_at - starts_at).total_seconds()) // 60
        income[name] += price
    shown = {row[0]: row for row in table_rows(soup, "Utilisation by venue and space") if row[1] == "All spaces"}
    assert set(shown) == set(minutes) | {v.name for v in halls}
    for name, total in minutes.items():
        assert shown[name][3] == f"{total / 60:.1f}", name
    income_rows = {row[0]: row[1] for row in table_rows(soup, "Income by venue")}
    for name, pence in income.items():
        assert income_rows[name] == pounds(pence), name
    assert income_rows["All venues"] == pounds(sum(income.values()))
    assert f"Total: {pounds(sum(income.values()))}" in text_of(soup.select_one("main"))

    free_group = [r for r in rows if r.price_pence == 0 and r.group_id is not None]
    charged = [r for r in rows if r.price_pence > 0]
    hirers = {row[0]: row for row in table_rows(soup, "Free and charged hours")}
    assert hirers["Free to community groups"][1] == str(len(free_group))
    assert hirers["Charged"][1] == str(len(charged))
    assert hirers["Charged"][3] == pounds(sum(r.price_pence for r in charged))

    heat = table_rows(soup, "Booked hours by day of the week and time of day")
    assert abs(sum(float(cell) for row in heat for cell in row[1:]) - sum(minutes.values()) / 60) < 0.05 * 7 * 24
    by_day = defaultdict(int)
    for r in rows:
        by_day[to_local(r.starts_at).weekday()] += int((r.ends_at - r.starts_at).total_seconds()) // 60
    for weekday, row in enumerate(heat):
        assert abs(sum(float(cell) for cell in row[1:]) - by_day[weekday] / 60) < 0.05 * len(row), row[0]

    groups = table_rows(soup, "Top community groups by hours booked")
    knitting = db.session.scalar(sa.select(Group).where(Group.name == "Hackney Wick Knitting Circle"))
    knitting_rows = [r for r in rows if r.group_id == knitting.id]
    assert groups[0][:3] == ["Hackney Wick Knitting Circle", str(len(knitting_rows)),
                             f"{sum(int((r.ends_at - r.starts_at).total_seconds()) // 60 for r in knitting_rows) / 60:.1f}"]


def test_library_open_hours_match_opening_hours_less_whole_day_closures(app, demo):
    client = sign_in_demo(app, "library@example.com")
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Hackney Central Library"))
    first, last = demo, demo + timedelta(days=27)
    response = client.get(f"/admin/reports/utilisation.csv?start={first}&end={last}&venue={venue.id}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Venue", "Space", "Open hours", "Booked hours", "Utilisation (%)"]
    [space] = venue.spaces
    hours = db.session.scalars(sa.select(OpeningHours).where(OpeningHours.space_id == space.id)).all()
    closures = db.session.scalars(sa.select(Closure).where(Closure.venue_id == venue.id)).all()
    open_minutes = 0
    day = first
    while day <= last:
        start, end = day_bounds(day)
        closed_all_day = any(c.starts_at <= start and c.ends_at >= end for c in closures)
        if not closed_all_day:
            open_minutes += sum((h.closes_at.hour * 60 + h.closes_at.minute) - (h.opens_at.hour * 60 + h.opens_at.minute)
                                for h in hours if h.weekday == day.weekday())
        day += timedelta(days=1)
    booked = sum(int((r.ends_at - r.starts_at).total_seconds()) // 60 for r in confirmed_in([venue.id], first, last))
    assert rows[1] == [venue.name, "All spaces", f"{open_minutes / 60:.2f}", f"{booked / 60:.2f}",
                       f"{booked / open_minutes * 100:.2f}"]


def test_request_figures_count_decisions_made_in_the_period(app, demo):
    client = sign_in_demo(app, "housing@example.com")
    from tests.admin_fixtures import post_form

    queue = page(client.get("/admin/requests/"))
    ids = [box["value"] for box in queue.select("input[name=bookings]")]
    assert len(ids) >= 3
    post_form(client, "/admin/requests/", {"bookings": ids[:2], "decision": "approve"})
    post_form(client, "/admin/requests/", {"bookings": ids[2:3], "decision": "decline", "reason": "Double booked"})
    halls = db.session.scalars(sa.select(Venue.id).where(Venue.kind == "community_hall")).all()
    query = "&".join([f"start={demo}", f"end={demo}", *[f"venue={i}" for i in halls]])
    rows = list(csv.reader(io.StringIO(client.get(f"/admin/reports/requests.csv?{query}").get_data(as_text=True))))
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).join(Space).join(Venue).where(
        Booking.status == BookingStatus.REQUESTED, Venue.kind == "community_hall"))
    assert rows[0] == ["Approved", "Declined", "Expired without a decision", "Waiting now", "Median time to decide (minutes)"]
    assert rows[1][:4] == ["2", "1", "0", str(waiting)]
    assert rows[1][4] == "0", "decided within a minute of the demo's requests being made"


def test_a_report_period_the_wrong_way_round_is_explained(app, demo):
    client = sign_in_demo(app, "housing@example.com")
    hall = db.session.scalar(sa.select(Venue.id).where(Venue.name == "Navarino Hall"))
    response = client.get(f"/admin/reports/?start=2027-02-01&end=2027-01-01&venue={hall}")
    soup = page(response)
    assert "The end date must be the same as or after the start date" in text_of(soup.select_one(".govuk-error-summary"))
    assert soup.select("main svg") == []
    response = client.get("/admin/reports/?start=2027-02-30&end=2027-03-01")
    assert "The start date must be a real date" in text_of(page(response).select_one(".govuk-error-summary"))
    assert client.get(f"/admin/reports/nonsense.csv?start=2027-01-01&end=2027-01-02&venue={hall}").status_code == 404
    library = db.session.scalar(sa.select(Venue.id).where(Venue.name == "Hackney Central Library"))
    response = client.get(f"/admin/reports/?start=2027-01-01&end=2027-01-02&venue={library}")
    assert "Select venues from the list" in text_of(page(response).select_one(".govuk-error-summary"))


def test_charts_are_svg_images_with_titles_and_no_inline_styles(app, demo):
    client = sign_in_demo(app, "library@example.com")
    soup = page(client.get("/admin/reports/"))
    charts = soup.select("svg[role=img]")
    assert len(charts) >= 5
    for chart in charts:
        assert chart.select_one("title").get_text().endswith("(chart; the table below has the figures)")
        assert chart.get("aria-labelledby") == chart.select_one("title")["id"]
    assert not soup.select("[style]"), "the CSP forbids inline styles"


def test_the_bookings_csv_needs_the_same_few_queries_however_many_bookers(app, demo):
    client = sign_in_demo(app, "housing@example.com")
    ids = sorted(db.session.scalars(sa.select(Venue.id).where(Venue.kind == "community_hall")))
    venues = "&".join(f"venue={i}" for i in ids)

    def selects_and_rows(first, last):
        responses = []
        url = f"/admin/reports/bookings.csv?start={first.isoformat()}&end={last.isoformat()}&{venues}"
        count = selects_during(lambda: responses.append(client.get(url)))
        assert responses[0].status_code == 200
        return count, list(csv.reader(io.StringIO(responses[0].get_data(as_text=True))))[1:]

    one_day = demo + timedelta(days=300)
    few, none = selects_and_rows(one_day, one_day)
    many, rows = selects_and_rows(demo - timedelta(days=14), demo + timedelta(days=27))
    assert not none and len({row[7] for row in rows}) > 1, "the demo has bookings from more than one booker"
    assert many == few
