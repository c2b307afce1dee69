"""Find a space (/spaces): every filter, the error messages, paging and the demo check."""

from datetime import time, timedelta

import pytest

from spacebank import geo
from spacebank.demo import next_weekday, slugify
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, today_local
from spacebank.venues.models import Closure, HirerCategory, VenueKind
from spacebank.venues.search import GEOCODER_KEY, app_geocoder

from .conftest import future_day, page, text_of


def hall(make, name, postcode="E8 1DY", *, space_name="Main hall", venue=None, **kw):
    """A published space in a venue at a real postcode's position."""
    if venue is None:
        place = geo.lookup_postcode(postcode)
        venue_fields = {k: kw.pop(k) for k in list(kw) if k in VENUE_FIELDS}
        venue = make.venue(name=name, slug=slugify(name), postcode=postcode, latitude=place.latitude,
                           longitude=place.longitude, **venue_fields)
    return make.space(venue, name=space_name, slug=slugify(space_name), **kw)


VENUE_FIELDS = {"kind", "is_published", "step_free_access", "accessible_toilet", "hearing_loop", "parking",
                "baby_change"}


def on(day, start=None, end=None) -> dict:
    params = {"date": [str(day.day), str(day.month), str(day.year)]}
    if start:
        params["start"] = start
    if end:
        params["end"] = end
    return params


def search(client, **params):
    response = client.get("/spaces", query_string=params)
    assert response.status_code == 200, response.status_code
    return page(response)


def listed(soup) -> list[str]:
    return [text_of(item.h3) for item in soup.select("#search-results > li")]


def result(soup, heading: str):
    return next(item for item in soup.select("#search-results > li") if text_of(item.h3) == heading)


def summary_errors(soup) -> list[tuple[str, str]]:
    return [(text_of(a), a["href"]) for a in soup.select(".govuk-error-summary__list a")]


def field_error(soup, field_id: str) -> str:
    element = soup.find(id=field_id) or soup.find(id=f"{field_id}-day")
    group = element.find_parent(class_="govuk-form-group")
    return text_of(group.select_one(".govuk-error-message")).removeprefix("Error: ")


THURSDAY = future_day(weekday=3)


# --------------------------------------------------------------------------- the demo check


def test_a_search_near_e8_1dy_for_20_people_next_thursday_evening_lists_the_nearest_suitable_halls(client, make):
    """The demo check: booked, closed and too-small halls are left out."""
    today = today_local()
    thursday = next_weekday(today, 3)
    pembury = hall(make, "Pembury Community Hall", "E8 1FF", capacity_seated=60, capacity_standing=80)
    navarino = hall(make, "Navarino Hall", "E8 1XA", capacity_seated=40, capacity_standing=50)
    hall(make, "Dalston Lane Room", "E8 1BZ", capacity_seated=12, capacity_standing=15)
    holly = hall(make, "Holly Street Community Hall", "E8 3UP", capacity_seated=120, capacity_standing=156)
    queensbridge = hall(make, "Queensbridge Hall", "E8 3BN", capacity_seated=30, capacity_standing=39,
                        tariffs={HirerCategory.RESIDENT: 2500, HirerCategory.COMMUNITY: 1500})
    clapton = hall(make, "Clapton Park Hall", "E5 0BW", capacity_seated=20, capacity_standing=26)
    db.session.add(Closure(venue=navarino.venue, starts_at=local_datetime(today, time(0)),
                           ends_at=local_datetime(today + timedelta(days=15), time(0)), reason="Kitchen refit"))
    db.session.commit()
    group = make.group(members=[make.user()])
    for week in range(0, 3):  # the weekly Thursday group, 6pm to 9pm
        day = thursday + timedelta(weeks=week)
        make.booking(pembury, local_datetime(day, time(18)), local_datetime(day, time(21)), group=group)

    soup = search(client, where="E8 1DY", people="20", **on(thursday, "18:00", "20:00"))

    assert listed(soup) == ["Holly Street Community Hall: Main hall", "Queensbridge Hall: Main hall",
                            "Clapton Park Hall: Main hall"]
    holly_item = result(soup, "Holly Street Community Hall: Main hall")
    assert text_of(holly_item.select_one(".sb-distance")) == "0.4 miles"
    assert "£20 an hour" in text_of(holly_item)
    assert text_of(holly_item.select_one(".sb-total")) == "£40 for 2 hours"
    book = holly_item.select_one("a.govuk-button")
    assert book["href"] == f"/book/{holly.id}?date={thursday.isoformat()}&start=18:00&end=20:00"
    assert text_of(book).startswith("Book Holly Street Community Hall: Main hall")
    assert text_of(result(soup, "Queensbridge Hall: Main hall").select_one(".sb-total")) == "£50 for 2 hours"
    assert text_of(result(soup, "Clapton Park Hall: Main hall").select_one(".sb-distance")) == "1.1 miles"
    assert text_of(soup.select_one("#results h2")) == "Spaces near E8 1DY"
    assert queensbridge.id and clapton.id


