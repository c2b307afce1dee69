"""Venues, spaces, opening hours, rates and photos in the staff back office."""

import io
from datetime import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from spacebank.audit import AuditEvent
from spacebank.extensions import db
from spacebank.venues.models import OpeningHours, Space, Tariff, Venue, VenuePhoto
from tests.admin_fixtures import audit_actions, council, error_summary, post_form, signed_in  # noqa: F401
from tests.conftest import page, text_of

STAFF_FORM = "/admin/book-for-caller/"


def venue_form(**overrides) -> dict:
    data = {"name": "Mildmay Community Hall", "kind": "community_hall", "address_line_1": "1 Mildmay Grove",
            "town": "London", "postcode": "e8 1dy", "description": "A bright hall.", "features": ["step_free_access"]}
    data.update(overrides)
    return data


def space_form(venue, **overrides) -> dict:
    data = {"venue_id": str(venue.id), "parent_id": "", "name": "Back room", "capacity_seated": "20",
            "capacity_standing": "30", "min_booking_minutes": "60", "max_booking_minutes": "240",
            "turnaround_minutes": "15", "min_notice_hours": "24", "booking_horizon_days": "90",
            "cancellation_notice_hours": "48", "is_bookable": "y", "facilities": ["has_wifi", "has_kitchen"]}
    data.update(overrides)
    return data


@pytest.fixture
def housing(app, council):
    return signed_in(app, council.people["housing"])


# ---------------------------------------------------------------- venues

def test_an_officer_adds_a_venue_to_their_own_service_placed_by_its_postcode(app, council, housing):
    page_html = page(housing.get("/admin/venue/new/"))
    assert page_html.select_one("#service_id") is None, "officers do not choose a service"
    response = post_form(housing, "/admin/venue/new/", venue_form(service_id=str(council.library.service.id)))
    assert response.status_code == 302
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall"))
    assert venue.service_id == council.housing.service.id
    assert venue.postcode == "E8 1DY"
    assert venue.slug == "mildmay-community-hall"
    assert venue.step_free_access and not venue.hearing_loop
    from spacebank.geo import lookup_postcode

    place = lookup_postcode("E8 1DY")
    assert (venue.latitude, venue.longitude) == (place.latitude, place.longitude)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "venue.created"))
    assert event.actor_id == council.people["housing"].id and event.object_id == venue.id
    assert event.after["name"] == "Mildmay Community Hall" and event.before is None


@pytest.mark.parametrize("overrides,field,message", [
    ({"name": ""}, "name", "Enter the venue name"),
    ({"postcode": "E8 1D"}, "postcode", "Enter a real postcode, like E8 1DY"),
    ({"postcode": "E8"}, "postcode", "Enter a real postcode, like E8 1DY"),
    ({"postcode": "ZZ99 9ZZ"}, "postcode", "We could not find that postcode. Check it and try again, for example E8 1DY"),
    ({"latitude": "51.5"}, "longitude", "Enter both latitude and longitude, or leave both empty"),
    ({"latitude": "91", "longitude": "0"}, "latitude", "Latitude must be a number between -90 and 90"),
    ({"latitude": "north", "longitude": "0"}, "latitude", "Latitude must be a number between -90 and 90"),
    ({"kind": "castle"}, "kind", "Select the type of venue"),
    ({"features": ["jacuzzi"]}, "features", "Select accessibility features from the list"),
    ({"contact_email": "not-an-email"}, "contact_email", "Enter an email address in the correct format, like name@example.com"),
    ({"name": "x" * 121}, "name", "Venue name must be 120 characters or fewer"),
])
def test_a_venue_form_with_a_mistake_explains_it(app, council, housing, overrides, field, message):
    response = post_form(housing, "/admin/venue/new/", venue_form(**overrides))
    assert response.status_code == 200
    soup = page(response)
    assert soup.title.string.startswith("Error: Add venue")
    assert message in error_summary(response)
    assert message in text_of(soup.select_one(f"#{field}-error")) or message in text_of(soup.select_one(".govuk-error-message"))
    assert db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall")) is None


def test_typed_coordinates_override_the_postcode(app, council, housing):
    post_form(housing, "/admin/venue/new/", venue_form(latitude="51.5500", longitude="-0.0700"))
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall"))
    assert (venue.latitude, venue.longitude) == (51.55, -0.07)


