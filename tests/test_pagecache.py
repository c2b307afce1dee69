"""The public page cache never shows a page older than the last committed change."""

from datetime import timedelta

import pytest

from spacebank.extensions import db

from .conftest import at, page, sign_in, text_of


@pytest.fixture
def cached_app(app):
    app.config["PAGE_CACHE"] = True
    from spacebank.pagecache import PageStore

    store = app.extensions["page_cache"]
    app.extensions["page_cache"] = PageStore(50)
    yield app
    app.config["PAGE_CACHE"] = False
    app.extensions["page_cache"] = store


def venue_names(response) -> list[str]:
    return [text_of(h) for h in page(response).select("main h2 a")]


def test_a_repeated_public_page_is_served_from_the_cache_with_a_matching_nonce(cached_app, make):
    make.venue(name="Alpha Hall")
    db.session.commit()
    client = cached_app.test_client()
    first = client.get("/venues")
    second = client.get("/venues")
    assert "X-Page-Cache" not in first.headers
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    nonce = page(second).select_one("script[nonce]")["nonce"]
    assert f"'nonce-{nonce}'" in second.headers["Content-Security-Policy"]


def test_a_committed_change_shows_at_once(cached_app, make):
    make.venue(name="Alpha Hall")
    db.session.commit()
    client = cached_app.test_client()
    assert "Alpha Hall" in " ".join(venue_names(client.get("/venues")))
    make.venue(name="Beta Hall")
    db.session.commit()
    response = client.get("/venues")
    assert "X-Page-Cache" not in response.headers
    assert "Beta Hall" in " ".join(venue_names(response))


def test_a_booking_invalidates_cached_pages(cached_app, make):
    space = make.space()
    db.session.commit()
    client = cached_app.test_client()
    url = f"/venues/{space.venue.slug}"
    client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    make.booking(space, at(2031, 1, 6, 10), at(2031, 1, 6, 12))
    assert "X-Page-Cache" not in client.get(url).headers


def test_signed_in_people_never_get_cached_pages(cached_app, make):
    user = make.user()
    db.session.commit()
    anonymous = cached_app.test_client()
    anonymous.get("/venues")
    assert anonymous.get("/venues").headers.get("X-Page-Cache") == "hit"
    signed_in = cached_app.test_client()
    sign_in(signed_in, user.email)
    response = signed_in.get("/venues")
    assert "X-Page-Cache" not in response.headers
    assert "Sign out" in response.get_data(as_text=True)


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(cached_app, make):
    user = make.user()
    db.session.commit()
    client = cached_app.test_client()
    client.get("/venues")
    assert client.get("/venues").headers.get("X-Page-Cache") == "hit"
    sign_in(client, user.email)
    from .conftest import csrf_token

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    response = client.get("/venues")
    assert "X-Page-Cache" not in response.headers
    assert "You have signed out." in text_of(page(response).select_one(".govuk-notification-banner"))