# --------------------------------------------------------------------------- filters


def test_a_first_visit_shows_the_form_without_results(client, make):
    hall(make, "Any Hall")
    db.session.commit()
    soup = search(client)
    assert text_of(soup.h1) == "Find a space"
    assert listed(soup) == []
    assert soup.select_one(".govuk-error-summary") is None
    assert soup.title.get_text().startswith("Find a space")


def test_without_a_postcode_every_space_is_listed_by_name(client, make):
    hall(make, "Zebra Hall")
    hall(make, "Apple Hall", "N16 0UG")
    hall(make, "Mango Hall", "E5 0BW")
    db.session.commit()
    soup = search(client, where="")
    assert listed(soup) == ["Apple Hall: Main hall", "Mango Hall: Main hall", "Zebra Hall: Main hall"]
    assert soup.select(".sb-distance") == []
    assert "by name" in text_of(soup.select_one("#results"))


def test_results_are_nearest_first_even_beyond_the_first_mile(client, make):
    hall(make, "Far Hall", "SE1 7PB")  # 4 miles
    hall(make, "Near Hall", "E8 3UP")  # 0.4 miles
    hall(make, "Middle Hall", "N1 6US")  # 1.6 miles
    hall(make, "Manchester Hall", "M1 1AE")  # 162 miles: further than anyone looks
    db.session.commit()
    soup = search(client, where="e81dy")
    assert listed(soup) == ["Near Hall: Main hall", "Middle Hall: Main hall", "Far Hall: Main hall"]
    assert [text_of(d) for d in soup.select(".sb-distance")] == ["0.4 miles", "1.6 miles", "4 miles"]


def test_number_of_people_leaves_out_spaces_too_small_seated_and_standing(client, make):
    hall(make, "Small Hall", capacity_seated=10, capacity_standing=19)
    hall(make, "Standing Hall", capacity_seated=10, capacity_standing=20)
    hall(make, "Big Hall", capacity_seated=50, capacity_standing=50)
    db.session.commit()
    assert listed(search(client, people="20")) == ["Big Hall: Main hall", "Standing Hall: Main hall"]


@pytest.mark.parametrize(("need", "expected"), [
    ("kitchen", ["Kitchen Hall: Main hall"]),
    ("wifi", ["Wi-Fi Hall: Main hall"]),
    ("projector", ["Projector Hall: Main hall"]),
    ("step_free_access", ["Step-free Hall: Main hall"]),
    ("accessible_toilet", ["Toilet Hall: Main hall"]),
    ("hearing_loop", ["Loop Hall: Main hall"]),
    ("parking", ["Parking Hall: Main hall"]),
    ("baby_change", ["Baby Hall: Main hall"]),
])
def test_each_facility_and_access_need_filters_the_spaces(client, make, need, expected):
    hall(make, "Plain Hall")
    hall(make, "Kitchen Hall", has_kitchen=True)
    hall(make, "Wi-Fi Hall", has_wifi=True)
    hall(make, "Projector Hall", has_projector=True)
    hall(make, "Step-free Hall", step_free_access=True)
    hall(make, "Toilet Hall", accessible_toilet=True)
    hall(make, "Loop Hall", hearing_loop=True)
    hall(make, "Parking Hall", parking=True)
    hall(make, "Baby Hall", baby_change=True)
    db.session.commit()
    soup = search(client, needs=need)
    assert listed(soup) == expected
    assert soup.find(id=soup.select_one(f"input[name=needs][value={need}]")["id"]).has_attr("checked")