def test_changing_the_postcode_but_not_the_coordinates_moves_the_pin(app, council, housing):
    from spacebank.geo import lookup_postcode

    venue = council.housing.venue
    response = post_form(housing, f"/admin/venue/edit/?id={venue.id}", venue_form(
        name=venue.name, postcode="N16 0UG", latitude=str(venue.latitude), longitude=str(venue.longitude)))
    assert response.status_code == 302
    db.session.refresh(venue)
    place = lookup_postcode("N16 0UG")
    assert (venue.postcode, venue.latitude, venue.longitude) == ("N16 0UG", place.latitude, place.longitude)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "venue.updated"))
    assert event.before["postcode"] == "E8 1DY" and event.after["postcode"] == "N16 0UG"


class StubGeocoder:
    """Stands in for Nominatim: answers with a fixed point, or fails like a network error."""

    def __init__(self, point=None):
        self.point, self.queries = point, []

    def geocode(self, query, timeout=None):
        from geopy.exc import GeocoderUnavailable

        self.queries.append(query)
        if self.point is None:
            raise GeocoderUnavailable("no network")
        return type("Location", (), {"latitude": self.point[0], "longitude": self.point[1]})()


@pytest.fixture
def geocoder(app):
    original = app.extensions.get("spacebank_geocoder")
    yield lambda stub: app.extensions.__setitem__("spacebank_geocoder", stub)
    app.extensions["spacebank_geocoder"] = original


def test_a_configured_geocoder_places_the_address(app, council, housing, geocoder):
    stub = StubGeocoder((51.5461, -0.0559))
    geocoder(stub)
    post_form(housing, "/admin/venue/new/", venue_form())
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall"))
    assert (venue.latitude, venue.longitude) == (51.5461, -0.0559)
    assert stub.queries == ["1 Mildmay Grove, E8 1DY, London, UK"]


def test_when_the_geocoder_fails_the_offline_postcode_is_used(app, council, housing, geocoder):
    from spacebank.geo import lookup_postcode

    geocoder(StubGeocoder(None))
    post_form(housing, "/admin/venue/new/", venue_form())
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall"))
    place = lookup_postcode("E8 1DY")
    assert (venue.latitude, venue.longitude) == (place.latitude, place.longitude)


def test_an_administrator_chooses_the_service_and_an_officer_cannot_change_it(app, council):
    admin = signed_in(app, council.people["admin"])
    post_form(admin, "/admin/venue/new/", venue_form(service_id=str(council.library.service.id)))
    venue = db.session.scalar(sa.select(Venue).where(Venue.name == "Mildmay Community Hall"))
    assert venue.service_id == council.library.service.id

    housing = signed_in(app, council.people["housing"])
    own = council.housing.venue
    response = post_form(housing, f"/admin/venue/edit/?id={own.id}", venue_form(
        name="Pembury Hall renamed", service_id=str(council.library.service.id)))
    assert response.status_code == 302
    db.session.refresh(own)
    assert own.name == "Pembury Hall renamed" and own.service_id == council.housing.service.id


def test_publishing_and_unpublishing_venues_is_audited(app, council, housing):
    venue = council.housing.venue
    response = post_form(housing, "/admin/venue/action/", {"action": "unpublish", "rowid": str(venue.id)},
                         token_url=STAFF_FORM)
    assert response.status_code == 302
    db.session.refresh(venue)
    assert venue.is_published is False
    post_form(housing, "/admin/venue/action/", {"action": "publish", "rowid": [str(venue.id), "junk"]}, token_url=STAFF_FORM)
    db.session.refresh(venue)
    assert venue.is_published is True
    assert audit_actions("venue") == ["venue.unpublished", "venue.published"]


def test_a_venue_page_lists_its_spaces_photos_and_closures_with_links(app, council, housing):
    venue = council.housing.venue
    soup = page(housing.get(f"/admin/venue/details/?id={venue.id}"))
    assert text_of(soup.select_one("h1")) == "Venue details"
    spaces = soup.select_one("table")
    assert "Main room" in text_of(spaces)
    links = {text_of(a) for a in soup.select("main a")}
    assert "Add a space to Pembury Hall" in links and "Add a photo of Pembury Hall" in links
    assert "Close this venue for a period" in links


# ---------------------------------------------------------------- spaces

def test_an_officer_adds_a_space_with_its_facilities(app, council, housing):
    venue = council.housing.venue
    response = post_form(housing, f"/admin/space/new/?venue_id={venue.id}", space_form(venue))
    assert response.status_code == 302
    space = db.session.scalar(sa.select(Space).where(Space.name == "Back room"))
    assert space.venue_id == venue.id and space.slug == "back-room"
    assert space.has_wifi and space.has_kitchen and not space.has_stage
    assert "space.created" in audit_actions("space")


