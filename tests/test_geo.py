"""Tests for spacebank.geo: offline postcode lookup, geocoding and distances.

No Flask app and no network: place-name geocoding uses a fake geocoder.
"""

from __future__ import annotations

import math

import pytest
from geopy.distance import geodesic
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from hypothesis import given
from hypothesis import strategies as st

from spacebank import geo
from spacebank.geo import LocationError, Place

HACKNEY_TOWN_HALL = (51.5450, -0.0553)
TRAFALGAR_SQUARE = (51.5080, -0.1281)
MANCHESTER_PICCADILLY = (53.4774, -2.2309)


class FakeLocation:
    def __init__(self, latitude: float, longitude: float) -> None:
        self.latitude = latitude
        self.longitude = longitude
        self.address = "Somewhere, London"


class FakeGeocoder:
    """Stands in for geopy's Nominatim: records calls, returns or raises."""

    def __init__(self, result: object = None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.calls: list[tuple[str, dict]] = []

    def geocode(self, query: str, **kwargs: object) -> object:
        self.calls.append((query, kwargs))
        if self.error is not None:
            raise self.error
        return self.result


def in_hackney(place: Place) -> bool:
    return 51.5 < place.latitude < 51.6 and -0.1 < place.longitude < 0.0


# --- normalise_postcode --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E8 1DY", "E8 1DY"),
        ("e81dy ", "E8 1DY"),
        ("  e8   1dy", "E8 1DY"),
        ("n16 5aa", "N16 5AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("e8", "E8"),
        ("EC1A", "EC1A"),
        ("E8 1", "E8 1"),
        ("e8\u00a01dy", "E8 1DY"),  # pasted non-breaking space
        ("", None),
        ("E8 1D", None),
        ("Dalston", None),
        ("<script>", None),
        ("1E8 1DY", None),
        ("E8 1DY1", None),
        ("\u212a8 1DY", None),  # Kelvin sign, which upper-cases to K
    ],
)
def test_normalise_postcode(text: str, expected: str | None) -> None:
    assert geo.normalise_postcode(text) == expected


# --- lookup_postcode -----------------------------------------------------------


def test_full_postcode_in_hackney() -> None:
    place = geo.lookup_postcode("E8 1DY")
    assert place.precision == "postcode"
    assert place.label == "E8 1DY"
    assert in_hackney(place)


def test_lower_case_without_space() -> None:
    assert geo.lookup_postcode("e81dy") == geo.lookup_postcode("E8 1DY")


def test_district_and_sector_centroids() -> None:
    district = geo.lookup_postcode("e8")
    assert district.precision == "district"
    assert district.latitude == pytest.approx(51.54109, abs=1e-4)
    assert district.longitude == pytest.approx(-0.06486, abs=1e-4)

    sector = geo.lookup_postcode("E8 1")
    assert sector.precision == "sector"
    assert sector.latitude == pytest.approx(51.54453, abs=1e-4)
    assert sector.longitude == pytest.approx(-0.06017, abs=1e-4)


def test_unknown_full_postcode_falls_back_to_sector() -> None:
    # "C" is never used in an inward code, so E8 1CC cannot exist, but E8 1 does.
    place = geo.lookup_postcode("E8 1CC")
    assert place.precision == "sector"
    assert place.label == "E8 1CC"
    assert (place.latitude, place.longitude) == (
        geo.lookup_postcode("E8 1").latitude,
        geo.lookup_postcode("E8 1").longitude,
    )


def test_unknown_sector_falls_back_to_district() -> None:
    # There is no E8 7 sector, but there is an E8 district.
    place = geo.lookup_postcode("E8 7CC")
    assert place.precision == "district"
    assert place.point == geo.lookup_postcode("E8").point


def test_full_postcode_outside_hackney_uses_sector() -> None:
    place = geo.lookup_postcode("SW1A 1AA")
    assert place.precision == "sector"
    assert 51.49 < place.latitude < 51.51 and -0.15 < place.longitude < -0.13


def test_made_up_district_is_not_found() -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.lookup_postcode("E99 9ZZ")
    assert excinfo.value.message == (
        "We could not find that postcode. Check it and try again, for example E8 1DY"
    )


@pytest.mark.parametrize("text", ["<script>", "", "E8 1D", "hello world"])
def test_malformed_postcode(text: str) -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.lookup_postcode(text)
    assert excinfo.value.message == "Enter a real postcode, like E8 1DY"


def test_location_error_is_a_value_error() -> None:
    assert issubclass(LocationError, ValueError)
    assert str(LocationError("Hello")) == "Hello"


# --- geocode -------------------------------------------------------------------


def test_geocode_postcode_works_offline() -> None:
    geocoder = FakeGeocoder(error=AssertionError("should not be called"))
    place = geo.geocode("  e8 1dy ", geocoder)
    assert place.precision == "postcode"
    assert geocoder.calls == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_geocode_empty(query: str) -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.geocode(query)
    assert excinfo.value.message == "Enter a postcode or place"


def test_geocode_too_long() -> None:
    geocoder = FakeGeocoder(result=FakeLocation(51.55, -0.07))
    with pytest.raises(LocationError):
        geo.geocode("a" * 101, geocoder)
    assert geocoder.calls == []


@pytest.mark.parametrize("query", ["Dalston", "<script>", "E99 9ZZ!"])
def test_geocode_place_without_geocoder(query: str) -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.geocode(query)
    assert excinfo.value.message == "Enter a postcode, like E8 1DY"


def test_geocode_made_up_district() -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.geocode("E99 9ZZ", FakeGeocoder(result=FakeLocation(51.55, -0.07)))
    assert excinfo.value.message.startswith("We could not find that postcode")