def test_several_needs_must_all_be_met(client, make):
    hall(make, "Kitchen Hall", has_kitchen=True)
    hall(make, "Both Hall", has_kitchen=True, step_free_access=True)
    db.session.commit()
    assert listed(search(client, needs=["kitchen", "step_free_access"])) == ["Both Hall: Main hall"]


def test_venue_kind_filters_the_spaces(client, make):
    hall(make, "Community Hall A")
    hall(make, "Library B", kind=VenueKind.LIBRARY, space_name="Meeting room")
    db.session.commit()
    assert listed(search(client, kind="library")) == ["Library B: Meeting room"]


def test_unpublished_venues_unbookable_spaces_and_spaces_without_a_rate_are_not_listed(client, make):
    hall(make, "Open Hall")
    hall(make, "Hidden Hall", is_published=False)
    hall(make, "Offline Hall", is_bookable=False)
    hall(make, "Residents Only Hall", tariffs={HirerCategory.RESIDENT: 2000})
    db.session.commit()
    assert listed(search(client, category="resident")) == ["Open Hall: Main hall", "Residents Only Hall: Main hall"]
    assert listed(search(client, category="commercial")) == ["Open Hall: Main hall"]


def test_prices_are_for_who_is_booking(client, make):
    hall(make, "Priced Hall", tariffs={HirerCategory.RESIDENT: 2000, HirerCategory.COMMUNITY: 1050,
                                       HirerCategory.COMMERCIAL: {"pence_per_hour": 3500, "deposit_pence": 10000}})
    db.session.commit()
    when = on(THURSDAY, "18:00", "19:30")
    community = result(search(client, category="community", **when), "Priced Hall: Main hall")
    assert "£10.50 an hour" in text_of(community)
    assert text_of(community.select_one(".sb-total")) == "£21 for 1 hour 30 minutes"  # 2 started hours
    commercial = result(search(client, category="commercial", **when), "Priced Hall: Main hall")
    assert text_of(commercial.select_one(".sb-total")) == "£70 for 1 hour 30 minutes"
    assert "plus a refundable deposit of £100" in text_of(commercial)


def test_spaces_free_for_verified_groups_show_as_free_and_can_be_searched_for(client, make):
    hall(make, "Free Hall", tariffs={HirerCategory.COMMUNITY: {"pence_per_hour": 1000, "free_for_verified_groups": True},
                                     HirerCategory.RESIDENT: 2000})
    hall(make, "Paid Hall")
    db.session.commit()
    soup = search(client, category="community", price="free", **on(THURSDAY, "18:00", "20:00"))
    assert listed(soup) == ["Free Hall: Main hall"]
    item = result(soup, "Free Hall: Main hall")
    assert "Free for verified community groups" in text_of(item)
    assert text_of(item.select_one(".sb-total")) == "Free for 2 hours"


def test_price_up_to_an_amount_an_hour(client, make):
    hall(make, "Cheap Hall", tariffs={HirerCategory.RESIDENT: 1500})
    hall(make, "Exact Hall", tariffs={HirerCategory.RESIDENT: 2000})
    hall(make, "Dear Hall", tariffs={HirerCategory.RESIDENT: 2001})
    db.session.commit()
    assert listed(search(client, price="under", max_price="£20")) == ["Cheap Hall: Main hall", "Exact Hall: Main hall"]
    assert listed(search(client, price="under", max_price="15.00")) == ["Cheap Hall: Main hall"]
    # A price typed without choosing the option still counts; with "free" it does not.
    assert listed(search(client, max_price="15")) == ["Cheap Hall: Main hall"]