def test_the_new_space_form_starts_with_the_venue_it_came_from(app, council, housing):
    venue = council.housing.venue
    soup = page(housing.get(f"/admin/space/new/?venue_id={venue.id}"))
    assert soup.select_one("#venue_id option[selected]")["value"] == str(venue.id)


@pytest.mark.parametrize("overrides,message", [
    ({"capacity_seated": "0", "capacity_standing": "0"}, "Enter a seated or standing capacity of 1 or more"),
    ({"capacity_seated": "-5"}, "Seated capacity must be 0 or more"),
    ({"capacity_seated": "twenty"}, "Seated capacity must be a whole number"),
    ({"min_booking_minutes": "120", "max_booking_minutes": "60"},
     "The longest booking must be at least as long as the shortest booking"),
    ({"turnaround_minutes": ""}, "Enter the time between bookings"),
    ({"name": ""}, "Enter the space name"),
])
def test_a_space_form_with_a_mistake_explains_it(app, council, housing, overrides, message):
    response = post_form(housing, "/admin/space/new/", space_form(council.housing.venue, **overrides))
    assert response.status_code == 200
    assert message in error_summary(response)
    assert db.session.scalar(sa.select(Space).where(Space.name == "Back room")) is None


def test_a_space_can_only_be_part_of_a_space_in_the_same_venue(app, council, make):
    admin = signed_in(app, council.people["admin"])
    response = post_form(admin, "/admin/space/new/", space_form(
        council.housing.venue, parent_id=str(council.library.space.id)))
    assert "Choose a space in the same venue" in error_summary(response)


# ---------------------------------------------------------------- opening hours

def hours_form(space, **overrides):
    data = {"space_id": str(space.id), "weekdays": ["0", "1", "2"], "opens_at": "09:00", "closes_at": "17:30"}
    data.update(overrides)
    return data


@pytest.fixture
def empty_space(make, council):
    space = make.space(venue=council.housing.venue, name="Studio", hours=(), tariffs={})
    db.session.commit()
    return space


def test_opening_hours_are_added_for_several_days_at_once(app, council, housing, empty_space):
    response = post_form(housing, "/admin/opening-hours/new/", hours_form(empty_space, opens_at="9am", closes_at="5:30pm"))
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(OpeningHours).where(OpeningHours.space_id == empty_space.id)
                              .order_by(OpeningHours.weekday)).all()
    assert [(r.weekday, r.opens_at, r.closes_at) for r in rows] == [(d, time(9), time(17, 30)) for d in (0, 1, 2)]
    assert audit_actions("openinghours").count("opening_hours.created") == 3


@pytest.mark.parametrize("overrides,message", [
    ({"opens_at": "17:00", "closes_at": "09:00"}, "The closing time must be after the opening time"),
    ({"opens_at": "25:00"}, "Enter the opening time as a real time, like 09:00 or 17:30"),
    ({"opens_at": ""}, "Enter the opening time"),
    ({"weekdays": []}, "Select the days these hours apply to"),
    ({"weekdays": ["7"]}, "Select the days these hours apply to"),
])
def test_opening_hours_with_a_mistake_are_explained(app, council, housing, empty_space, overrides, message):
    response = post_form(housing, "/admin/opening-hours/new/", hours_form(empty_space, **overrides))
    assert response.status_code == 200
    assert message in error_summary(response)


def test_overlapping_opening_hours_on_the_same_day_are_refused(app, council, housing):
    space = council.housing.space  # open 9am to 11pm every day
    response = post_form(housing, "/admin/opening-hours/new/", hours_form(space, weekdays=["3"], opens_at="22:00",
                                                                           closes_at="23:30"))
    assert ("These hours overlap Thursday 09:00 to 23:00. Change the times or change the existing hours"
            in error_summary(response))
    hours = council.housing.hours
    response = post_form(housing, f"/admin/opening-hours/edit/?id={hours.id}", {
        "space_id": str(space.id), "weekday": str(hours.weekday), "opens_at": "08:00", "closes_at": "23:00"})
    assert response.status_code == 302, "changing a range does not clash with itself"


# ---------------------------------------------------------------- rates

