"""CSRF on every state-changing route, and ids that belong to someone else.

The route list comes from app.url_map, so a new POST route is covered the day it lands.
"""

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from spacebank.extensions import db
from tests.conftest import page, sign_in, text_of
from tests.security_fixtures import row_counts

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "Your form expired or was sent from another site"


def state_changing_rules(app) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING),
                  key=lambda rule: rule.rule)


@pytest.fixture
def world(make):
    """One of everything a URL can point at, owned by a resident who is not the attacker."""
    from spacebank.accounts.models import Role

    owner = make.user(email="owner@example.com")
    staff = make.user(email="admin@example.com", role=Role.ADMINISTRATOR)
    space = make.space()
    from tests.conftest import at, future_day

    day = future_day()
    booking = make.booking(space, at(day.year, day.month, day.day, 10), at(day.year, day.month, day.day, 12),
                           booker=owner)
    group = make.group(members=[owner])
    db.session.commit()
    return {"owner": owner, "staff": staff, "space": space, "venue": space.venue, "booking": booking,
            "group": group}


NUMBER_CONVERTERS = ("IntegerConverter", "NumberConverter")


def rule_values(rule: Rule, world) -> dict[str, str]:
    """A value for each of the rule's arguments, pointing at real rows (ids, slugs, references)."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        thing = next((key for key in ("booking", "space", "venue", "group", "user") if key in name), "booking")
        row = world.get(thing, world["booking"]) if thing != "user" else world["owner"]
        if converter in NUMBER_CONVERTERS:
            values[name] = str(row.id)
        elif "reference" in name:
            values[name] = world["booking"].reference
        elif "slug" in name:
            values[name] = getattr(row, "slug", "x")
        elif "token" in name:
            values[name] = "not-a-real-token"
        else:
            values[name] = str(row.id)
    return values


def url_for_rule(rule: Rule, world, **overrides) -> str:
    url = rule.rule
    for name, value in {**rule_values(rule, world), **overrides}.items():
        url = re.sub(rf"<(?:[^<>:]+:)?{name}>", value, url)
    if rule.endpoint.endswith((".edit_view", ".delete_view", ".details_view")):
        url += f"?id={world['booking'].id}"
    return url


def test_the_app_has_state_changing_routes_to_protect(app):
    paths = {rule.rule for rule in state_changing_rules(app)}
    assert {"/sign-in", "/sign-out"} <= paths


@pytest.mark.parametrize("who", ["anonymous", "owner", "staff"])
def test_every_state_changing_request_without_a_csrf_token_is_refused_and_changes_nothing(app, world, who):
    client = app.test_client()
    if who != "anonymous":
        assert sign_in(client, world[who].email).status_code == 302
    before = row_counts()
    checked = []
    for rule in state_changing_rules(app):
        url = url_for_rule(rule, world)
        for method in sorted(rule.methods & STATE_CHANGING):
            form = {"id": str(world["booking"].id), "reason": "x", "confirm": "y", "name": "x",
                    "email": "attacker@example.com", "password": "correct-horse-battery-staple"}
            response = client.open(url, method=method, data=form)
            # CSRFProtect runs before every view (and before its sign-in check), so the
            # answer is the same for everyone: 400 with the GOV.UK explanation.
            assert response.status_code == 400, f"{method} {url} as {who} answered {response.status_code}"
            assert CSRF_MESSAGE in text_of(page(response).select_one("main")), f"{method} {url}"
            checked.append(f"{method} {url}")
    db.session.expire_all()
    assert row_counts() == before, "a request without a CSRF token changed the database"
    assert len(checked) >= 2


def test_a_token_from_another_session_is_refused(app, world):

    attacker, victim = app.test_client(), app.test_client()
    stolen = page(attacker.get("/sign-in")).select_one("input[name=csrf_token]")["value"]
    own = page(victim.get("/sign-in")).select_one("input[name=csrf_token]")["value"]
    assert own != stolen  # so the refusal below is about whose token it is
    response = victim.post("/sign-in", data={"email": world["owner"].email,
                                              "password": "correct-horse-battery-staple", "csrf_token": stolen})
    assert response.status_code == 400


def test_sign_in_does_not_follow_a_next_link_to_another_site(client, world):
    from tests.conftest import csrf_token

    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        token = csrf_token(client, "/sign-in")
        response = client.post(f"/sign-in?next={target}", data={
            "email": world["owner"].email, "password": "correct-horse-battery-staple", "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] in ("/", "http://localhost/"), target
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})


def test_staff_back_office_sends_residents_away_and_strangers_to_sign_in(app, world):
    client = app.test_client()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, world["owner"].email)
    assert client.get("/admin/").status_code == 403


# ---------------------------------------------------------------- someone else's ids

def test_a_resident_cannot_see_change_or_cancel_another_residents_booking(app, world, make):
    from tests.conftest import csrf_token

    db.session.commit()
    attacker = make.user(email="attacker@example.com")
    db.session.commit()
    client = app.test_client()
    sign_in(client, attacker.email)
    reference = world["booking"].reference
    for url in (f"/my-bookings/{reference}", f"/my-bookings/{reference}/confirmation",
                f"/my-bookings/{reference}/cancel", f"/my-bookings/{reference}/calendar.ics"):
        assert client.get(url).status_code == 404, url
    before = row_counts()
    response = client.post(f"/my-bookings/{reference}/cancel",
                           data={"reason": "mine now", "csrf_token": csrf_token(client, "/account/details")})
    assert response.status_code == 404
    db.session.expire_all()
    assert row_counts() == before
    assert world["booking"].status.value == "confirmed"
    assert reference not in client.get("/my-bookings").get_data(as_text=True)


def test_a_resident_cannot_see_or_change_a_group_they_are_not_in(app, world, make):
    from tests.conftest import csrf_token

    attacker = make.user(email="attacker@example.com")
    db.session.commit()
    client = app.test_client()
    sign_in(client, attacker.email)
    group_id = world["group"].id
    for url in (f"/groups/{group_id}", f"/groups/{group_id}/edit", f"/groups/{group_id}/members/new",
                f"/groups/{group_id}/verification", f"/groups/{group_id}/leave"):
        assert client.get(url).status_code in (403, 404), url
    token = csrf_token(client, "/groups/new")
    before = row_counts()
    for url, data in ((f"/groups/{group_id}/edit", {"name": "Taken over", "kind": "other"}),
                      (f"/groups/{group_id}/members/new", {"email": "attacker@example.com"}),
                      (f"/groups/{group_id}/leave", {})):
        assert client.post(url, data={**data, "csrf_token": token}).status_code in (403, 404), url
    db.session.expire_all()
    assert row_counts() == before
    assert world["group"].name != "Taken over"


def test_ids_too_big_for_the_database_are_page_not_found_not_errors(app, world):
    """Every GET route with a number in its path, given a number no database column holds."""

    client = app.test_client()
    sign_in(client, world["staff"].email)
    answers = {}
    for rule in app.url_map.iter_rules():
        numbers = [name for name in rule.arguments
                   if rule._converters[name].__class__.__name__ in NUMBER_CONVERTERS]
        if "GET" in rule.methods and rule.endpoint.endswith((".edit_view", ".details_view")):
            answers[f"{rule.rule}?id=99999999999999999999"] = client.get(
                f"{rule.rule}?id=99999999999999999999").status_code
        if "GET" not in rule.methods or not numbers:
            continue
        url = url_for_rule(rule, world, **dict.fromkeys(numbers, "99999999999999999999"))
        answers[url] = client.get(url).status_code
    assert answers, "no routes with numeric ids found"
    failures = {url: status for url, status in answers.items() if status >= 500}
    assert not failures, f"server errors for ids too big for the database: {failures}"


# ---------------------------------------------------------------- rate limits

@pytest.fixture
def limited_client(database_url):
    """An app with rate limits on (memory storage), over the test database."""
    from tests.conftest import make_app

    app = make_app(database_url, RATELIMIT_ENABLED=True)
    from spacebank.extensions import limiter

    with app.app_context():
        limiter.reset()
        yield app.test_client()
        limiter.reset()


def test_sign_in_is_rate_limited_after_ten_attempts_a_minute(limited_client):
    from tests.conftest import csrf_token

    token = csrf_token(limited_client, "/sign-in")
    statuses = [limited_client.post("/sign-in", data={"email": "someone@example.com", "password": "guess",
                                                      "csrf_token": token}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    response = limited_client.post("/sign-in", data={"email": "x@example.com", "password": "y", "csrf_token": token})
    assert text_of(page(response).select_one("h1")) == "Too many attempts"


def test_password_reset_emails_are_rate_limited(limited_client):
    from tests.conftest import csrf_token

    token = csrf_token(limited_client, "/forgotten-password")
    statuses = [limited_client.post("/forgotten-password", data={"email": "someone@example.com",
                                                                 "csrf_token": token}).status_code
                for _ in range(6)]
    assert 429 not in statuses[:5] and statuses[5] == 429


# ---------------------------------------------------------------- uploads

def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "purple").save(buffer, "PNG")
    return buffer.getvalue()


def _upload(client, world, name: str, data: bytes):
    import io

    from tests.conftest import csrf_token

    token = csrf_token(client, "/admin/photos/new/")
    return client.post("/admin/photos/new/", content_type="multipart/form-data", data={
        "csrf_token": token, "venue_id": str(world["venue"].id), "alt_text": "Main hall", "position": "0",
        "upload": (io.BytesIO(data), name)})


@pytest.mark.parametrize(("name", "data"), [
    ("hall.jpg", b"<html><script>alert(document.cookie)</script></html>"),
    ("hall.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("hall.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG signature and nothing real behind it
    ("hall.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
])
def test_a_photo_upload_that_is_not_a_real_jpeg_png_or_webp_is_refused(app, world, tmp_path, name, data):

    client = app.test_client()
    sign_in(client, world["staff"].email)
    before = row_counts()
    response = _upload(client, world, name, data)
    assert response.status_code == 200
    assert "The photo must be a JPEG, PNG or WebP image" in text_of(page(response).select_one(".govuk-error-summary"))
    db.session.expire_all()
    assert row_counts() == before


def test_an_uploaded_photo_gets_a_random_name_not_the_one_the_browser_sent(app, world):
    from pathlib import Path

    from spacebank.venues.models import VenuePhoto

    client = app.test_client()
    sign_in(client, world["staff"].email)
    response = _upload(client, world, "../../../etc/evil.png", _png())
    assert response.status_code == 302
    photo = db.session.scalar(sa.select(VenuePhoto))
    assert re.fullmatch(r"[0-9a-f]{32}\.png", photo.filename)
    stored = Path(app.instance_path) / "uploads" / photo.filename
    assert stored.exists()
    stored.unlink()