def test_a_hall_booked_at_the_time_is_not_listed_but_is_listed_at_another_time(client, make):
    space = hall(make, "Busy Hall", turnaround_minutes=0)
    db.session.commit()
    make.booking(space, local_datetime(THURSDAY, time(18)), local_datetime(THURSDAY, time(19)))
    assert listed(search(client, **on(THURSDAY, "18:30", "20:00"))) == []
    assert listed(search(client, **on(THURSDAY, "19:00", "21:00"))) == ["Busy Hall: Main hall"]


def test_the_turnaround_after_a_booking_keeps_the_hall_out_of_the_results(client, make):
    space = hall(make, "Tidy Hall", turnaround_minutes=30)
    db.session.commit()
    make.booking(space, local_datetime(THURSDAY, time(16)), local_datetime(THURSDAY, time(17, 45)))
    assert listed(search(client, **on(THURSDAY, "18:00", "20:00"))) == []
    assert listed(search(client, **on(THURSDAY, "18:15", "20:00"))) == ["Tidy Hall: Main hall"]


def test_halls_only_the_exact_check_turns_away_give_way_to_the_next_nearest(client, make):
    """The database ignores turnaround, so it offers these 25 halls; the engine refuses them."""
    origin = geo.lookup_postcode("E8 1DY")
    for n in range(30):  # one every 0.07 miles going north, up to about 2 miles away
        venue = make.venue(name=f"Hall {n:02d}", slug=f"hall-{n:02d}", latitude=origin.latitude + 0.001 * (n + 1),
                           longitude=origin.longitude)
        space = make.space(venue, turnaround_minutes=30)
        db.session.commit()
        if n < 25:
            make.booking(space, local_datetime(THURSDAY, time(16)), local_datetime(THURSDAY, time(17, 45)))
    soup = search(client, where="E8 1DY", **on(THURSDAY, "18:00", "20:00"))
    assert listed(soup) == [f"Hall {n:02d}: Main hall" for n in range(25, 30)]


def test_a_booked_half_hall_blocks_the_whole_hall_but_not_the_other_half(client, make):
    whole = hall(make, "Split Hall")
    east = hall(make, "", venue=whole.venue, space_name="East half", parent=whole)
    hall(make, "", venue=whole.venue, space_name="West half", parent=whole)
    db.session.commit()
    make.booking(east, local_datetime(THURSDAY, time(18)), local_datetime(THURSDAY, time(20)))
    assert listed(search(client, **on(THURSDAY, "18:00", "20:00"))) == ["Split Hall: West half"]


def test_closures_of_the_venue_or_the_space_keep_it_out(client, make):
    venue_closed = hall(make, "Venue Closed Hall")
    space_closed = hall(make, "Space Closed Hall")
    hall(make, "Open Hall")
    starts, ends = local_datetime(THURSDAY, time(0)), local_datetime(THURSDAY + timedelta(days=1), time(0))
    db.session.add_all([Closure(venue=venue_closed.venue, starts_at=starts, ends_at=ends, reason="Holiday"),
                        Closure(space=space_closed, starts_at=starts, ends_at=ends, reason="Repairs")])
    db.session.commit()
    assert listed(search(client, **on(THURSDAY, "10:00", "12:00"))) == ["Open Hall: Main hall"]
    assert listed(search(client, **on(THURSDAY))) == ["Open Hall: Main hall"]


def test_booking_rules_of_the_space_decide_if_it_is_listed(client, make):
    hall(make, "Long Notice Hall", min_notice_hours=24 * 60)
    hall(make, "Short Horizon Hall", booking_horizon_days=3)
    hall(make, "Three Hours Minimum Hall", min_booking_minutes=180)
    hall(make, "One Hour Maximum Hall", max_booking_minutes=60)
    hall(make, "Easy Hall")
    db.session.commit()
    assert listed(search(client, **on(THURSDAY, "18:00", "20:00"))) == ["Easy Hall: Main hall"]


