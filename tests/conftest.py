"""Fixtures: the app on SQLite and on PostgreSQL, a clean database per test, factories.

Every test that uses `app` (or `client`, `db_session`, factories) runs once per
database. Each pytest run gets its own PostgreSQL database, created from the
server at SPACEBANK_TEST_POSTGRES_URL and dropped afterwards, so runs never share
state. SPACEBANK_REQUIRE_POSTGRES=1 turns an unreachable server into a failure.
"""

import os
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

import psycopg
import pytest
from bs4 import BeautifulSoup
from flask import g, has_app_context
from flask.testing import FlaskClient

from spacebank import create_app
from spacebank.extensions import db as _db

POSTGRES_URL = os.environ.get("SPACEBANK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SPACEBANK_REQUIRE_POSTGRES") == "1"
BACKENDS = [b for b in os.environ.get("SPACEBANK_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_database():
    """Create a throwaway database for this run; yield its SQLAlchemy URL."""
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (SPACEBANK_REQUIRE_POSTGRES=1) but {POSTGRES_URL} is unreachable")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"spacebank_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class IsolatedClient(FlaskClient):
    """A test client whose requests do not see the previous request's `g`.

    The `app` fixture keeps an app context open for the whole test and Flask reuses it
    for every request, so without this Flask-Login's cached user and Flask-WTF's cached
    CSRF token would pass from one client (one browser) to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for cached in ("_login_user", "csrf_token"):
                g.pop(cached, None)
        return super().open(*args, **kwargs)


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_BACKEND": "none",
        "RATELIMIT_ENABLED": False,
        "REQUEST_LOGGING": False,
        "SERVER_NAME": None,
        # Argon2 at minimum cost: hashing dominates the suite's time otherwise.
        "PASSWORD_HASH_FAST": True,
        # Tests change data through the session without always committing; the page
        # cache has its own tests (test_pagecache.py).
        "PAGE_CACHE": False,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def migrate_to_head(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory, request):
    if backend == "postgresql":
        return request.getfixturevalue("postgres_database")
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'spacebank.db'}"


@pytest.fixture(scope="session")
def migrated_app(database_url):
    app = make_app(database_url)
    migrate_to_head(app)
    return app


def _wipe(app):
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(migrated_app):
    """The app with an empty (migrated) database; wiped again after the test."""
    with migrated_app.app_context():
        yield migrated_app
        _db.session.remove()
    _wipe(migrated_app)


@pytest.fixture(autouse=True)
def rate_limits_off_afterwards():
    """Flask-Limiter's on/off switch and counts live on the one shared Limiter, and every
    create_app sets the switch from its own config: put it back off after each test."""
    yield
    from spacebank.extensions import limiter

    limiter.enabled = False
    if getattr(limiter, "_storage", None) is not None:  # only once a limited app existed
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    return _db.session


# ---------------------------------------------------------------- factories

class Factory:
    """Small builders for test data (in the spirit of indico's rb fixtures)."""

    def __init__(self, session):
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def service(self, name=None, **kw):
        from spacebank.venues.models import Service

        n = self._next()
        service = Service(name=name or f"Service {n}", slug=kw.pop("slug", f"service-{n}"), **kw)
        self.session.add(service)
        self.session.flush()
        return service

    def venue(self, service=None, name=None, postcode="E8 1DY", latitude=51.54532, longitude=-0.05798, **kw):
        from spacebank.venues.models import Venue, VenueKind

        n = self._next()
        venue = Venue(service=service or self.service(), name=name or f"Test Hall {n}",
                      slug=kw.pop("slug", f"test-hall-{n}"), kind=kw.pop("kind", VenueKind.COMMUNITY_HALL),
                      address_line_1=kw.pop("address_line_1", f"{n} Test Street"), postcode=postcode,
                      latitude=latitude, longitude=longitude, is_published=kw.pop("is_published", True), **kw)
        self.session.add(venue)
        self.session.flush()
        return venue

    def space(self, venue=None, name="Main hall", hours=((0, 7, time(9), time(23)),), tariffs=None, **kw):
        """A space open 9am–11pm every day unless `hours` says otherwise.

        `hours` is a list of (first_weekday, last_weekday_exclusive, opens, closes).
        `tariffs` maps HirerCategory to pence per hour (or a dict of Tariff fields).
        """
        from spacebank.venues.models import HirerCategory, OpeningHours, Space, Tariff

        n = self._next()
        kw.setdefault("capacity_seated", 50)
        kw.setdefault("capacity_standing", 60)
        kw.setdefault("min_notice_hours", 0)
        space = Space(venue=venue or self.venue(), name=name, slug=kw.pop("slug", f"space-{n}"), **kw)
        for first, last, opens, closes in hours:
            for weekday in range(first, last):
                space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=opens, closes_at=closes))
        tariffs = tariffs if tariffs is not None else {
            HirerCategory.COMMUNITY: 1000, HirerCategory.RESIDENT: 2000, HirerCategory.COMMERCIAL: 3000}
        for category, value in tariffs.items():
            fields = value if isinstance(value, dict) else {"pence_per_hour": value}
            space.tariffs.append(Tariff(category=category, **fields))
        self.session.add(space)
        self.session.flush()
        return space

    def user(self, email=None, password="correct-horse-battery-staple", role=None, service=None, **kw):
        from spacebank.accounts.models import Role, User
        from spacebank.accounts.passwords import hash_password

        n = self._next()
        user = User(email=email or f"user{n}@example.com", name=kw.pop("name", f"User {n}"),
                    password_hash=hash_password(password), role=role or Role.RESIDENT, service=service,
                    email_confirmed_at=kw.pop("email_confirmed_at", datetime.now(UTC)), **kw)
        self.session.add(user)
        self.session.flush()
        return user

    def group(self, members=(), verified=True, **kw):
        from spacebank.accounts.models import Group, GroupKind, GroupMembership, Verification

        n = self._next()
        group = Group(name=kw.pop("name", f"Group {n}"), kind=kw.pop("kind", GroupKind.CONSTITUTED),
                      verification=Verification.VERIFIED if verified else Verification.UNVERIFIED, **kw)
        for i, member in enumerate(members):
            group.memberships.append(GroupMembership(user=member, is_admin=i == 0))
        self.session.add(group)
        self.session.flush()
        return group

    def booking(self, space, starts_at, ends_at, booker=None, status=None, **kw):
        """An active booking saved with its locks (through the real guard)."""
        from spacebank.bookings.locks import save_active_booking
        from spacebank.bookings.models import Booking, BookingStatus
        from spacebank.venues.models import HirerCategory

        booking = Booking(space=space, booker=booker or self.user(), starts_at=starts_at, ends_at=ends_at,
                          status=status or BookingStatus.CONFIRMED,
                          hirer_category=kw.pop("hirer_category", HirerCategory.RESIDENT),
                          purpose=kw.pop("purpose", "Test booking"), attendees=kw.pop("attendees", 10),
                          price_pence=kw.pop("price_pence", 0), **kw)
        if booking.is_active:
            return save_active_booking(booking)
        from spacebank.bookings.locks import new_reference

        booking.reference = new_reference()
        self.session.add(booking)
        self.session.commit()
        return booking


@pytest.fixture
def make(db_session):
    return Factory(db_session)


# ---------------------------------------------------------------- HTML helpers

def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(element) -> str:
    return re.sub(r"\s+", " ", element.get_text()).strip() if element is not None else ""


def csrf_token(client, url: str) -> str:
    soup = page(client.get(url))
    field = soup.select_one("input[name=csrf_token]")
    assert field is not None, f"no CSRF token on {url}"
    return field["value"]


def sign_in(client, email: str, password: str = "correct-horse-battery-staple"):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def selects_during(action) -> int:
    """How many SELECT statements `action()` runs, with nothing cached in the session beforehand."""
    import sqlalchemy as sa

    _db.session.expire_all()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", record)
    return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])


def at(year, month, day, hour=0, minute=0) -> datetime:
    """An aware UTC datetime from London wall-clock parts (for readable tests)."""
    from spacebank.timeutil import local_datetime

    return local_datetime(date(year, month, day), time(hour, minute))


def future_day(weekday: int | None = None, weeks_ahead: int = 2):
    """A London date comfortably in the future (on the given weekday)."""
    from spacebank.timeutil import today_local

    day = today_local() + timedelta(weeks=weeks_ahead)
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    return day


def pytest_terminal_summary(terminalreporter):
    """Say how many tests ran on each database, so a skipped PostgreSQL is visible."""
    passed = terminalreporter.stats.get("passed", [])
    skipped = terminalreporter.stats.get("skipped", [])
    for backend in BACKENDS:
        ran = sum(1 for r in passed if f"[{backend}" in r.nodeid and r.when == "call")
        missed = sum(1 for r in skipped if f"[{backend}" in getattr(r, "nodeid", ""))
        terminalreporter.write_line(f"{backend}: {ran} tests passed, {missed} skipped")
