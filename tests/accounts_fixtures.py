"""Helpers for the account and group tests: forms, the outbox, links in emails."""

import re

import pytest
import sqlalchemy as sa

from spacebank.extensions import db, limiter
from spacebank.notifications import OutboundEmail

from .conftest import csrf_token, make_app, migrate_to_head, page, text_of

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "violet-tractor-harbour-lemon"
BASE_URL = "http://127.0.0.1:5000"


def submit(client, url: str, data: dict | None = None, *, form_url: str | None = None):
    """POST a form the way a browser would: with the CSRF token from the page."""
    fields = {"csrf_token": csrf_token(client, form_url or url)}
    fields.update(data or {})
    return client.post(url, data=fields)


def error_summary(response) -> list[str]:
    return [text_of(item) for item in page(response).select(".govuk-error-summary__list li")]


def field_error(response, field_id: str) -> str:
    # The GOV.UK message starts with a visually hidden "Error:".
    return text_of(page(response).select_one(f"#{field_id}-error")).removeprefix("Error:").strip()


def title(response) -> str:
    return text_of(page(response).select_one("title"))


def heading(response) -> str:
    return text_of(page(response).select_one("h1"))


def main_text(response) -> str:
    return text_of(page(response).select_one("main"))


def banner(response) -> str:
    return text_of(page(response).select_one(".govuk-notification-banner"))


def emails(to: str | None = None) -> list[OutboundEmail]:
    query = sa.select(OutboundEmail).order_by(OutboundEmail.id)
    if to is not None:
        query = query.where(OutboundEmail.to == to)
    db.session.expire_all()
    return list(db.session.scalars(query))


def link_in(message: OutboundEmail) -> str:
    """The path of the first link into the service in an email's body."""
    match = re.search(re.escape(BASE_URL) + r"(/\S*)", message.body)
    assert match, f"no link in: {message.body}"
    return match.group(1)


def register(client, email="ann@example.com", password=PASSWORD, **fields):
    data = {"name": "Ann Example", "email": email, "phone": "", "password": password, "confirm_password": password}
    data.update(fields)
    return submit(client, "/create-account", data)


def refreshed(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def limited_client(app, database_url):
    """A client of a second app with rate limits switched on (same database).

    The limiter is one object shared by every app in the process, so switching it
    on for this app switches it on for all; put it back off (and forget the counts)
    afterwards, or later tests would be rate-limited.
    """
    limited = make_app(database_url, RATELIMIT_ENABLED=True, PASSWORD_HASH_FAST=True)
    migrate_to_head(limited)
    limiter.reset()
    try:
        yield limited.test_client()
    finally:
        limiter.reset()
        limiter.enabled = False
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