def test_a_time_that_fits_only_some_opening_hours_lists_those_spaces(client, make):
    hall(make, "Day Hall", hours=[(0, 7, time(9), time(17))])
    hall(make, "Evening Hall", hours=[(0, 7, time(17), time(23))])
    db.session.commit()
    assert listed(search(client, **on(THURSDAY, "18:00", "20:00"))) == ["Evening Hall: Main hall"]
    assert listed(search(client, **on(THURSDAY, "16:00", "18:00"))) == []


def test_any_time_that_day_lists_the_free_times(client, make):
    space = hall(make, "Daytime Hall", hours=[(0, 7, time(9), time(17))], turnaround_minutes=0)
    full = hall(make, "Full Hall", hours=[(0, 7, time(9), time(10))])
    db.session.commit()
    make.booking(space, local_datetime(THURSDAY, time(12)), local_datetime(THURSDAY, time(14)))
    make.booking(full, local_datetime(THURSDAY, time(9)), local_datetime(THURSDAY, time(10)))
    soup = search(client, **on(THURSDAY))
    assert listed(soup) == ["Daytime Hall: Main hall"]
    item = result(soup, "Daytime Hall: Main hall")
    assert "Free times 9am to midday, 2pm to 5pm" in text_of(item)
    link = next(a for a in item.select("a") if text_of(a).startswith("Choose a time and book"))
    assert link["href"] == f"/venues/daytime-hall/main-hall?week={THURSDAY.isoformat()}#availability"
    assert "Free at some time on" in text_of(soup.select_one("#results"))


def test_a_place_name_goes_to_the_configured_geocoder(client, make, app, monkeypatch):
    class Dalston:
        latitude, longitude = 51.5461, -0.0755

    class FakeGeocoder:
        def geocode(self, query, timeout):
            return Dalston() if query.startswith("Dalston") else None

    monkeypatch.setitem(app.extensions, GEOCODER_KEY, FakeGeocoder())
    hall(make, "Near Dalston Hall", "E8 3BN")
    db.session.commit()
    soup = search(client, where="Dalston")
    assert listed(soup) == ["Near Dalston Hall: Main hall"]
    assert text_of(soup.select_one("#results h2")) == "Spaces near Dalston"
    assert summary_errors(search(client, where="Atlantis")) == [
        ("We could not find that place. Check the spelling or enter a postcode", "#where")]


def test_the_geocoder_is_built_once_from_the_app_config(app, monkeypatch):
    assert app.config["GEOCODER"] == ""
    assert app.extensions[GEOCODER_KEY] is None  # built at start-up, for search and the staff pages alike
    assert app_geocoder(app) is None
    shared = object()
    monkeypatch.setitem(app.extensions, GEOCODER_KEY, shared)
    assert app_geocoder(app) is shared


def test_results_come_twenty_to_a_page(client, make):
    for n in range(25):
        hall(make, f"Hall {n:02d}")
    db.session.commit()
    first = search(client, where="E8 1DY")
    assert len(listed(first)) == 20
    assert "Showing 1 to 20" in text_of(first.select_one("#results"))
    next_link = first.select_one(".govuk-pagination__next a")
    assert "page=2" in next_link["href"] and "where=E8+1DY" in next_link["href"]
    second = page(client.get(next_link["href"]))
    assert len(listed(second)) == 5
    assert "Showing 21 to 25" in text_of(second.select_one("#results"))
    assert second.select_one(".govuk-pagination__next") is None
    assert second.select_one(".govuk-pagination__prev a")["href"].endswith("page=1")


def test_the_last_page_offers_no_next_page_even_when_more_spaces_match(client, make, monkeypatch):
    monkeypatch.setattr("spacebank.venues.search.PAGE_SIZE", 2)
    for n in range(12):  # one more than five pages of two
        hall(make, f"Hall {n:02d}")
    db.session.commit()
    fifth = search(client, where="E8 1DY", page="5")
    assert len(listed(fifth)) == 2
    assert "Showing 9 to 10" in text_of(fifth.select_one("#results"))
    assert fifth.select_one(".govuk-pagination__next") is None


