"""Venue and space pages: what they show, the week-by-week availability table, photos."""

from collections import Counter
from datetime import time, timedelta

import pytest

from spacebank.extensions import db
from spacebank.timeutil import local_datetime, today_local
from spacebank.venues.models import Closure, HirerCategory, VenuePhoto

from .conftest import future_day, page, text_of


def full_venue(make):
    venue = make.venue(
        name="Rose Hall", slug="rose-hall", postcode="E8 3UP", latitude=51.54255, longitude=-0.06665,
        description="A bright hall by the park.", getting_there="Bus 38 stops outside.",
        accessibility_notes="Ramp at the side door.", step_free_access=True, hearing_loop=True,
        access_instructions="Key safe code 1234", contact_phone="020 8356 0000",
    )
    main = make.space(venue, name="Main hall", slug="main-hall", capacity_seated=80, capacity_standing=100,
                      has_kitchen=True, has_wifi=True, rules="No glitter.", turnaround_minutes=30,
                      min_notice_hours=0, hours=[(0, 5, time(9), time(17)), (5, 7, time(10), time(23, 59))],
                      tariffs={HirerCategory.RESIDENT: 2000,
                               HirerCategory.COMMUNITY: {"pence_per_hour": 1000, "free_for_verified_groups": True},
                               HirerCategory.COMMERCIAL: {"pence_per_hour": 4550, "deposit_pence": 10000,
                                                          "billing_unit_minutes": 30}})
    make.space(venue, name="East half", slug="east-half", parent=main)
    db.session.commit()
    return venue, main


def rows_of(table) -> list[list[str]]:
    return [[text_of(cell) for cell in row.find_all(["th", "td"])] for row in table.select("tr")]


def cell(table, day_index: int, hour_label: str):
    row = next(r for r in table.select("tbody tr") if text_of(r.th) == hour_label)
    return row.select("td")[day_index]


def assert_sound_page(soup):
    assert len(soup.select("h1")) == 1
    ids = Counter(element["id"] for element in soup.select("[id]"))
    assert [i for i, n in ids.items() if n > 1] == []


# --------------------------------------------------------------------------- venue page


def test_the_venue_page_shows_everything_about_the_venue(client, make):
    venue, main = full_venue(make)
    response = client.get("/venues/rose-hall")
    assert response.status_code == 200
    soup = page(response)
    assert_sound_page(soup)
    assert text_of(soup.h1) == "Rose Hall"
    text = text_of(soup.main)
    assert "A bright hall by the park." in text
    assert "Bus 38 stops outside." in text
    assert "Ramp at the side door." in text
    assert "Key safe code" not in text  # entry details go only to people who have booked
    assert [text_of(li) for li in soup.select("#accessibility ~ ul li")][:2] == ["Step-free access", "Hearing loop"]
    osm = soup.find("a", href=lambda h: h and h.startswith("https://www.openstreetmap.org/"))
    assert osm["href"] == "https://www.openstreetmap.org/?mlat=51.54255&mlon=-0.06665#map=17/51.54255/-0.06665"
    assert text_of(osm) == "See Rose Hall on OpenStreetMap"
    address = osm.find_parent("p").find_previous_sibling("p")
    assert [line.strip() for line in address.get_text("|").split("|")] == [venue.address_line_1, "London", "E8 3UP"]
    space_links = [a["href"] for a in soup.select("h3 a")]
    assert space_links == ["/venues/rose-hall/main-hall", "/venues/rose-hall/east-half"]
    assert "Up to 100 people (80 seated, 100 standing)" in text
    assert "Kitchen, Tables and chairs, Wi-Fi" in text
    assert "Resident £20 an hour" in text
    assert "Verified community group Free for verified community groups" in text
    assert "Monday to Friday 9am to 5pm" in text and "Saturday and Sunday 10am to midnight" in text


@pytest.mark.parametrize("url", ["/venues/nowhere", "/venues/" + "x" * 300, "/venues/hidden-hall",
                                 "/venues/rose-hall/" + "x" * 300,
                                 "/venues/rose-hall/nowhere", "/venues/hidden-hall/main-hall",
                                 "/venues/other-hall/main-hall"])