def test_geocode_place_with_geocoder() -> None:
    geocoder = FakeGeocoder(result=FakeLocation(51.5462, -0.0750))
    place = geo.geocode(" Dalston ", geocoder)
    assert place == Place(51.5462, -0.0750, label="Dalston", precision="place")
    assert geocoder.calls == [("Dalston, London, UK", {"timeout": 3})]


@pytest.mark.parametrize(
    "error", [GeocoderTimedOut("slow"), GeocoderServiceError("down"), OSError("network")]
)
def test_geocode_geocoder_failure(error: Exception) -> None:
    with pytest.raises(LocationError) as excinfo:
        geo.geocode("Dalston", FakeGeocoder(error=error))
    assert excinfo.value.message == (
        "We could not look up that place just now. Enter a postcode instead"
    )


@pytest.mark.parametrize(
    "result", [None, FakeLocation(40.7128, -74.0060), FakeLocation(math.nan, 0.0), object()]
)
def test_geocode_place_not_found(result: object) -> None:
    # No match, a match far outside the UK, or a nonsense result.
    with pytest.raises(LocationError):
        geo.geocode("Dalston", FakeGeocoder(result=result))


@given(st.text(max_size=150))
def test_geocode_only_raises_location_error(query: str) -> None:
    for geocoder in (None, FakeGeocoder(result=FakeLocation(51.55, -0.07))):
        try:
            place = geo.geocode(query, geocoder)
        except LocationError as exc:
            assert exc.message
        else:
            assert isinstance(place, Place)
            assert 49 < place.latitude < 61 and -9 < place.longitude < 3


@given(st.from_regex(r"\A\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9]?[A-Za-z]{0,2}\s*\Z"))
def test_postcode_shaped_text_only_raises_location_error(query: str) -> None:
    try:
        place = geo.geocode(query)
    except LocationError as exc:
        assert exc.message
    else:
        assert place.precision in {"postcode", "sector", "district"}


# --- make_geocoder -------------------------------------------------------------


@pytest.mark.parametrize("name", [None, ""])
def test_make_geocoder_none(name: str | None) -> None:
    assert geo.make_geocoder(name, "spacebank-tests") is None


def test_make_geocoder_nominatim() -> None:
    from geopy.geocoders import Nominatim

    geocoder = geo.make_geocoder("nominatim", "spacebank-tests")
    assert isinstance(geocoder, Nominatim)  # constructing it makes no request


def test_make_geocoder_unknown() -> None:
    with pytest.raises(ValueError):
        geo.make_geocoder("googel", "spacebank-tests")


# --- distances -----------------------------------------------------------------


def test_distance_miles_plausible() -> None:
    # Hackney Town Hall to Trafalgar Square is about 4 miles as the crow flies.
    assert 3.5 < geo.distance_miles(HACKNEY_TOWN_HALL, TRAFALGAR_SQUARE) < 4.5
    assert 155 < geo.distance_miles(TRAFALGAR_SQUARE, MANCHESTER_PICCADILLY) < 170
    assert geo.distance_miles(HACKNEY_TOWN_HALL, HACKNEY_TOWN_HALL) == 0


def test_distance_miles_is_within_half_a_percent_of_the_geodesic_across_london() -> None:
    from geopy.distance import geodesic

    e8, n16 = geo.lookup_postcode("E8 1DY").point, geo.lookup_postcode("N16").point
    for a, b in [(HACKNEY_TOWN_HALL, TRAFALGAR_SQUARE), (e8, n16)]:
        exact = geodesic(a, b).miles
        assert abs(geo.distance_miles(a, b) - exact) <= 0.005 * exact


def test_distance_between_postcodes() -> None:
    e8 = geo.lookup_postcode("E8 1DY").point
    n16 = geo.lookup_postcode("N16").point
    assert 0.5 < geo.distance_miles(e8, n16) < 3


@pytest.mark.parametrize(
    ("miles", "expected"),
    [
        (0, "less than 0.1 miles"),
        (0.04, "less than 0.1 miles"),
        (0.1, "0.1 miles"),
        (0.8, "0.8 miles"),
        (0.84, "0.8 miles"),
        (1, "1 mile"),
        (1.02, "1 mile"),
        (2, "2 miles"),
        (2.46, "2.5 miles"),
        (9.9, "9.9 miles"),
        (9.97, "10 miles"),
        (12, "12 miles"),
        (12.4, "12 miles"),
        (1234.5, "1,234 miles"),
    ],
)
def test_format_miles(miles: float, expected: str) -> None:
    assert geo.format_miles(miles) == expected


def test_bounding_box_shape() -> None:
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(*HACKNEY_TOWN_HALL, 2)
    assert min_lat < HACKNEY_TOWN_HALL[0] < max_lat
    assert min_lon < HACKNEY_TOWN_HALL[1] < max_lon
    # Not wildly generous either: about 2 miles north-south each way.
    assert 0.028 < max_lat - HACKNEY_TOWN_HALL[0] < 0.032


@given(
    lat=st.floats(49.9, 60.9),
    lon=st.floats(-8, 1.8),
    radius=st.floats(0.1, 50),
    fraction=st.floats(0, 1),
    bearing=st.floats(0, 360),
)
def test_bounding_box_contains_points_within_radius(
    lat: float, lon: float, radius: float, fraction: float, bearing: float
) -> None:
    point = geodesic(miles=radius * fraction).destination((lat, lon), bearing)
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    assert min_lat <= point.latitude <= max_lat
    assert min_lon <= point.longitude <= max_lon


def test_bounding_box_rejects_negative_radius() -> None:
    with pytest.raises(ValueError):
        geo.bounding_box(51.5, 0, -1)