def test_without_a_postcode_pages_go_on_across_batches_in_name_order(client, make, monkeypatch):
    monkeypatch.setattr("spacebank.venues.search.PAGE_SIZE", 2)
    monkeypatch.setattr("spacebank.venues.search.NAME_BATCH", 2)
    for name in ["E Hall", "B Hall", "D Hall", "A Hall", "C Hall"]:
        hall(make, name)
    db.session.commit()
    second = search(client, where="", page="2")
    assert listed(second) == ["C Hall: Main hall", "D Hall: Main hall"]
    assert second.select_one(".govuk-pagination__next a")["href"].endswith("page=3")
    assert listed(search(client, where="", page="3")) == ["E Hall: Main hall"]


@pytest.mark.parametrize("page_number", ["0", "-1", "abc", "6", "99999999999", "2"])
def test_a_page_that_is_not_there_is_not_found(client, make, page_number):
    hall(make, "Only Hall")
    db.session.commit()
    assert client.get("/spaces", query_string={"where": "", "page": page_number}).status_code == 404


def test_no_results_explains_what_to_try(client, make):
    hall(make, "Small Hall", capacity_seated=5, capacity_standing=5)
    db.session.commit()
    soup = search(client, where="E8 1DY", people="500")
    assert text_of(soup.select_one("#results h2")) == "No spaces match your search"
    assert "We looked up to 32 miles from E8 1DY" in text_of(soup.select_one("#results"))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"where": "ZZ99 9ZZ"}, "where", "We could not find that postcode. Check it and try again, for example E8 1DY"),
    ({"where": "E8 1DY!!"}, "where", "Enter a postcode, like E8 1DY"),
    ({"where": "12345"}, "where", "Enter a postcode, like E8 1DY"),
    ({"where": "x" * 101}, "where", "Postcode or place must be 100 characters or fewer"),
    ({"date": ["30", "2", "2030"]}, "date", "Date must be a real date"),
    ({"date": ["1", "13", "2030"]}, "date", "Date must be a real date"),
    ({"date": ["one", "2", "2030"]}, "date", "Date must be a real date"),
    ({"date": ["1", "", "2030"]}, "date", "Date must include a month"),
    ({"date": ["", "", "2030"]}, "date", "Date must include a day and month"),
    ({"date": ["1", "2", "30"]}, "date", "Year must include 4 numbers"),
    ({"date": ["1", "2"]}, "date", "Date must be a real date"),
    ({"date": "2030-02-30"}, "date", "Date must be a real date"),
    ({"date": ["1", "1", "2020"]}, "date", "Date must be today or in the future"),
    ({"date": ["1", "1", "2099"]}, "date", "Date must be within the next 12 months"),
    ({"start": "18:00", "end": "20:00"}, "date", "Enter a date to search for a time"),
    ({"people": "lots"}, "people", "Number of people must be a whole number, like 20"),
    ({"people": "2.5"}, "people", "Number of people must be a whole number, like 20"),
    ({"people": "-5"}, "people", "Number of people must be 1 or more"),
    ({"people": "0"}, "people", "Number of people must be 1 or more"),
    ({"people": "99999999999999999999"}, "people", "Number of people must be 1,000 or fewer"),
    ({"category": "royalty"}, "category", "Select who is booking"),
    ({"kind": "castle"}, "kind", "Select a type of venue from the list"),
    ({"needs": ["kitchen", "helipad"]}, "needs", "Select facilities and access needs from the list"),
    ({"price": "cheap"}, "price", "Select a price option"),
    ({"price": "under"}, "max_price", "Enter the most you want to pay an hour, like 15"),
    ({"price": "under", "max_price": "twenty"}, "max_price", "Price must be an amount of money, like 15 or 12.50"),
    ({"price": "under", "max_price": "-5"}, "max_price", "Price must be an amount of money, like 15 or 12.50"),
    ({"price": "under", "max_price": "5000"}, "max_price", "Price must be £1,000 or less"),
    ({"price": "free", "category": "resident"}, "price",
     "Only verified community groups can use spaces for free. Select ‘Verified community group’ as who is booking, "
     "or choose another price"),
])
def test_bad_input_gets_a_specific_message_in_the_summary_and_by_the_field(client, make, params, field, message):
    soup = search(client, **params)
    href = "#date-day" if field == "date" else f"#{field}"
    assert summary_errors(soup) == [(message, href)]
    assert field_error(soup, field) == message
    assert soup.title.get_text().startswith("Error: Find a space")
    assert listed(soup) == []


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    ("20:00", "18:00", "end", "End time must be after the start time"),
    ("18:00", "18:00", "end", "End time must be after the start time"),
    ("25:00", "26:00", "start", "Start time must be a real time, like 18:00 or 6pm"),
    ("18:75", "20:00", "start", "Start time must be a real time, like 18:00 or 6pm"),
    ("6pm", "banana", "end", "End time must be a real time, like 18:00 or 6pm"),
    ("18:00", "", "end", "Enter an end time, or leave both times empty to see any time that day"),
    ("", "20:00", "start", "Enter a start time, or leave both times empty to see any time that day"),
])
def test_times_that_make_no_sense_get_a_specific_message(client, make, start, end, field, message):
    soup = search(client, **on(THURSDAY, start, end))
    assert (message, f"#{field}") in summary_errors(soup)
    assert field_error(soup, field) == message


