"""A small council for staff back-office tests: two services, each with a venue, people in every role.

Housing owns "Pembury Hall", Libraries owns "Central Library". Each has one space with
opening hours, tariffs, a photo row, a closure and a booking, so every admin URL has a
record of each service to point at.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache

import pytest
from flask import g
from flask.testing import FlaskClient

from spacebank.extensions import db
from tests.conftest import csrf_token, future_day, page, sign_in, text_of

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Side:
    """One service's records."""

    service: object
    venue: object
    space: object
    hours: object
    tariff: object
    photo: object
    closure: object
    booking: object
    request: object


@dataclass
class Council:
    housing: Side
    library: Side
    people: dict  # role name -> user
    group: object

    def side(self, role: str) -> Side:
        return self.library if role == "library" else self.housing


@cache
def password_hash() -> str:
    # Hashing is deliberately slow (argon2); one hash serves every test user.
    from spacebank.accounts.passwords import hash_password

    return hash_password(PASSWORD)


def person(email: str, name: str, role=None, service=None):
    from spacebank.accounts.models import Role, User

    user = User(email=email, name=name, password_hash=password_hash(), role=role or Role.RESIDENT, service=service,
                email_confirmed_at=datetime.now(UTC))
    db.session.add(user)
    db.session.flush()
    return user


def _side(make, name: str, venue_name: str, kind, booker, day) -> Side:
    from spacebank.bookings.models import BookingStatus
    from spacebank.timeutil import local_datetime
    from spacebank.venues.models import Closure, VenuePhoto

    service = make.service(name=name)
    venue = make.venue(service=service, name=venue_name, kind=kind)
    space = make.space(venue=venue, name="Main room", requires_approval=True)
    photo = VenuePhoto(venue=venue, filename="missing.jpg", alt_text=f"Outside {venue_name}")
    closure = Closure(venue=venue, starts_at=local_datetime(day + timedelta(days=20), time(0)),
                      ends_at=local_datetime(day + timedelta(days=21), time(0)), reason="Boiler repairs")
    db.session.add_all([photo, closure])
    db.session.flush()
    booking = make.booking(space, local_datetime(day, time(10)), local_datetime(day, time(12)), booker=booker,
                           purpose=f"Meeting at {venue_name}", price_pence=2400)
    request = make.booking(space, local_datetime(day, time(14)), local_datetime(day, time(16)), booker=booker,
                           status=BookingStatus.REQUESTED, purpose=f"Party at {venue_name}",
                           expires_at=local_datetime(day, time(14)))
    return Side(service, venue, space, space.opening_hours[0], space.tariffs[0], photo, closure, booking, request)


def build_council(make) -> Council:
    from spacebank.accounts.models import Role
    from spacebank.venues.models import VenueKind

    day = future_day(weekday=2)
    resident = person("resident@example.com", "Rosa Resident")
    housing = _side(make, "Housing – Community Halls", "Pembury Hall", VenueKind.COMMUNITY_HALL, resident, day)
    library = _side(make, "Libraries", "Central Library", VenueKind.LIBRARY, resident, day)
    people = {
        "resident": resident,
        "housing": person("housing@example.com", "Hana Housing", Role.HOUSING_OFFICER, housing.service),
        "library": person("library@example.com", "Lewis Library", Role.LIBRARY_STAFF, library.service),
        "admin": person("admin@example.com", "Ada Admin", Role.ADMINISTRATOR),
    }
    group = make.group(members=[resident], name="Clapton Knitters")
    db.session.commit()
    return Council(housing, library, people, group)


@pytest.fixture
def council(make):
    return build_council(make)


class IsolatedClient(FlaskClient):
    """A test client whose requests do not inherit another client's signed-in user.

    Tests run inside one app context, which requests reuse, so Flask-Login's cached user
    and Flask-WTF's cached token in `g` would carry over from one client to the next.
    """

    def open(self, *args, **kwargs):
        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


def signed_in(app, user):
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = sign_in(client, user.email, PASSWORD)
        assert response.status_code == 302, "sign-in failed"
    return client


def post_form(client, url: str, data: dict, token_url: str | None = None):
    """POST with the CSRF token from the form page (or any staff page)."""
    data = dict(data)
    data["csrf_token"] = csrf_token(client, token_url or url)
    return client.post(url, data=data)


def error_summary(response) -> list[str]:
    return [text_of(li) for li in page(response).select(".govuk-error-summary li")]


def field_error(response, field_id: str) -> str:
    soup = page(response)
    message = soup.select_one(f"#{field_id}-error")
    return text_of(message).removeprefix("Error:").strip()


def emails_to(address: str) -> list:
    import sqlalchemy as sa

    from spacebank.notifications import OutboundEmail

    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to == address)
                                   .order_by(OutboundEmail.id)))


def audit_actions(object_type: str | None = None) -> list[str]:
    import sqlalchemy as sa

    from spacebank.audit import AuditEvent

    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    return list(db.session.scalars(query))
