"""Helpers for the booking tests: a bookable space, a signed-in booker, and the flow's steps."""

from datetime import date, time

import sqlalchemy as sa

from spacebank.extensions import db
from spacebank.notifications import OutboundEmail

from .conftest import csrf_token, page, sign_in, text_of


def bookable_space(make, **kw):
    """A published hall open 9am–11pm every day, rates £10/£20/£30 an hour, no notice needed."""
    kw.setdefault("turnaround_minutes", 30)
    space = make.space(**kw)
    db.session.commit()
    return space


def signed_in_booker(client, make, **kw):
    user = make.user(**kw)
    db.session.commit()
    sign_in(client, user.email)
    return user


def post_step(client, url: str, data: dict, token: str | None = None):
    """Send one question page (with a CSRF token), without following the redirect."""
    token = token or csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token})


def when_data(day: date, start: str, end: str) -> dict:
    return {"date": [str(day.day), str(day.month), str(day.year)], "start": start, "end": end}


def answer_all(client, space, day: date, start="18:00", end="20:00", *, repeat="no", occurrences="",
               who="resident", purpose="Yoga class", attendees="20", needs="", dates: list[str] | None = None):
    """Answer every question up to check your answers; returns the last response.

    Each step must redirect to the next one; a step that shows errors stops here and is
    returned, so a test can read the messages.
    """
    base = f"/book/{space.id}"
    token = csrf_token(client, base)
    steps = [
        (base, when_data(day, start, end)),
        (f"{base}/repeat", {"repeat": repeat, "occurrences": occurrences}),
        (f"{base}/who", {"who": who}),
        (f"{base}/purpose", {"purpose": purpose, "attendees": attendees}),
        (f"{base}/needs", {"needs": needs}),
    ]
    if repeat != "no":
        steps.append((f"{base}/dates", {"dates": dates} if dates is not None else None))
    for url, data in steps:
        if data is None:  # keep the dates ticked by default
            data = {"dates": [i["value"] for i in page(client.get(url)).select("input[name=dates][checked]")]}
        response = post_step(client, url, data, token)
        if response.status_code != 302:
            return response
    return client.get(f"{base}/check")


def confirm(client, space, accept=True):
    data = {"accept": "y"} if accept else {}
    # The token comes from the when page, which always has a form (check may not, once a rule fails).
    return post_step(client, f"/book/{space.id}/check", data, csrf_token(client, f"/book/{space.id}"))


def outbox() -> list[OutboundEmail]:
    """Every email queued so far, oldest first (as the requests committed them)."""
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def error_summary(response) -> list[str]:
    return [text_of(li) for li in page(response).select(".govuk-error-summary__list li")]


def field_error(response, field_id: str) -> str:
    """The error message shown with one field (without the hidden 'Error:' prefix)."""
    element = page(response).select_one(f"#{field_id}-error")
    return text_of(element).removeprefix("Error:").strip()


def summary_value(response, key: str) -> str:
    for row in page(response).select(".govuk-summary-list__row"):
        if text_of(row.select_one(".govuk-summary-list__key")) == key:
            return text_of(row.select_one(".govuk-summary-list__value"))
    raise AssertionError(f"no summary row {key!r}")


def assert_well_formed(response) -> None:
    """What every page should get right: one h1, a title, unique ids, no inline styles."""
    soup = page(response)
    assert len(soup.select("h1")) == 1, [text_of(h) for h in soup.select("h1")]
    assert text_of(soup.select_one("title")).endswith("– Spacebank – Hackney Council")
    ids = [element["id"] for element in soup.select("[id]")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert soup.select("[style]") == []
    for label in soup.select("label[for]"):
        assert soup.find(id=label["for"]) is not None, label


def hm(value: str) -> time:
    return time.fromisoformat(value)
