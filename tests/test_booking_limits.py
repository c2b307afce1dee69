"""Booking confirmations are rate-limited per account."""

from .accounts_fixtures import limited_client  # noqa: F401  (fixture)
from .conftest import csrf_token, page, sign_in, text_of


def test_an_account_confirming_too_many_bookings_a_minute_is_told_to_wait(app, make, limited_client):  # noqa: F811
    from spacebank.extensions import db

    user = make.user()
    space = make.space()
    db.session.commit()
    sign_in(limited_client, user.email)
    url = f"/book/{space.id}/check"
    token = csrf_token(limited_client, "/sign-out")
    statuses = [limited_client.post(url, data={"csrf_token": token}).status_code for _ in range(10)]
    assert 429 not in statuses and 400 not in statuses
    refused = limited_client.post(url, data={"csrf_token": token})
    assert refused.status_code == 429
    assert text_of(page(refused).select_one("h1")) == "Too many attempts"
