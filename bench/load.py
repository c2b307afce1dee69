"""Load and concurrency benchmark: `.venv/bin/python bench/load.py` (see bench/LOAD.md).

One command, loopback only, bounded in time and count, stops by itself:

1. drops and creates the PostgreSQL database `spacebank_load` on 127.0.0.1, migrates it and
   seeds the demo borough scaled up (the 41 demo venues plus synthetic annexes);
2. starts gunicorn (2 workers, `wsgi:app`) on a free 127.0.0.1 port;
3. measures, for a fixed duration each with a fixed number of concurrent clients, a static
   asset and /healthz (the ceilings), the search page and a venue page;
4. races 200 clients for 50 popular slots and counts confirmed bookings per slot;
5. prints JSON and stops gunicorn.
"""

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SEARCH_POSTCODE = "E8 1DY"
POPULAR_VENUE = "Pembury Community Hall"
RACE_CLIENTS = 200
RACE_SLOTS = 50
MAX_REQUESTS_PER_SCENARIO = 200_000  # a hard cap besides the duration


# ------------------------------------------------------------------ database

def create_database(server_url: str, name: str) -> str:
    host = urlsplit(server_url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to run against {host}: this benchmark is loopback only")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_app(database_url: str, **config):
    from spacebank import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load-benchmark",
                       "MAIL_BACKEND": "none", "REQUEST_LOGGING": False, "RATELIMIT_ENABLED": False, **config})


def seed(database_url: str, annexes_per_hall: int, race_users: int) -> dict:
    """Migrate, load the demo borough, scale it up, and add one confirmed user per racing client."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from spacebank import demo
    from spacebank.accounts.models import Group, User
    from spacebank.accounts.passwords import hash_password
    from spacebank.extensions import db
    from spacebank.timeutil import today_local, utcnow
    from spacebank.venues.models import Service, Space, Venue, VenueKind

    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        demo.seed_demo()
        # Scale up with the demo's own builders: more halls on the same real postcodes.
        rng = random.Random(6)
        halls = db.session.scalar(sa.select(Service).where(Service.slug == "community-halls"))
        users = {a.email: db.session.scalar(sa.select(User).where(User.email == a.email)) for a in demo.DEMO_ACCOUNTS}
        group = db.session.scalar(sa.select(Group).where(Group.name == "Hackney Wick Knitting Circle"))
        new_spaces = []
        for copy in range(1, annexes_per_hall + 1):
            for index, (name, street, postcode) in enumerate(demo.HALLS):
                venue = demo._venue(halls, f"{name} annexe {copy}", VenueKind.COMMUNITY_HALL, street, postcode, rng)
                if venue is not None:
                    new_spaces += demo._hall_spaces(venue, index, rng)
        db.session.flush()
        demo._bookings(new_spaces, users, group, today_local(), rng)
        password_hash = hash_password(RACE_PASSWORD)
        db.session.add_all(User(email=f"load{i}@example.com", name=f"Load Tester {i}", password_hash=password_hash,
                                email_confirmed_at=utcnow()) for i in range(race_users))
        db.session.commit()
        # The most popular hall that confirms at once (a request would hold, not confirm, its slot).
        space = db.session.scalar(sa.select(Space).join(Venue).where(
            Space.parent_id.is_(None), Space.requires_approval.is_(False), Venue.name.like(f"{POPULAR_VENUE}%"))
            .order_by(Venue.id, Space.id))
        venue = space.venue
        return {
            "venues": db.session.scalar(sa.select(sa.func.count()).select_from(Venue)),
            "spaces": db.session.scalar(sa.select(sa.func.count()).select_from(Space)),
            "bookings": db.session.scalar(sa.text("SELECT count(*) FROM booking")),
            "popular_venue_slug": venue.slug,
            "popular_space_id": space.id,
            "popular_space_slug": space.slug,
        }


# ------------------------------------------------------------------ server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SPACEBANK_ENV="development", SECRET_KEY="load-benchmark",
               MAIL_BACKEND="none", REQUEST_LOGGING="0", HOST="127.0.0.1", PORT=str(port),
               WEB_CONCURRENCY=str(workers), RATELIMIT_ENABLED="0", GUNICORN_LOG_LEVEL="warning",
               GUNICORN_MAX_REQUESTS="0")  # no worker recycling in the middle of a measurement
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ------------------------------------------------------------------ measuring

def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def _hammer(url: str, duration: float, clients: int) -> dict:
    latencies, statuses = [], []
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def one_client():
            while time.perf_counter() < deadline and len(latencies) < MAX_REQUESTS_PER_SCENARIO:
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 599  # a dropped connection counts as a server failure
                latencies.append(time.perf_counter() - started)
                statuses.append(status)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "path": "/" + url.split("/", 3)[-1],
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "status_counts": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "5xx": sum(1 for s in statuses if s >= 500),
    }


def measure(url: str, duration: float, clients: int) -> dict:
    return asyncio.run(_hammer(url, duration, clients))


# ------------------------------------------------------------------ the booking race

def race_slots(space_id: int, today: date) -> list[tuple]:
    """50 one-hour slots, two hours apart (so turnaround buffers never join two slots),
    ten weeks ahead, beyond the demo's bookings."""
    from datetime import time as clock

    from spacebank.timeutil import local_datetime

    first = today + timedelta(weeks=10)
    slots = []
    for day in range(10):
        for hour in (10, 12, 14, 16, 18):
            start = local_datetime(first + timedelta(days=day), clock(hour))
            slots.append((start, start + timedelta(hours=1)))
    return slots[:RACE_SLOTS]


