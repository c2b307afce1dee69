"""The app factory, configuration, error pages and the demo data."""

import pytest
import sqlalchemy as sa

from spacebank.extensions import db

from .conftest import page, text_of


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from spacebank.config import from_environment

    first = from_environment(tmp_path)["SECRET_KEY"]
    assert len(first) == 64
    assert from_environment(tmp_path)["SECRET_KEY"] == first


def test_postgres_urls_get_the_psycopg_driver():
    from spacebank.config import normalise_database_url

    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_start_page_uses_local_govuk_styles(client):
    response = client.get("/")
    assert response.status_code == 200
    soup = page(response)
    assert text_of(soup.select_one("h1")) == "Book a community space in Hackney"
    stylesheets = [link["href"] for link in soup.select("link[rel=stylesheet]")]
    assert stylesheets == ["/assets/app.css"]
    assert soup.select_one(".govuk-phase-banner")


def test_api_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Page not found"


def test_demo_data_loads_a_borough_and_running_it_twice_adds_nothing(app):
    from spacebank.demo import seed_demo
    from spacebank.models import Booking, User, Venue
    from spacebank.venues.models import VenueKind

    first = seed_demo()
    assert first["venues"] == 41 and first["users"] == 5 and first["bookings"] > 300
    kinds = db.session.execute(sa.select(Venue.kind, sa.func.count()).group_by(Venue.kind)).all()
    assert dict(kinds) == {VenueKind.COMMUNITY_HALL: 33, VenueKind.LIBRARY: 8}
    assert {v.postcode.split()[0] for v in db.session.scalars(sa.select(Venue))} >= {"E2", "E5", "E8", "E9", "N1", "N4", "N16"}
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Venue, User, Booking)]
    from spacebank.bookings.pricing import quote, rate_from_tariff

    for booking in db.session.scalars(sa.select(Booking)):
        expected = quote(rate_from_tariff(booking.space.tariff_for(booking.hirer_category)), booking.starts_at,
                         booking.ends_at, verified_group=booking.group is not None)
        assert (booking.price_pence, booking.deposit_pence) == (expected.price_pence, expected.deposit_pence)
        assert bool(booking.locks) == booking.is_active

    second = seed_demo()
    assert second == {"venues": 0, "users": 0, "bookings": 0}
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Venue, User, Booking)] == counts


def test_seed_demo_command_prints_the_sign_ins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "housing@example.com" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "already has venues" in again.output


@pytest.mark.parametrize("url", ["/venues/%00", "/spaces?where=E8%00", "/sign-in?next=%00"])
def test_nul_characters_in_addresses_are_refused_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "cannot be used" in text_of(page(response).select_one("main"))


def test_nul_characters_in_forms_are_refused_before_anything_is_saved(client):
    from .conftest import csrf_token

    token = csrf_token(client, "/sign-in")
    response = client.post("/create-account", data={"csrf_token": token, "name": "Ann\x00", "email": "a@example.com"})
    assert response.status_code == 400
    assert "cannot be used" in text_of(page(response).select_one("main"))
    from spacebank.models import User

    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
