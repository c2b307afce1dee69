"""Turn what someone types into the search box into a point on the map.

Postcodes are resolved offline from the CSVs in spacebank/data/ (built by
scripts/build_postcodes.py), so search keeps working without network access and
never sends residents' postcodes to a third party. Place names ("Dalston") can
optionally go to a geopy geocoder such as Nominatim.

Only the standard library and geopy are imported here: pandas, pyproj and the
source data package are build-time tools and are not installed in production.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geopy.distance import great_circle
from geopy.exc import GeopyError

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"

MAX_QUERY_LENGTH = 100

# Messages follow the GOV.UK Design System error message style: say what
# happened and what to do, with an example.
MSG_EMPTY = "Enter a postcode or place"
MSG_TOO_LONG = f"Postcode or place must be {MAX_QUERY_LENGTH} characters or fewer"
MSG_MALFORMED = "Enter a real postcode, like E8 1DY"
MSG_UNKNOWN_POSTCODE = "We could not find that postcode. Check it and try again, for example E8 1DY"
MSG_POSTCODE_ONLY = "Enter a postcode, like E8 1DY"
MSG_PLACE_NOT_FOUND = "We could not find that place. Check the spelling or enter a postcode"
MSG_GEOCODER_DOWN = "We could not look up that place just now. Enter a postcode instead"

# Outward code: A9, A99, A9A, AA9, AA99, AA9A. Inward code: 9AA.
# re.ASCII keeps [A-Z] and IGNORECASE from matching look-alike Unicode letters
# (the Kelvin sign matches "k" otherwise).
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL_RE = re.compile(rf"({_OUTWARD}) ?([0-9][A-Z]{{2}})", re.ASCII | re.IGNORECASE)
_SECTOR_RE = re.compile(rf"({_OUTWARD}) ([0-9])", re.ASCII | re.IGNORECASE)
_DISTRICT_RE = re.compile(_OUTWARD, re.ASCII | re.IGNORECASE)

# Generous box around Great Britain, to reject a geocoder's far-away match.
_GB_LAT = (49.5, 61.0)
_GB_LON = (-9.0, 2.5)

# Miles per degree of latitude varies from 68.7 (equator) to 69.4 (poles);
# using the smallest makes the bounding box slightly too big, never too small.
_MILES_PER_DEGREE = 68.7


class LocationError(ValueError):
    """The search text could not be turned into a location.

    `message` is safe to show to the user as a form error.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str  # what to show: the normalised postcode, or the user's place name
    precision: str  # "postcode" | "sector" | "district" | "place"

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


# --- data tables -------------------------------------------------------------


def _load(filename: str) -> dict[str, tuple[float, float]]:
    with (DATA_DIR / filename).open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)  # header
        return {key: (float(lat), float(lon)) for key, lat, lon in reader}


# Loaded on first use, not at import, so importing the app stays quick; the
# full-postcode table (~60k rows) is only read when a full postcode is looked up.
@cache
def _districts() -> dict[str, tuple[float, float]]:
    return _load("postcode_districts.csv")


@cache
def _sectors() -> dict[str, tuple[float, float]]:
    return _load("postcode_sectors.csv")


@cache
def _postcodes() -> dict[str, tuple[float, float]]:
    return _load("postcodes_hackney.csv")


# --- postcodes ---------------------------------------------------------------


def _tidy(text: str) -> str:
    # Collapse any run of whitespace (including pasted non-breaking spaces).
    return " ".join(text.split())


def normalise_postcode(text: str) -> str | None:
    """Return the postcode, sector or district in standard form, or None.

    "e81dy " -> "E8 1DY", "e8" -> "E8", "E8 1" -> "E8 1". Only checks the
    shape, not whether it exists.
    """
    tidy = _tidy(text)
    if m := _FULL_RE.fullmatch(tidy):
        return f"{m[1]} {m[2]}".upper()
    if m := _SECTOR_RE.fullmatch(tidy):  # needs the space: "E81" is a district
        return f"{m[1]} {m[2]}".upper()
    if _DISTRICT_RE.fullmatch(tidy):
        return tidy.upper()
    return None