def test_unknown_or_unpublished_venues_and_spaces_are_not_found(client, make, url):
    full_venue(make)
    hidden = make.venue(name="Hidden Hall", slug="hidden-hall", is_published=False)
    make.space(hidden, slug="main-hall")
    make.venue(name="Other Hall", slug="other-hall")
    db.session.commit()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/venues/%00", "/venues/rose-hall/%00", "/venues/rose-hall/main-hall?week=%00"])
def test_nul_bytes_in_venue_urls_are_refused_or_not_found_never_an_error(client, make, url):
    full_venue(make)
    assert client.get(url).status_code in (400, 404)


# --------------------------------------------------------------------------- space page


def test_the_space_page_shows_rates_rules_hours_and_parts(client, make):
    full_venue(make)
    soup = page(client.get("/venues/rose-hall/main-hall"))
    assert_sound_page(soup)
    assert text_of(soup.h1) == "Main hall"
    assert text_of(soup.select_one(".govuk-caption-l")) == "Rose Hall"
    rates = soup.find("caption", string="Hire rates for Main hall").find_parent("table")
    assert rows_of(rates) == [
        ["Who is booking", "Rate", "Charged per", "Deposit"],
        ["Resident", "£20 an hour", "hour or part", "None"],
        ["Verified community group", "Free for verified community groups", "hour or part", "None"],
        ["Private or commercial hire", "£45.50 an hour", "half hour or part", "£100"],
    ]
    text = text_of(soup.main)
    assert "No glitter." in text
    assert "Splits into East half" in text
    assert "Monday to Friday 9am to 5pm" in text
    half = page(client.get("/venues/rose-hall/east-half"))
    assert "Part of Main hall" in text_of(half.main)


def test_the_availability_table_has_headers_for_days_and_times_and_says_each_status_in_words(client, make):
    venue, main = full_venue(make)
    monday = future_day(weekday=0)
    thursday = monday + timedelta(days=3)
    make.booking(main, local_datetime(thursday, time(12)), local_datetime(thursday, time(14)))
    db.session.add(Closure(venue=venue, starts_at=local_datetime(monday + timedelta(days=1), time(0)),
                           ends_at=local_datetime(monday + timedelta(days=2), time(0)), reason="Bank holiday"))
    db.session.commit()

    soup = page(client.get(f"/venues/rose-hall/main-hall?week={monday.isoformat()}"))
    table = soup.select_one("table.sb-availability")
    caption = text_of(table.caption)
    assert caption == f"Main hall: availability in the week beginning Monday {monday.day} {monday:%B %Y}"
    headers = table.select("thead th[scope=col]")
    assert len(headers) == 8 and text_of(headers[1]) == f"Mon {monday.day} {monday:%b}"
    assert [text_of(th) for th in table.select("tbody th[scope=row]")][:3] == ["9am", "10am", "11am"]
    assert text_of(cell(table, 1, "10am")) == "Closed"
    assert text_of(cell(table, 3, "midday")) == "Booked"
    assert text_of(cell(table, 3, "11am")).startswith("Free 11am to 11:30am")  # the turnaround before it
    assert text_of(cell(table, 0, "6pm")) == "Not open"  # weekdays close at 5pm
    free = cell(table, 3, "3pm").a
    assert text_of(free) == "Free"
    assert free["aria-label"] == f"Free: book {thursday:%A} {thursday.day} {thursday:%B %Y}, 3pm to 4pm"
    assert free["href"] == f"/book/{main.id}?date={thursday.isoformat()}&start=15:00&end=16:00"
    assert "sb-slot--booked" in cell(table, 3, "midday")["class"]


def test_the_availability_table_moves_week_by_week(client, make):
    full_venue(make)
    this_monday = today_local() - timedelta(days=today_local().weekday())
    first = page(client.get("/venues/rose-hall/main-hall"))
    assert first.select_one(".govuk-pagination__prev") is None
    next_href = first.select_one(".govuk-pagination__next a")["href"]
    following = this_monday + timedelta(weeks=1)
    assert next_href == f"/venues/rose-hall/main-hall?week={following.isoformat()}#availability"
    second = page(client.get(next_href))
    assert f"week beginning Monday {following.day}" in text_of(second.select_one("table caption"))
    assert second.select_one(".govuk-pagination__prev a")["href"].endswith(f"week={this_monday.isoformat()}#availability")