def test_times_can_be_typed_the_way_people_say_them(client, make):
    hall(make, "Any Hall")
    db.session.commit()
    soup = search(client, **on(THURSDAY, "6pm", "8.30 pm"))
    assert listed(soup) == ["Any Hall: Main hall"]
    assert soup.select_one("#start")["value"] == "18:00"
    assert soup.select_one("#end")["value"] == "20:30"


def test_an_end_time_of_midnight_means_the_end_of_the_day(client, make):
    hall(make, "Late Hall", hours=[(0, 7, time(9), time(23, 59))])
    db.session.commit()
    soup = search(client, **on(THURSDAY, "10pm", "midnight"))
    assert listed(soup) == ["Late Hall: Main hall"]
    assert "Free on" in text_of(soup.select_one("#results")) and "10pm to 11:59pm" in text_of(soup.select_one("#results"))


def test_a_time_when_nothing_is_open_says_when_spaces_are_open(client, make):
    hall(make, "Day Hall", hours=[(0, 7, time(9), time(23, 59))])
    db.session.commit()
    soup = search(client, where="E8 1DY", **on(THURSDAY, "02:00", "04:00"))
    message = "Choose a time when spaces are open. On Thursdays spaces are open from 9am to midnight"
    assert summary_errors(soup) == [(message, "#start")]
    assert field_error(soup, "start") == message
    assert soup.select_one("#results h2") is None


def test_a_day_when_nothing_is_open_says_so(client, make):
    hall(make, "Weekday Hall", hours=[(0, 5, time(9), time(17))])
    db.session.commit()
    sunday = future_day(weekday=6)
    soup = search(client, **on(sunday, "10:00", "12:00"))
    assert summary_errors(soup) == [("No spaces are open on Sundays. Choose another date", "#date-day")]


def test_a_start_time_earlier_today_is_refused(client, make):
    soup = search(client, **on(today_local(), "00:00", "00:30"))
    assert field_error(soup, "end") == "Start time must be in the future"


def test_the_form_keeps_what_was_typed_after_an_error(client):
    soup = search(client, where="ZZ99 9ZZ", people="lots", **on(THURSDAY, "6pm", "8pm"))
    assert soup.select_one("#where")["value"] == "ZZ99 9ZZ"
    assert soup.select_one("#people")["value"] == "lots"
    assert soup.select_one("#date-day")["value"] == str(THURSDAY.day)
    assert soup.select_one("#date-year")["value"] == str(THURSDAY.year)


@pytest.mark.parametrize("query", [
    "date=1&date=2&date=2030&date=4", "date=", "date=%00&date=%00&date=%00", "start=%FF", "people=%00",
    "where=%00", "needs=", "date=9999999999999&date=1&date=2030", "kind=&category=&price=",
])
def test_strange_query_strings_are_never_a_server_error(client, query):
    response = client.get(f"/spaces?{query}")
    assert response.status_code in (200, 400)  # NUL bytes are refused before any view runs