def lookup_postcode(text: str) -> Place:
    """Find a postcode offline, falling back to its sector, then its district.

    Full postcodes are only stored for Hackney and neighbouring boroughs;
    elsewhere (or for a new postcode missing from the data) the sector or
    district centre is close enough to sort halls by distance.
    """
    code = normalise_postcode(text)
    if code is None:
        raise LocationError(MSG_MALFORMED)

    outward, _, inward = code.partition(" ")
    attempts = []  # (key, precision, table), most precise first
    if len(inward) == 3:
        attempts.append((code, "postcode", _postcodes))
    if inward:
        attempts.append((f"{outward} {inward[0]}", "sector", _sectors))
    attempts.append((outward, "district", _districts))

    for key, precision, table in attempts:
        if point := table().get(key):
            # The label stays what the user typed (normalised) even when only
            # its sector or district was found; `precision` says how close.
            return Place(point[0], point[1], label=code, precision=precision)
    raise LocationError(MSG_UNKNOWN_POSTCODE)


# --- free text ---------------------------------------------------------------


def geocode(query: str, geocoder: Any = None) -> Place:
    """Resolve a postcode (offline) or, if a geocoder is given, a place name.

    Raises only LocationError, whatever the input or the geocoder does, so the
    view can always show a form error rather than a server error.
    """
    query = _tidy(query)
    if not query:
        raise LocationError(MSG_EMPTY)
    if len(query) > MAX_QUERY_LENGTH:
        raise LocationError(MSG_TOO_LONG)
    if normalise_postcode(query) is not None:
        return lookup_postcode(query)
    if geocoder is None:
        raise LocationError(MSG_POSTCODE_ONLY)

    try:
        # The suffix keeps "Dalston" from matching somewhere else in the world.
        location = geocoder.geocode(f"{query}, London, UK", timeout=3)
    except GeopyError as exc:  # includes GeocoderTimedOut and service errors
        logger.warning("Geocoder failed for a place search: %s", exc)
        raise LocationError(MSG_GEOCODER_DOWN) from exc
    except Exception as exc:
        # A third-party network call: any other failure must still degrade to
        # "use a postcode", not a 500 error.
        logger.exception("Unexpected geocoder error")
        raise LocationError(MSG_GEOCODER_DOWN) from exc

    if location is None:
        raise LocationError(MSG_PLACE_NOT_FOUND)
    try:
        lat, lon = float(location.latitude), float(location.longitude)
    except (AttributeError, TypeError, ValueError) as exc:
        logger.warning("Geocoder returned an unusable result: %r", location)
        raise LocationError(MSG_PLACE_NOT_FOUND) from exc
    # Also rejects NaN, as comparisons with NaN are false.
    if not (_GB_LAT[0] <= lat <= _GB_LAT[1] and _GB_LON[0] <= lon <= _GB_LON[1]):
        raise LocationError(MSG_PLACE_NOT_FOUND)
    return Place(lat, lon, label=query, precision="place")


def make_geocoder(name: str | None, user_agent: str) -> Any:
    """Build the configured place-name geocoder, or None for postcodes only.

    Called at start-up so a typo in configuration fails fast.
    """
    if not name:
        return None
    if name.strip().lower() == "nominatim":
        # Imported here so the postcode-only setup never touches it. Nominatim's
        # usage policy asks for an identifying user agent and at most 1 request
        # a second, so searches by place name should be rate limited.
        from geopy.geocoders import Nominatim

        return Nominatim(user_agent=user_agent)
    raise ValueError(f"Unknown geocoder {name!r}: use 'nominatim' or leave it empty")


# --- distances ---------------------------------------------------------------


def distance_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (latitude, longitude) points, in miles.

    Great-circle: within 0.5% of the geodesic across London and about 15 times faster,
    which matters because search measures every candidate with it.
    """
    return great_circle(a, b).miles


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within `miles`.

    Slightly bigger than the circle, for a cheap SQL pre-filter; follow it with
    distance_miles() for the exact answer.
    """
    if miles < 0:
        raise ValueError("miles must not be negative")
    dlat = miles / _MILES_PER_DEGREE * 1.01  # 1% margin for rounding
    min_lat, max_lat = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    # A degree of longitude shrinks with cos(latitude); use the edge furthest
    # from the equator, where it is shortest, so the box is wide enough.
    cos_lat = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    if cos_lat < 1e-6:  # the box reaches a pole: any longitude
        return (min_lat, max_lat, -180.0, 180.0)
    dlon = miles / (_MILES_PER_DEGREE * cos_lat) * 1.01
    return (min_lat, max_lat, lon - dlon, lon + dlon)


def format_miles(miles: float) -> str:
    """'less than 0.1 miles', '0.8 miles', '1 mile', '12 miles'."""
    if miles < 0.1:
        return "less than 0.1 miles"
    # One decimal place under 10 miles, where it helps choose; whole miles above.
    if round(miles, 1) < 10:
        text = f"{miles:.1f}".removesuffix(".0")
    else:
        text = f"{round(miles):,}"
    return f"{text} mile" if text == "1" else f"{text} miles"