def tariff_form(space, **overrides):
    data = {"space_id": str(space.id), "category": "commercial", "pence_per_hour": "£12.50",
            "billing_unit_minutes": "30", "deposit_pence": "50"}
    data.update(overrides)
    return data


def test_a_rate_is_typed_in_pounds_and_stored_in_pence(app, council, housing, empty_space):
    response = post_form(housing, "/admin/rates/new/", tariff_form(empty_space))
    assert response.status_code == 302
    tariff = db.session.scalar(sa.select(Tariff).where(Tariff.space_id == empty_space.id))
    assert (tariff.pence_per_hour, tariff.deposit_pence, tariff.billing_unit_minutes) == (1250, 5000, 30)


@pytest.mark.parametrize("overrides,message", [
    ({"pence_per_hour": "-3"}, "The price per hour must be £0 or more"),
    ({"pence_per_hour": "twelve"}, "Enter the price per hour in pounds and pence, like 12.50"),
    ({"pence_per_hour": "12.505"}, "Enter the price per hour in pounds and pence, like 12.50"),
    ({"pence_per_hour": ""}, "Enter the price per hour"),
    ({"billing_unit_minutes": "45"}, "Select how time is charged"),
    ({"free_for_verified_groups": "y"}, "Only the verified community group rate can be free"),
])
def test_a_rate_with_a_mistake_is_explained(app, council, housing, empty_space, overrides, message):
    response = post_form(housing, "/admin/rates/new/", tariff_form(empty_space, **overrides))
    assert message in error_summary(response)


def test_a_space_has_one_rate_per_kind_of_hirer(app, council, housing):
    response = post_form(housing, "/admin/rates/new/", tariff_form(council.housing.space))
    assert ("This space already has a rate for private or commercial hire. Change that rate instead"
            in error_summary(response))


# ---------------------------------------------------------------- photos

def image_bytes(fmt="PNG", size=(20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(client, venue, data: bytes, filename="hall.png", alt="Main hall set for a party"):
    from tests.conftest import csrf_token

    return client.post("/admin/photos/new/", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/admin/photos/new/"), "venue_id": str(venue.id), "alt_text": alt,
        "position": "1", "upload": (io.BytesIO(data), filename)})


def test_a_photo_is_checked_and_stored_under_a_random_name(app, council, housing):
    response = upload(housing, council.housing.venue, image_bytes("JPEG"), filename="../../etc/passwd.png")
    assert response.status_code == 302
    photo = db.session.scalar(sa.select(VenuePhoto).where(VenuePhoto.alt_text == "Main hall set for a party"))
    stored = Path(app.instance_path) / "uploads" / photo.filename
    try:
        assert photo.filename.endswith(".jpg") and "passwd" not in photo.filename and len(photo.filename) == 36
        assert stored.read_bytes() == image_bytes("JPEG")
        served = housing.get(f"/admin/photos/file/{photo.id}")
        assert served.status_code == 200 and served.data == stored.read_bytes()
        library = signed_in(app, council.people["library"])
        assert library.get(f"/admin/photos/file/{photo.id}").status_code == 404
    finally:
        stored.unlink(missing_ok=True)


@pytest.mark.parametrize("data,filename,alt,message", [
    (b"GIF89a not really", "hall.gif", "A hall", "The photo must be a JPEG, PNG or WebP image"),
    (b"%PDF-1.4", "hall.png", "A hall", "The photo must be a JPEG, PNG or WebP image"),
    (None, "hall.png", "", "Describe the photo for people who cannot see it"),
    (b"", "hall.png", "A hall", "The selected photo is empty"),
])
def test_a_photo_that_is_not_an_allowed_image_is_refused(app, council, housing, data, filename, alt, message):
    response = upload(housing, council.housing.venue, image_bytes() if data is None else data, filename, alt)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VenuePhoto)) == 2  # the fixtures' own


def test_a_gif_image_is_refused_even_when_pillow_can_read_it(app, council, housing):
    response = upload(housing, council.housing.venue, image_bytes("GIF"), "hall.gif")
    assert "The photo must be a JPEG, PNG or WebP image" in error_summary(response)


def test_a_photo_over_the_size_limit_is_refused(app, council, housing):
    limit = app.config["UPLOAD_MAX_BYTES"]
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    try:
        response = upload(housing, council.housing.venue, image_bytes() + b"\0" * (1024 * 1024))
        assert "The photo must be smaller than 1 MB" in error_summary(response)
    finally:
        app.config["UPLOAD_MAX_BYTES"] = limit