def test_any_day_of_a_week_shows_that_week_from_its_monday(client, make):
    full_venue(make)
    wednesday = future_day(weekday=2)
    soup = page(client.get(f"/venues/rose-hall/main-hall?week={wednesday.isoformat()}"))
    monday = wednesday - timedelta(days=2)
    assert f"week beginning Monday {monday.day} {monday:%B}" in text_of(soup.select_one("table caption"))


def test_the_table_stops_offering_next_weeks_beyond_the_booking_horizon(client, make):
    venue = make.venue(slug="soon-hall")
    make.space(venue, slug="room", booking_horizon_days=7)
    db.session.commit()
    soup = page(client.get("/venues/soon-hall/room"))
    assert soup.select_one(".govuk-pagination__next") is not None
    later = today_local() + timedelta(days=14)
    soup = page(client.get(f"/venues/soon-hall/room?week={later.isoformat()}"))
    assert soup.select_one(".govuk-pagination__next") is None
    assert "Not bookable yet" in text_of(soup.select_one("table.sb-availability tbody"))


@pytest.mark.parametrize("week", ["nonsense", "2030-02-30", "2030-2-3", "2020-01-06", "2999-01-01", ""])
def test_a_week_that_is_not_a_date_in_range_is_not_found(client, make, week):
    full_venue(make)
    assert client.get(f"/venues/rose-hall/main-hall?week={week}").status_code == 404


def test_a_space_without_opening_hours_says_it_cannot_be_booked_online(client, make):
    venue = make.venue(slug="quiet-hall")
    make.space(venue, slug="room", hours=())
    db.session.commit()
    soup = page(client.get("/venues/quiet-hall/room"))
    assert "No opening hours are set for this space" in text_of(soup.select_one("#availability").find_next("p"))
    assert soup.select_one("table.sb-availability") is None


# --------------------------------------------------------------------------- photos


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    (tmp_path / "uploads").mkdir()
    (tmp_path / "secret_key").write_text("do not serve")
    return tmp_path / "uploads"


def test_photos_show_with_their_alt_text_and_are_served_from_uploads(client, make, uploads):
    venue, _ = full_venue(make)
    (uploads / "rose.png").write_bytes(b"\x89PNG fake image")
    photo = VenuePhoto(venue=venue, filename="rose.png", alt_text="The hall set out for a party")
    db.session.add(photo)
    db.session.commit()
    img = page(client.get("/venues/rose-hall")).select_one("main img")
    assert img["alt"] == "The hall set out for a party"
    assert img["src"] == f"/photos/{photo.id}"
    response = client.get(img["src"])
    assert response.status_code == 200
    assert response.data == b"\x89PNG fake image"
    assert response.mimetype == "image/png"


@pytest.mark.parametrize("filename", ["../secret_key.png", "missing.png", "notes.html", "../secret_key"])
def test_photo_files_outside_uploads_missing_or_not_images_are_not_found(client, make, uploads, filename):
    venue, _ = full_venue(make)
    (uploads / "notes.html").write_text("<script>alert(1)</script>")
    photo = VenuePhoto(venue=venue, filename=filename, alt_text="x")
    db.session.add(photo)
    db.session.commit()
    assert client.get(f"/photos/{photo.id}").status_code == 404


def test_photos_of_unpublished_venues_are_not_found(client, make, uploads):
    venue = make.venue(slug="draft-hall", is_published=False)
    (uploads / "draft.jpg").write_bytes(b"jpeg")
    photo = VenuePhoto(venue=venue, filename="draft.jpg", alt_text="x")
    db.session.add(photo)
    db.session.commit()
    assert client.get(f"/photos/{photo.id}").status_code == 404
    assert client.get("/photos/999999").status_code == 404
    assert client.get("/photos/abc").status_code == 404
    assert client.get("/photos/99999999999999999999").status_code == 404
