"""Search benchmark: `.venv/bin/python bench/search.py` (see bench/README.md).

1. drops and creates the PostgreSQL database `spacebank_bench` on 127.0.0.1 and migrates it;
2. grows a synthetic London-wide catalogue to 100, then 1,000, then 10,000 venues (3 spaces
   each, one venue in ten a hall split into two halves; opening hours, tariffs, bank-holiday
   closures and a year of bookings with their locks), generated inside PostgreSQL with
   INSERT ... SELECT so each stage takes seconds to a few minutes;
3. after each stage times, through the functions the /spaces view and the space page use:
   - a typical search: a London postcode, a date in the next 8 weeks, a 2-hour window and a
     number of people (spacebank.venues.search.search, page 1, geocoding included);
   - the same search through the Flask test client (form, search and HTML);
   - one space's availability over 4 weeks (load_calendars + compute);
4. prints JSON with the median and 95th percentile in milliseconds.

Not part of `make test`. Needs PostgreSQL at BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), a role that may create databases.
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "spacebank_bench"
SIZES = (100, 1_000, 10_000)
CENTRE = (51.5074, -0.1278)  # Charing Cross
RADIUS_MILES = 14  # venues spread evenly over Greater London
SPLIT_SHARE = 0.1
# Booking slots (London time) and the chance each is taken on a day in a main hall: about
# 3.5 bookings a week, mostly evenings. Meeting rooms and studios are booked half as often;
# library rooms only take the daytime slots.
SLOTS = ((10, 12, 0.15), (14, 16, 0.12), (19, 21, 0.25))
SMALL_ROOM_SHARE = 0.5
PLACES = ("E8 1DY", "N16 0UG", "SE1 7PB", "E14 5AB", "NW5 1TL", "SW9 8HE", "W2 1JB", "N4 2UX", "E2 8WD",
          "SE15 4QF", "W12 7RJ", "N1 6US", "E17 4PP", "SE13 5AB", "NW10 4UP")


# --------------------------------------------------------------------------- database


def recreate_database() -> str:
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    base = SERVER_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+psycopg://{base}/{DATABASE}"


def make_app(database_url: str):
    from flask_migrate import upgrade

    from spacebank import create_app
    from spacebank.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "search-benchmark",
                      "MAIL_BACKEND": "none", "RATELIMIT_ENABLED": False, "REQUEST_LOGGING": False,
                      "TESTING": True})
    with app.app_context():
        upgrade()
        # The guard's exclusion constraint is a GiST index that PostgreSQL 15 builds at about
        # 70 microseconds a row: most of an hour for millions of locks. Reads never use it
        # (they go through ix_booking_lock_space_period), and the generator writes no
        # overlaps, so the benchmark's own database goes without it.
        db.session.execute(sa.text("ALTER TABLE booking_lock DROP CONSTRAINT booking_lock_no_overlap"))
        db.session.commit()
    return app


# --------------------------------------------------------------------------- catalogue


def random_point(rng: random.Random) -> tuple[float, float]:
    distance = RADIUS_MILES * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat = CENTRE[0] + distance / 69.0 * math.cos(bearing)
    lon = CENTRE[1] + distance / (69.0 * math.cos(math.radians(lat))) * math.sin(bearing)
    return round(lat, 5), round(lon, 5)


def add_venues(first: int, last: int, service_id: int, rng: random.Random) -> None:
    """Venues first..last-1 and their spaces, from Python (a few thousand rows a second)."""
    from spacebank.extensions import db
    from spacebank.venues.models import Space, Venue

    venue_rows = []
    for n in range(first, last):
        lat, lon = random_point(rng)
        kind = rng.choices(["community_hall", "library", "community_centre"], [7, 2, 1])[0]
        venue_rows.append({
            "service_id": service_id, "name": f"Bench Hall {n:05d}", "slug": f"bench-hall-{n}", "kind": kind,
            "address_line_1": f"{n} Bench Street", "town": "London", "postcode": "E8 1DY", "latitude": lat,
            "longitude": lon, "description": "A synthetic venue.", "is_published": rng.random() < 0.97,
            "step_free_access": rng.random() < 0.7, "accessible_toilet": rng.random() < 0.5,
            "hearing_loop": rng.random() < 0.3, "baby_change": rng.random() < 0.4, "parking": rng.random() < 0.3,
        })
    venue_ids = db.session.execute(sa.insert(Venue).returning(Venue.id, sort_by_parameter_order=True),
                                   venue_rows).scalars().all()

    def space(venue_id, name, slug, seated, **kw):
        return {"venue_id": venue_id, "name": name, "slug": slug, "capacity_seated": seated,
                "capacity_standing": int(seated * 1.3), "has_kitchen": rng.random() < 0.5,
                "has_wifi": rng.random() < 0.6, "has_projector": rng.random() < 0.3, **kw}

    splits = {vid for vid in venue_ids if rng.random() < SPLIT_SHARE}
    halls = [space(vid, "Main hall", "main-hall", rng.choice([20, 30, 40, 60, 80, 100, 150]), turnaround_minutes=30)
             for vid in venue_ids]
    hall_ids = db.session.execute(sa.insert(Space).returning(Space.id, sort_by_parameter_order=True),
                                  halls).scalars().all()
    others = []
    for vid, hall_id, hall in zip(venue_ids, hall_ids, halls):
        if vid in splits:
            half = hall["capacity_seated"] // 2
            others += [space(vid, "East half", "east-half", half, parent_id=hall_id, turnaround_minutes=30),
                       space(vid, "West half", "west-half", half, parent_id=hall_id, turnaround_minutes=30)]
        else:
            others += [space(vid, "Meeting room", "meeting-room", rng.choice([8, 12, 16, 20]), turnaround_minutes=15),
                       space(vid, "Studio", "studio", rng.choice([15, 25, 40]), turnaround_minutes=15)]
    db.session.execute(sa.insert(Space), others)
    db.session.commit()


def fill_in_sql(first_venue_id: int, booker_id: int, today: date, bank_holidays: list[date]) -> None:
    """Opening hours, tariffs, closures, bookings and locks of the new venues, inside PostgreSQL."""
    from spacebank.extensions import db

    new_spaces = "SELECT s.* FROM space s WHERE s.venue_id >= :first"
    statements = [
        # Halls and centres: 9am to 11pm daily. Libraries: weekdays 9 to 7, Saturday 10 to 5, Sunday 12 to 4.
        f"""INSERT INTO opening_hours (space_id, weekday, opens_at, closes_at)
            SELECT s.id, h.weekday, h.opens, h.closes FROM ({new_spaces}) s JOIN venue v ON v.id = s.venue_id
            JOIN (VALUES (false, 0, time '09:00', time '23:00'), (false, 1, '09:00', '23:00'),
                         (false, 2, '09:00', '23:00'), (false, 3, '09:00', '23:00'), (false, 4, '09:00', '23:00'),
                         (false, 5, '09:00', '23:00'), (false, 6, '09:00', '23:00'),
                         (true, 0, '09:00', '19:00'), (true, 1, '09:00', '19:00'), (true, 2, '09:00', '19:00'),
                         (true, 3, '09:00', '19:00'), (true, 4, '09:00', '19:00'), (true, 5, '10:00', '17:00'),
                         (true, 6, '12:00', '16:00')) h(library, weekday, opens, closes)
              ON h.library = (v.kind = 'library')""",
        f"""INSERT INTO tariff (space_id, category, pence_per_hour, billing_unit_minutes, free_for_verified_groups,
                                deposit_pence)
            SELECT s.id, c.category, c.pence + (s.id % 5) * 250, 60, c.category = 'community' AND s.id % 3 = 0, 0
            FROM ({new_spaces}) s
            CROSS JOIN (VALUES ('community', 1000), ('resident', 2000), ('commercial', 3500)) c(category, pence)""",
        """INSERT INTO closure (venue_id, starts_at, ends_at, reason, created_at)
           SELECT v.id, d::timestamp AT TIME ZONE 'Europe/London', (d + 1)::timestamp AT TIME ZONE 'Europe/London',
                  'Bank holiday', now()
           FROM venue v CROSS JOIN unnest(CAST(:holidays AS date[])) d WHERE v.id >= :first""",
        """INSERT INTO closure (venue_id, starts_at, ends_at, reason, created_at)
           SELECT v.id, (CAST(:today AS date) + (v.id % 60))::timestamp AT TIME ZONE 'Europe/London',
                  (CAST(:today AS date) + (v.id % 60) + 14)::timestamp AT TIME ZONE 'Europe/London', 'Repairs', now()
           FROM venue v WHERE v.id >= :first AND v.id % 50 = 0""",
        # A year of bookings: each slot taken at random, never overlapping (slots are apart by more than
        # any turnaround). In split halls the whole hall takes evenings, the halves the daytime.
        f"""INSERT INTO booking (reference, space_id, booker_id, starts_at, ends_at, status, hirer_category, purpose,
                                 attendees, needs, price_pence, deposit_pence, created_at, updated_at)
            SELECT 'B' || lpad(nextval('bench_reference')::text, 11, '0'), s.id, :booker,
                   (d + make_time(slot.h1, 0, 0)) AT TIME ZONE 'Europe/London',
                   (d + make_time(slot.h2, 0, 0)) AT TIME ZONE 'Europe/London',
                   'confirmed', 'resident', 'Benchmark booking', 10, '', 4000, 0, now(), now()
            FROM ({new_spaces}) s JOIN venue v ON v.id = s.venue_id
            CROSS JOIN generate_series(CAST(:first_day AS date), CAST(:last_day AS date), interval '1 day') d
            CROSS JOIN (VALUES {", ".join(f"({a}, {b}, {p})" for a, b, p in SLOTS)}) slot(h1, h2, p)
            -- A hash of the row, not random(): PostgreSQL may evaluate random() once per slot.
            WHERE abs(hashtext(s.id || '/' || d::date || '/' || slot.h1)) % 10000
                  < slot.p * 10000 * (CASE WHEN s.slug IN ('meeting-room', 'studio') THEN :small ELSE 1 END)
              AND NOT (v.kind = 'library' AND slot.h1 >= 19)
              AND NOT (s.parent_id IS NOT NULL AND slot.h1 >= 19)
              AND NOT (slot.h1 < 19 AND EXISTS (SELECT 1 FROM space c WHERE c.parent_id = s.id))""",
        # The locks the guard would write: on the space, or on each half of a split hall.
        """INSERT INTO booking_lock (booking_id, space_id, starts_at, ends_at)
           SELECT b.id, COALESCE(part.id, s.id), b.starts_at, b.ends_at + make_interval(mins => s.turnaround_minutes)
           FROM booking b JOIN space s ON s.id = b.space_id LEFT JOIN space part ON part.parent_id = s.id
           WHERE s.venue_id >= :first""",
    ]
    params = {"first": first_venue_id, "booker": booker_id, "holidays": bank_holidays, "today": today,
              "first_day": today - timedelta(days=182), "last_day": today + timedelta(days=182),
              "small": SMALL_ROOM_SHARE}
    for statement in statements:
        started = clock.perf_counter()
        db.session.execute(sa.text(statement), params)
        print(f"    {statement.split()[2]}: {clock.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    db.session.commit()


def grow_catalogue(app, start: int, end: int, rng: random.Random, today: date) -> dict:
    from govuk_bank_holidays.bank_holidays import BankHolidays

    from spacebank.accounts.models import User
    from spacebank.extensions import db
    from spacebank.venues.models import Service, Venue

    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "bench"))
        if service is None:
            service = Service(name="Benchmark venues", slug="bench")
            db.session.add(service)
            db.session.add(User(email="bench@example.com", name="Bench Booker", password_hash="x"))
            db.session.execute(sa.text("CREATE SEQUENCE IF NOT EXISTS bench_reference"))
            db.session.commit()
        booker_id = db.session.scalar(sa.select(User.id).where(User.email == "bench@example.com"))
        holidays = [h["date"] for year in (today.year - 1, today.year, today.year + 1)
                    for h in BankHolidays(use_cached_holidays=True).get_holidays(
                        division=BankHolidays.ENGLAND_AND_WALES, year=year)
                    if abs((h["date"] - today).days) <= 183]
        started = clock.perf_counter()
        first_id = (db.session.scalar(sa.select(sa.func.max(Venue.id))) or 0) + 1
        for batch in range(start, end, 2000):
            add_venues(batch, min(batch + 2000, end), service.id, rng)
        fill_in_sql(first_id, booker_id, today, holidays)
        # As autovacuum would: fresh statistics, and visibility maps for index-only scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                  for table in ("venue", "space", "opening_hours", "closure", "booking", "booking_lock")}
        db.session.remove()
        return {"build_seconds": round(clock.perf_counter() - started, 1), "rows": counts}


# --------------------------------------------------------------------------- measurements


def summary(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median": round(statistics.median(ordered), 2), "p95": round(p95, 2), "runs": len(ordered)}


def typical_search(rng: random.Random, today: date) -> dict:
    day = today + timedelta(days=rng.randint(2, 56))
    start = rng.choice([10, 12, 14, 16, 18, 19])
    return {"where": rng.choice(PLACES), "day": day, "start": time(start), "end": time(start + 2),
            "people": rng.choice([10, 20, 30, 50])}


def run_search(asked: dict, now: datetime):
    """What the view does once the form is valid: geocode, then search page 1."""
    from spacebank import geo
    from spacebank.bookings.intervals import Interval
    from spacebank.timeutil import local_datetime
    from spacebank.venues.search import Criteria, search

    window = Interval(local_datetime(asked["day"], asked["start"]), local_datetime(asked["day"], asked["end"]))
    criteria = Criteria(place=geo.geocode(asked["where"]), day=asked["day"], start=asked["start"],
                        end=asked["end"], window=window, people=asked["people"])
    return search(criteria, now, 1)


def measure(app, runs: int, rng: random.Random, today: date) -> dict:
    from spacebank.bookings.availability import load_calendars
    from spacebank.bookings.intervals import Interval
    from spacebank.extensions import db
    from spacebank.timeutil import local_datetime, utcnow
    from spacebank.venues.models import Space, Venue

    now = utcnow()
    searches, pages, availability, queries, results = [], [], [], [], []
    cpu_started = clock.process_time()
    with app.app_context():
        space_ids = db.session.scalars(sa.select(Space.id).join(Venue).where(Venue.is_published)).all()
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        for n in range(runs + 10):  # the first 10 warm up caches and the connection pool
            asked = typical_search(rng, today)
            statements.clear()
            sa.event.listen(db.engine, "before_cursor_execute", count)
            started = clock.perf_counter()
            outcome = run_search(asked, now)
            elapsed = (clock.perf_counter() - started) * 1000
            sa.event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
            if n == 9:
                cpu_started = clock.process_time()
            if n >= 10:
                searches.append(elapsed)
                queries.append(len(statements))
                results.append(len(outcome.results))
        search_cpu_ms = (clock.process_time() - cpu_started) * 1000 / runs

        client = app.test_client()
        for n in range(runs + 10):
            asked = typical_search(rng, today)
            query = urlencode([("where", asked["where"]), ("date", asked["day"].day), ("date", asked["day"].month),
                               ("date", asked["day"].year), ("start", f"{asked['start']:%H:%M}"),
                               ("end", f"{asked['end']:%H:%M}"), ("people", asked["people"])])
            started = clock.perf_counter()
            response = client.get(f"/spaces?{query}")
            elapsed = (clock.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if n >= 10:
                pages.append(elapsed)

        for n in range(runs + 10):
            first = today + timedelta(days=rng.randint(0, 90))
            period = Interval(local_datetime(first, time(0)), local_datetime(first + timedelta(weeks=4), time(0)))
            space_id = rng.choice(space_ids)
            started = clock.perf_counter()
            calendar = load_calendars([space_id], period)[space_id]
            calendar.availability(period, now)
            elapsed = (clock.perf_counter() - started) * 1000
            db.session.remove()
            if n >= 10:
                availability.append(elapsed)

    return {
        "search_ms": summary(searches),
        # This process's CPU per search (not PostgreSQL's): steady when the machine is busy.
        "search_python_cpu_ms_mean": round(search_cpu_ms, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "search_page_ms": summary(pages),
        "availability_4_weeks_ms": summary(availability),
        "queries_per_search_median": statistics.median(queries),
        "results_per_search_median": statistics.median(results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs per measurement (default 200)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="venue counts, growing")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    rng = random.Random(2027)
    today = datetime.now(UTC).date()
    app = make_app(recreate_database())
    with psycopg.connect(SERVER_URL) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]

    report = {"database": f"PostgreSQL {server_version}", "runs": args.runs, "cpus": os.cpu_count(),
              "booking_slots": [f"{a}:00-{b}:00 p={p}" for a, b, p in SLOTS], "sizes": []}
    built = 0
    for size in sizes:
        print(f"Building {size:,} venues...", file=sys.stderr, flush=True)
        stage = grow_catalogue(app, built, size, rng, today)
        built = size
        print(f"  built in {stage['build_seconds']} s; measuring...", file=sys.stderr, flush=True)
        report["sizes"].append({"venues": size, **stage, **measure(app, args.runs, rng, today)})

    medians = {s["venues"]: s["search_ms"]["median"] for s in report["sizes"]}
    if 1_000 in medians and 10_000 in medians:
        report["search_median_growth_1000_to_10000"] = round(medians[10_000] / medians[1_000], 2)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
