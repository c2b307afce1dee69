"""Find a space: the database narrows, the availability engine decides, nearest first.

Near a place the search looks in growing rings (1, 2, 4 … 32 miles): each ring is a
bounding-box query on the venue location index with every other filter applied in SQL.
Once the candidates inside the ring's radius could fill the page asked for (anything
outside the box is further away than that radius, so the order is right), the exact
availability engine checks them, loading all their calendars at once; if it turns too
many away, the ring grows again. The work therefore depends on how many spaces are near
the searcher, not on the size of the catalogue.
Without a place, spaces come in name order, a batch at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

from flask import Flask, current_app

from .. import geo
from ..bookings.availability import load_calendars, slot_problem
from ..bookings.intervals import Interval
from ..bookings.pricing import Quote, quote, rate_from_tariff
from ..timeutil import day_bounds
from . import queries
from .models import HirerCategory, Space, Tariff, Venue, VenueKind

PAGE_SIZE = 20
MAX_PAGES = 5  # 100 results: beyond that, a filter helps more than another page
FIRST_RADIUS_MILES = 1.0
MAX_RADIUS_MILES = 32.0  # all of Greater London from anywhere in it
NAME_BATCH = 60
CHECK_SLACK = 5  # extra candidates checked at once, in case the engine turns a few away


@dataclass(frozen=True)
class Criteria:
    place: geo.Place | None = None
    day: date | None = None
    start: time | None = None
    end: time | None = None
    window: Interval | None = None  # day + start/end as UTC instants (the form works it out)
    people: int | None = None
    needs: frozenset[str] = frozenset()
    kind: VenueKind | None = None
    category: HirerCategory = HirerCategory.RESIDENT
    free_for_group: bool = False
    max_pence_per_hour: int | None = None

    @property
    def verified_group(self) -> bool:
        return self.category == HirerCategory.COMMUNITY

    @property
    def day_period(self) -> Interval | None:
        return Interval(*day_bounds(self.day)) if self.day else None


@dataclass(frozen=True)
class Result:
    space: Space
    venue: Venue
    tariff: Tariff
    distance_miles: float | None
    free: tuple[Interval, ...] = ()  # free times that day, for "any time" searches
    window: Interval | None = None
    verified_group: bool = False

    @property
    def distance_label(self) -> str | None:
        return geo.format_miles(self.distance_miles) if self.distance_miles is not None else None

    @property
    def free_use(self) -> bool:
        return self.verified_group and self.tariff.free_for_verified_groups

    @property
    def rate_pence(self) -> int:
        return 0 if self.free_use else self.tariff.pence_per_hour

    @cached_property
    def quote(self) -> Quote | None:
        if self.window is None:
            return None
        return quote(rate_from_tariff(self.tariff), self.window.start, self.window.end,
                     verified_group=self.verified_group)


@dataclass(frozen=True)
class Outcome:
    results: list[Result]
    page: int
    has_next: bool
    radius_miles: float | None  # how far a search near a place looked

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.results) - 1


def search(c: Criteria, now: datetime, page: int = 1) -> Outcome:
    wanted = page * PAGE_SIZE + 1  # one more than the page, to know if there is a next page
    if c.place is not None:
        matches, radius = _nearest(c, now, wanted)
    else:
        matches, radius = _by_name(c, now, wanted), None
    shown = matches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    has_next = len(matches) > page * PAGE_SIZE and page < MAX_PAGES
    return Outcome(shown, page, has_next, radius)


def _nearest(c: Criteria, now: datetime, wanted: int) -> tuple[list[Result], float]:
    rows_by_id: dict[int, tuple[float, Space, Venue, Tariff]] = {}
    checked: dict[int, Result | None] = {}  # exact verdicts, kept across rings
    radius = FIRST_RADIUS_MILES
    while True:
        box = geo.bounding_box(c.place.latitude, c.place.longitude, radius)
        # Enough of the nearest rows to fill the page, however dense the catalogue is here.
        turned_away = sum(1 for verdict in checked.values() if verdict is None)
        for space, venue, tariff in queries.search_candidates(c, now, box=box, limit=2 * wanted + turned_away):
            if space.id not in rows_by_id:
                rows_by_id[space.id] = (geo.distance_miles(c.place.point, (venue.latitude, venue.longitude)),
                                        space, venue, tariff)
        inside = sorted((row for row in rows_by_id.values() if row[0] <= radius),
                        key=lambda row: (row[0], row[2].name, row[1].name, row[1].id))
        # The database's filters are nearly exact, so only check exactly once they promise enough.
        if len(inside) >= wanted or radius >= MAX_RADIUS_MILES:
            matches = _first_matches(c, now, inside, wanted, checked)
            if len(matches) >= wanted or radius >= MAX_RADIUS_MILES:
                return matches, radius
        radius *= 2


def _first_matches(c: Criteria, now: datetime, inside: list, wanted: int,
                   checked: dict[int, Result | None]) -> list[Result]:
    """The first `wanted` candidates, in order, that really are free: checked a batch at a
    time, each batch just big enough to finish if the engine agrees with the database."""
    matches: list[Result] = []
    position = 0
    while len(matches) < wanted and position < len(inside):
        batch = inside[position:position + wanted - len(matches) + CHECK_SLACK]
        unchecked = [row for row in batch if row[1].id not in checked]
        verdicts = _matching(c, now, [row[1:] for row in unchecked], [row[0] for row in unchecked])
        checked.update(zip((row[1].id for row in unchecked), verdicts))
        matches += [checked[row[1].id] for row in batch if checked[row[1].id] is not None]
        position += len(batch)
    return matches


def _by_name(c: Criteria, now: datetime, wanted: int) -> list[Result]:
    matches: list[Result] = []
    offset = 0
    while len(matches) < wanted:
        rows = queries.search_candidates(c, now, limit=NAME_BATCH, offset=offset)
        matches += [m for m in _matching(c, now, rows, [None] * len(rows)) if m is not None]
        if len(rows) < NAME_BATCH:
            break
        offset += NAME_BATCH
    return matches  # already in name order


def _matching(c: Criteria, now: datetime, rows: list[tuple[Space, Venue, Tariff]],
              distances: list[float | None]) -> list[Result | None]:
    """A Result for each candidate that really is free, else None: one loader call for all."""
    if not rows:
        return []
    calendars = load_calendars([space.id for space, _, _ in rows], c.day_period) if c.day else {}
    results: list[Result | None] = []
    for (space, venue, tariff), distance in zip(rows, distances):
        free: tuple[Interval, ...] = ()
        if c.day:
            calendar = calendars[space.id]
            availability = calendar.availability(c.day_period, now)
            if c.window is not None:
                if slot_problem(calendar.rules, availability, c.window.start, c.window.end) is not None:
                    results.append(None)
                    continue
            else:
                free = availability.bookable
                if not free:
                    results.append(None)
                    continue
        results.append(Result(space, venue, tariff, distance, free, c.window, c.verified_group))
    return results


# --------------------------------------------------------------------------- geocoder


GEOCODER_KEY = "spacebank_geocoder"  # also the staff pages' (admin/__init__.py builds it at start-up)


def app_geocoder(app: Flask | None = None):
    """The place-name geocoder the app is configured with: one per app, shared with the staff pages."""
    app = app or current_app
    if GEOCODER_KEY not in app.extensions:
        app.extensions[GEOCODER_KEY] = geo.make_geocoder(app.config.get("GEOCODER"),
                                                         app.config.get("GEOCODER_USER_AGENT", "spacebank"))
    return app.extensions[GEOCODER_KEY]
