"""Arbitrary input at every public query parameter and form: never a 500, nothing changed on rejection."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spacebank.extensions import db
from tests.conftest import csrf_token, page, sign_in, text_of
from tests.security_fixtures import row_counts

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text the way people and attackers type it: dates like 30 February, times like 25:61,
# numbers out of range, ids that are not numbers, control characters, very long strings.
nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "9" * 40, "2026-02-30", "2026-13-01", "31/12/2026",
                     "25:61", "23:59:60", "24:00", "00:00", "12:00pm", "E8 1DY", "e81dy", "ZZ99 9ZZ", "SW1A 0AA",
                     "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "%00", "../../etc/passwd", "☃", "\ud800"]),
    st.dates().map(str),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)

# Every query parameter a public GET page reads (search, venue pages, availability week),
# plus a few it does not, which it must ignore.
QUERY_KEYS = ["where", "date", "start", "end", "people", "category", "price", "max_price", "kind", "needs", "page",
              "week", "change", "next", "postcode", "q", "day", "attendees", "space_id"]

PUBLIC_GET_PATHS = ["/", "/spaces", "/venues", "/venues/navarino-hall", "/venues/navarino-hall/main-hall",
                    "/sign-in", "/create-account", "/forgotten-password"]


def signed_in(client) -> None:
    """Sign in once per test, not once per example (password hashing is slow on purpose)."""
    if not getattr(client, "signed_in", False):
        assert sign_in(client, "resident@example.com").status_code == 302
        client.signed_in = True


def token(client) -> str:
    return csrf_token(client, "/sign-in")


def _safe(text: str) -> str:
    # The test client encodes to UTF-8; lone surrogates cannot be encoded by any client.
    return text.encode("utf-8", "replace").decode("utf-8")


def assert_handled(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"
    if 400 <= response.status_code < 500:
        soup = page(response)
        assert text_of(soup.select_one("h1")) or text_of(soup.select_one(".govuk-error-summary")), \
            f"{what} answered {response.status_code} without a message"


@pytest.fixture
def borough(make):
    """A small published borough: a hall with one space, so venue and booking URLs resolve."""
    venue = make.venue(name="Navarino Hall", slug="navarino-hall")
    make.space(venue=venue, slug="main-hall")
    make.user(email="resident@example.com")
    db.session.commit()
    return venue


@FUZZ
@given(path=st.sampled_from(PUBLIC_GET_PATHS),
       query=st.dictionaries(st.sampled_from(QUERY_KEYS), nasty_text, max_size=6))
def test_public_pages_answer_any_query_without_a_server_error(client, borough, path, query):
    url = f"{path}?{urlencode({k: _safe(v) for k, v in query.items()})}"
    assert_handled(client.get(url), f"GET {url}")


@FUZZ
@given(slug=nasty_text)
def test_venue_pages_answer_any_slug_with_a_page_or_page_not_found(client, borough, slug):
    response = client.get("/venues/" + _safe(slug).replace("/", "%2F").replace("?", "%3F").replace("#", "%23"))
    assert_handled(response, f"venue {slug!r}")


@FUZZ
@given(query=st.dictionaries(st.sampled_from(QUERY_KEYS), st.lists(nasty_text, min_size=1, max_size=4), max_size=4))
def test_search_answers_repeated_parameters_without_a_server_error(client, borough, query):
    # GovDateInput sends date three times; a URL can send any field any number of times.
    url = "/spaces?" + urlencode([(k, _safe(v)) for k, values in query.items() for v in values])
    assert_handled(client.get(url), f"GET {url}")


@FUZZ
@given(space_id=st.integers(min_value=-2**63, max_value=2**63), query=st.dictionaries(
    st.sampled_from(["date", "start", "end", "week", "change"]), nasty_text, max_size=4))
def test_booking_start_answers_any_space_id_and_times_without_a_server_error(client, borough, space_id, query):
    signed_in(client)
    url = f"/book/{space_id}?{urlencode({k: _safe(v) for k, v in query.items()})}"
    assert_handled(client.get(url), f"GET {url}")


# Valid answers for each question of the booking flow, in order.
FLOW = [
    ("", lambda day: {"date": [str(day.day), str(day.month), str(day.year)], "start": "10:00", "end": "12:00"}),
    ("/repeat", lambda day: {"repeat": "no"}),
    ("/who", lambda day: {"who": "resident"}),
    ("/purpose", lambda day: {"purpose": "Yoga class", "attendees": "10"}),
    ("/needs", lambda day: {"needs": ""}),
]
FLOW_FIELDS = ["date", "start", "end", "repeat", "occurrences", "who", "purpose", "attendees", "needs", "dates",
               "accept"]


@FUZZ
@given(step=st.integers(min_value=0, max_value=len(FLOW)), form=st.dictionaries(
    st.sampled_from(FLOW_FIELDS), st.lists(nasty_text, min_size=0, max_size=4), max_size=5))
def test_every_booking_step_rejects_any_input_without_a_server_error_or_a_booking(client, borough, step, form):
    from tests.conftest import future_day

    space = borough.spaces[0]
    signed_in(client)
    base = f"/book/{space.id}"
    for suffix, answers in FLOW[:step]:
        response = client.post(base + suffix, data={**answers(future_day()), "csrf_token": token(client)})
        assert response.status_code == 302, f"valid answer to {base + suffix} refused"
    url = base + (FLOW[step][0] if step < len(FLOW) else "/check")
    before = row_counts()
    response = client.post(url, data={**{k: [_safe(v) for v in vs] for k, vs in form.items()},
                                      "csrf_token": token(client)})
    assert_handled(response, f"POST {url} {form!r}")
    db.session.expire_all()
    if row_counts() != before:  # only a confirmed booking may write, and then it says so
        assert "/confirmation" in response.headers.get("Location", ""), f"POST {url} {form!r} changed records"


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={"email": nasty_text, "password": nasty_text, "submit": nasty_text}))
def test_sign_in_rejects_any_input_with_a_message_and_changes_nothing(client, borough, form):
    before = row_counts()
    data = {k: _safe(v) for k, v in form.items()}
    data["csrf_token"] = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data=data)
    assert response.status_code == 200, f"sign-in with {form!r} answered {response.status_code}"
    summary = page(response).select_one(".govuk-error-summary")
    assert summary is not None, f"no error summary for {form!r}"
    db.session.expire_all()
    assert row_counts() == before


# (url, fields) of the account forms; a rejected form changes nothing.
ANONYMOUS_FORMS = [
    ("/create-account", ["name", "email", "phone", "password", "confirm_password"]),
    ("/forgotten-password", ["email"]),
]
SIGNED_IN_FORMS = [
    ("/groups/new", ["name", "kind", "registration_number", "description", "contact_email", "contact_phone"]),
    ("/account/details", ["name", "phone"]),
    ("/account/password", ["current_password", "password", "confirm_password"]),
    ("/account/email", ["email", "current_password"]),
]


def assert_rejected_or_done(client, url: str, form: dict) -> None:
    before = row_counts()
    data = {k: [_safe(v) for v in vs] for k, vs in form.items()}
    response = client.post(url, data={**data, "csrf_token": token(client)})
    assert_handled(response, f"POST {url} {form!r}")
    db.session.expire_all()
    if response.status_code != 302:
        assert row_counts() == before, f"POST {url} {form!r} was refused but changed records"


def form_strategy(forms):
    return st.sampled_from(forms).flatmap(lambda form: st.tuples(st.just(form[0]), st.dictionaries(
        st.sampled_from(form[1]), st.lists(nasty_text, min_size=0, max_size=3), max_size=len(form[1]))))


@FUZZ
@given(case=form_strategy(ANONYMOUS_FORMS))
def test_account_forms_reject_any_input_without_a_server_error(client, borough, case):
    assert_rejected_or_done(client, *case)


@FUZZ
@given(case=form_strategy(SIGNED_IN_FORMS))
def test_signed_in_forms_reject_any_input_without_a_server_error(client, borough, case):
    signed_in(client)
    assert_rejected_or_done(client, *case)
