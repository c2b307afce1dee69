"""Every staff page: well-formed for assistive technology, and never a 500 whatever is typed."""

from collections import Counter

import pytest

from tests.admin_fixtures import council, signed_in  # noqa: F401
from tests.conftest import page, text_of

NASTY = ["", "-1", "99999999999999999999", "NaN", "2027-02-30", "25:61", "<script>alert(1)</script>", "' OR 1=1 --",
         "\x00", "☃" * 300, "x" * 6000]


def staff_pages(council):
    side = council.housing
    return [
        "/admin/", "/admin/requests/", "/admin/calendar/", "/admin/calendar/?view=day", "/admin/booking/",
        f"/admin/booking/details/?id={side.booking.id}", f"/admin/booking/details/?id={side.request.id}",
        f"/admin/booking/{side.booking.id}/cancel/", f"/admin/booking/{side.booking.id}/move/",
        "/admin/book-for-caller/", "/admin/venue/", "/admin/venue/new/", f"/admin/venue/edit/?id={side.venue.id}",
        f"/admin/venue/details/?id={side.venue.id}", f"/admin/space/details/?id={side.space.id}",
        f"/admin/space/edit/?id={side.space.id}", "/admin/opening-hours/new/", "/admin/rates/new/",
        "/admin/photos/new/", "/admin/closure/", "/admin/closure/new/", f"/admin/closure/details/?id={side.closure.id}",
        f"/admin/closure/affected/?closure={side.closure.id}", f"/admin/closure/bank-holidays/?venue={side.venue.id}",
        "/admin/group/", f"/admin/group/details/?id={council.group.id}", "/admin/reports/", "/admin/audit-log/",
        "/admin/user/", f"/admin/user/edit/?id={council.people['housing'].id}", "/admin/service/new/",
    ]


def test_every_staff_page_has_one_h1_a_real_title_unique_ids_and_no_inline_styles(app, council):
    client = signed_in(app, council.people["admin"])
    for url in staff_pages(council):
        response = client.get(url)
        assert response.status_code == 200, url
        soup = page(response)
        assert len(soup.select("h1")) == 1, url
        title = soup.title.string
        assert title.endswith(" – Spacebank staff – Hackney Council") and not title.startswith("GOV.UK"), url
        ids = Counter(tag["id"] for tag in soup.select("[id]"))
        assert [i for i, n in ids.items() if n > 1] == [], url
        assert not soup.select("[style]"), url
        nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        for script in soup.select("script:not([src])"):
            assert script.get("nonce") == nonce, f"{url}: an inline script without this response's CSP nonce"
        for table in soup.select("main table"):
            assert table.select("th[scope]"), f"{url}: a table without header scopes"
        for field in soup.select("main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), main select, main textarea"):
            assert soup.select_one(f"label[for='{field['id']}']") or field.get("aria-label"), f"{url}: {field['id']}"


FORMS = {
    "/admin/venue/new/": ["name", "kind", "address_line_1", "town", "postcode", "latitude", "longitude", "features",
                          "contact_email", "service_id"],
    "/admin/space/new/": ["venue_id", "parent_id", "name", "capacity_seated", "capacity_standing",
                          "min_booking_minutes", "max_booking_minutes", "facilities"],
    "/admin/opening-hours/new/": ["space_id", "weekdays", "opens_at", "closes_at"],
    "/admin/rates/new/": ["space_id", "category", "pence_per_hour", "billing_unit_minutes", "deposit_pence"],
    "/admin/closure/new/": ["venue_id", "space_id", "start_date", "start_time", "end_date", "end_time", "reason"],
    "/admin/book-for-caller/": ["email", "name", "category", "group_id", "space_id", "day", "start", "end",
                                "attendees", "purpose"],
    "/admin/requests/": ["bookings", "decision", "reason"],
    "/admin/service/new/": ["name", "free_hours_per_group_month", "contact_email"],
}


@pytest.mark.parametrize("url", sorted(FORMS))
def test_any_value_in_any_field_of_a_staff_form_is_answered_without_a_server_error(app, council, url):
    from tests.conftest import csrf_token

    client = signed_in(app, council.people["admin"])
    token = csrf_token(client, "/admin/book-for-caller/")  # one per session, good for every form
    for field in FORMS[url]:
        for value in NASTY:
            response = client.post(url, data={field: value, "csrf_token": token})
            assert response.status_code < 500, f"{url} {field}={value[:20]!r}"
            if response.status_code == 200:
                assert page(response).select_one(".govuk-error-summary"), f"{url} {field}={value[:20]!r}"


@pytest.mark.parametrize("url", ["/admin/calendar/", "/admin/reports/", "/admin/booking/", "/admin/venue/",
                                 "/admin/closure/", "/admin/audit-log/", "/admin/group/"])
def test_any_query_string_on_a_staff_list_is_answered_without_a_server_error(app, council, url):
    client = signed_in(app, council.people["housing"])
    keys = ["date", "view", "venue", "start", "end", "page", "sort", "search", "flt0_0", "flt1_1", "flt2_3"]
    for key in keys:
        for value in NASTY:
            response = client.get(url, query_string={key: value})
            assert response.status_code < 500, f"{url}?{key}={value[:20]!r}"
            if response.status_code >= 400:
                assert text_of(page(response).select_one("h1")), f"{url}?{key}={value[:20]!r}"