def race_through_the_guard(database_url: str, space_id: int, slots: list[tuple]) -> dict:
    """200 threads, each its own session, save a booking for slot (i mod 50) through
    spacebank.bookings.locks.save_active_booking, all released at once by a barrier."""
    import sqlalchemy as sa

    from spacebank.accounts.models import User
    from spacebank.bookings.locks import SlotTaken, save_active_booking
    from spacebank.bookings.models import Booking, BookingStatus
    from spacebank.extensions import db
    from spacebank.venues.models import HirerCategory, Space

    app = bench_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 50, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        user_ids = db.session.scalars(sa.select(User.id).where(User.email.like("load%@example.com"))
                                      .order_by(User.id)).all()
    barrier = threading.Barrier(RACE_CLIENTS)
    outcomes, latencies = [], []
    lock = threading.Lock()

    def client(i: int):
        starts_at, ends_at = slots[i % len(slots)]
        with app.app_context():
            booking = Booking(space=db.session.get(Space, space_id), booker_id=user_ids[i], starts_at=starts_at,
                              ends_at=ends_at, status=BookingStatus.CONFIRMED, hirer_category=HirerCategory.RESIDENT,
                              purpose="Load test", attendees=20, price_pence=0)
            db.session.commit()  # give the connection back: 200 threads share a pool of 50
            barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                save_active_booking(booking)
                outcome = "confirmed"
            except SlotTaken:
                outcome = "slot_taken"
            except Exception as error:  # noqa: BLE001  (a crash is a result to report, not to hide)
                outcome = f"error: {type(error).__name__}"
            with lock:
                outcomes.append(outcome)
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(RACE_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    return {
        "method": "threads calling spacebank.bookings.locks.save_active_booking (--guard-race)",
        "clients": RACE_CLIENTS,
        "slots": len(slots),
        "seconds": round(elapsed, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        "5xx": sum(1 for o in outcomes if o.startswith("error")),
    }


RACE_PASSWORD = "load-test-password"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = TOKEN.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match[1] or match[2]


async def _race_over_http(base: str, space_id: int, slots: list[tuple]) -> dict:
    """Each client signs in as its own user and walks the booking flow's question pages
    with CSRF tokens; all wait at check your answers, then confirm at once."""
    from spacebank.timeutil import to_local

    everyone_ready = asyncio.Event()
    ready = 0
    statuses, outcomes, latencies = [], [], []

    def arrived():
        nonlocal ready
        ready += 1
        if ready == RACE_CLIENTS:
            everyone_ready.set()

    async def client(i: int):
        start, end = (to_local(t) for t in slots[i % len(slots)])
        book = f"{base}/book/{space_id}"
        answers = [
            ("", {"date": [str(start.day), str(start.month), str(start.year)],
                  "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}),
            ("/repeat", {"repeat": "no"}),
            ("/who", {"who": "resident"}),
            ("/purpose", {"purpose": "Load test", "attendees": "8"}),
            ("/needs", {"needs": ""}),
        ]
        # No keep-alive: a connection left idle while everyone catches up would be closed by
        # gunicorn's keepalive timeout, and the confirm would fail on it for the client's sake.
        async with httpx.AsyncClient(timeout=150, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            token = ""

            async def post(url, data):
                response = await http.post(url, data={**data, "csrf_token": token})
                statuses.append(response.status_code)
                return response

            walked = False
            try:
                token = csrf_from((await http.get(f"{base}/sign-in")).text)
                await post(f"{base}/sign-in", {"email": f"load{i}@example.com", "password": RACE_PASSWORD})
                token = csrf_from((await http.get(book)).text)
                for suffix, data in answers:
                    response = await post(book + suffix, data)
                    if response.status_code != 302:
                        outcomes.append(f"refused at {suffix or '/when'} ({response.status_code})")
                        return
                walked = True
            except (httpx.HTTPError, RuntimeError) as error:
                outcomes.append(f"error: {type(error).__name__}")
                return
            finally:
                arrived()
            if walked:
                await everyone_ready.wait()
                started = time.perf_counter()
                try:
                    response = await post(book + "/check", {"accept": "y"})
                except httpx.HTTPError as error:
                    outcomes.append(f"error: {type(error).__name__}")
                    statuses.append(599)
                    return
                latencies.append(time.perf_counter() - started)
                location = response.headers.get("location", "")
                outcomes.append("confirmed" if "/confirmation" in location else
                                "slot_taken" if response.status_code == 302 else f"status {response.status_code}")

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(RACE_CLIENTS))), timeout=300)
    return {
        "method": "HTTP: 200 clients, each signed in as its own user, walk the booking flow with CSRF tokens "
                  "and confirm at the same moment",
        "clients": RACE_CLIENTS,
        "slots": len(slots),
        "seconds": round(time.perf_counter() - started, 2),
        "confirm_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "confirm_p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "confirm_max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        "5xx": sum(1 for s in statuses if s >= 500),
    }


def race_over_http(base: str, space_id: int, slots: list[tuple]) -> dict:
    return asyncio.run(_race_over_http(base, space_id, slots))


def confirmed_per_slot(database_url: str, space_id: int, slots: list[tuple]) -> list[int]:
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [conn.execute("SELECT count(*) FROM booking WHERE space_id = %s AND status = 'confirmed' "
                             "AND starts_at = %s AND ends_at = %s", (space_id, start, end)).fetchone()[0]
                for start, end in slots]


# ------------------------------------------------------------------ main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server (loopback) where the benchmark database is created")
    parser.add_argument("--database", default="spacebank_load")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--annexes", type=int, default=3, help="synthetic copies of each demo hall")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--guard-race", action="store_true",
                        help="race through save_active_booking from threads instead of over HTTP")
    args = parser.parse_args()

    from spacebank.timeutil import today_local

    url = create_database(args.server, args.database)
    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    setup_started = time.perf_counter()
    borough = seed(sqlalchemy_url, args.annexes, RACE_CLIENTS)
    setup_seconds = round(time.perf_counter() - setup_started, 1)

    port = free_port()
    server = start_gunicorn(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    next_week = today_local() + timedelta(days=7)
    search_query = urlencode({"where": SEARCH_POSTCODE, "date": next_week.isoformat(), "start": "18:00",
                              "end": "20:00", "people": 20})
    scenarios = {
        "static_asset": f"{base}/assets/init.js",
        "healthz": f"{base}/healthz",
        "search": f"{base}/spaces?{search_query}",
        "venue_page": f"{base}/venues/{borough['popular_venue_slug']}",
        "space_availability_week": f"{base}/venues/{borough['popular_venue_slug']}/{borough['popular_space_slug']}"
                                   f"?week={next_week.isoformat()}",
    }
    results = {}
    slots = race_slots(borough["popular_space_id"], today_local())
    try:
        for name, scenario_url in scenarios.items():
            results[name] = measure(scenario_url, args.duration, args.clients)
        if args.guard_race:
            race = race_through_the_guard(sqlalchemy_url, borough["popular_space_id"], slots)
        else:
            race = race_over_http(base, borough["popular_space_id"], slots)
    finally:
        stop(server)

    per_slot = confirmed_per_slot(url, borough["popular_space_id"], slots)
    race["confirmed_per_slot"] = {str(n): per_slot.count(n) for n in sorted(set(per_slot))}
    race["every_slot_exactly_one"] = all(count == 1 for count in per_slot)

    ceiling = results["healthz"]["rps"]
    for name, result in results.items():
        result["ratio_to_healthz"] = round(result["rps"] / ceiling, 2) if ceiling else None
        result["ratio_to_static"] = round(result["rps"] / results["static_asset"]["rps"], 2)

    report = {
        "setup": {"gunicorn_workers": args.workers, "worker_class": "gthread", "clients": args.clients,
                  "seconds_per_scenario": args.duration, "database": "PostgreSQL (loopback)",
                  "seed_seconds": setup_seconds, **{k: borough[k] for k in ("venues", "spaces", "bookings")}},
        "scenarios": results,
        "booking_race": race,
        "total_5xx": sum(r["5xx"] for r in results.values()) + race["5xx"],
    }
    print(json.dumps(report, indent=2))
    if not args.keep:
        drop_database(args.server, args.database)
    if report["total_5xx"] or not race["every_slot_exactly_one"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
