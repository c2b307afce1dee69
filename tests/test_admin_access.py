"""The role matrix: who may reach which staff page, and whose records they see there.

Roles: signed out, resident, housing officer (Housing service), library staff (Libraries
service), administrator. Every admin view and action is tried by each, including direct
URLs to the other service's records and CSV exports.
"""

import csv
import io

import pytest
import sqlalchemy as sa

from spacebank.extensions import db
from tests.admin_fixtures import council, post_form, signed_in  # noqa: F401
from tests.conftest import page, text_of

ROLES = ["signed_out", "resident", "housing", "library", "admin"]
STAFF_FORM = "/admin/book-for-caller/"  # any staff form page gives the session's CSRF token

# Model views every staff member may use: (endpoint, url prefix, record attribute on a Side).
SCOPED_VIEWS = [
    ("venue", "/admin/venue", "venue"),
    ("space", "/admin/space", "space"),
    ("openinghours", "/admin/opening-hours", "hours"),
    ("tariff", "/admin/rates", "tariff"),
    ("venuephoto", "/admin/photos", "photo"),
    ("closure", "/admin/closure", "closure"),
    ("booking", "/admin/booking", "booking"),
]
EDITABLE = {"venue", "space", "openinghours", "tariff", "venuephoto", "closure"}
CREATABLE = EDITABLE
EXPORTABLE = {"venue", "space", "tariff", "closure", "booking"}
CUSTOM_PAGES = ["/admin/", "/admin/requests/", "/admin/calendar/", "/admin/calendar/?view=day",
                "/admin/book-for-caller/", "/admin/reports/", "/admin/group/", "/admin/audit-log/",
                "/admin/closure/bank-holidays/"]
ADMIN_ONLY = ["/admin/user/", "/admin/service/", "/admin/service/new/"]


def client_for(app, council, role):
    return signed_in(app, None if role == "signed_out" else council.people[role])


def expect_denied(response, role, url):
    if role == "signed_out":
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/sign-in?next="), url
    else:
        assert response.status_code == 403, url
        assert text_of(page(response).select_one("h1")) == "You do not have permission to see this page"


# ---------------------------------------------------------------- who reaches the back office

@pytest.mark.parametrize("role", ROLES)
def test_custom_staff_pages_are_for_staff_only(app, council, role):
    client = client_for(app, council, role)
    for url in CUSTOM_PAGES:
        response = client.get(url)
        if role in ("signed_out", "resident"):
            expect_denied(response, role, url)
        else:
            assert response.status_code == 200, url
            assert len(page(response).select("h1")) == 1, url


@pytest.mark.parametrize("role", ROLES)
def test_users_and_services_are_for_administrators_only(app, council, role):
    client = client_for(app, council, role)
    for url in ADMIN_ONLY + [f"/admin/user/edit/?id={council.people['housing'].id}",
                             f"/admin/service/details/?id={council.housing.service.id}"]:
        response = client.get(url)
        if role == "admin":
            assert response.status_code == 200, url
        elif role in ("signed_out",):
            expect_denied(response, role, url)
        else:
            # Staff who are not administrators get the same answer as residents.
            assert response.status_code == 403, url


def test_signed_out_staff_are_sent_to_sign_in_and_brought_back(app, council):
    client = app.test_client()
    response = client.get("/admin/booking/?search=SB")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/admin/booking/?search%3DSB"


@pytest.mark.parametrize("role", ["signed_out", "resident"])
def test_people_who_are_not_staff_reach_no_model_view(app, council, role):
    client = client_for(app, council, role)
    for endpoint, prefix, attr in SCOPED_VIEWS:
        record = getattr(council.housing, attr)
        urls = [f"{prefix}/", f"{prefix}/details/?id={record.id}"]
        if endpoint in EDITABLE:
            urls += [f"{prefix}/new/", f"{prefix}/edit/?id={record.id}"]
        if endpoint in EXPORTABLE:
            urls.append(f"{prefix}/export/csv/")
        for url in urls:
            expect_denied(client.get(url), role, url)


# ---------------------------------------------------------------- each officer sees their own service

@pytest.mark.parametrize("role", ["housing", "library", "admin"])
def test_staff_open_their_own_services_records(app, council, role):
    client = client_for(app, council, role)
    for endpoint, prefix, attr in SCOPED_VIEWS:
        record = getattr(council.side(role), attr)
        urls = [f"{prefix}/", f"{prefix}/details/?id={record.id}"]
        if endpoint in EDITABLE:
            urls += [f"{prefix}/edit/?id={record.id}", f"{prefix}/new/"]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert len(page(response).select("h1")) == 1, url


@pytest.mark.parametrize("role", ["housing", "library"])
def test_typing_another_services_record_id_finds_nothing(app, council, role):
    client = client_for(app, council, role)
    other = council.library if role == "housing" else council.housing
    for endpoint, prefix, attr in SCOPED_VIEWS:
        record = getattr(other, attr)
        for url in [f"{prefix}/details/?id={record.id}", f"{prefix}/details/?id=abc", f"{prefix}/details/?id=99999999999"]:
            assert client.get(url).status_code == 404, url
        if endpoint in EDITABLE:
            url = f"{prefix}/edit/?id={record.id}"
            assert client.get(url).status_code == 404, url
            assert post_form(client, url, {"name": "Taken over"}, token_url=STAFF_FORM).status_code == 404, url


@pytest.mark.parametrize("role", ["housing", "library"])
def test_lists_show_only_the_officers_own_venues_and_bookings(app, council, role):
    client = client_for(app, council, role)
    mine, theirs = council.side(role), council.library if role == "housing" else council.housing
    venues = text_of(page(client.get("/admin/venue/")).select_one("table"))
    assert mine.venue.name in venues and theirs.venue.name not in venues
    bookings = text_of(page(client.get("/admin/booking/")).select_one("table"))
    assert mine.booking.reference in bookings and theirs.booking.reference not in bookings
    queue = text_of(page(client.get("/admin/requests/")).select_one("main"))
    assert mine.request.reference in queue and theirs.request.reference not in queue
    calendar = text_of(page(client.get("/admin/calendar/")).select_one("main"))
    assert mine.venue.name in calendar and theirs.venue.name not in calendar


def test_an_administrator_sees_every_services_records(app, council):
    client = client_for(app, council, "admin")
    venues = text_of(page(client.get("/admin/venue/")).select_one("table"))
    assert "Pembury Hall" in venues and "Central Library" in venues


@pytest.mark.parametrize("role", ["housing", "library", "admin"])
def test_csv_exports_hold_only_the_officers_own_rows(app, council, role):
    client = client_for(app, council, role)
    for endpoint, prefix, attr in SCOPED_VIEWS:
        if endpoint not in EXPORTABLE:
            continue
        response = client.get(f"{prefix}/export/csv/")
        assert response.status_code == 200, prefix
        body = response.get_data(as_text=True)
        assert len(list(csv.reader(io.StringIO(body)))) >= 2, prefix
        housing_name, library_name = "Pembury Hall", "Central Library"
        if endpoint == "booking":
            housing_name, library_name = council.housing.booking.reference, council.library.booking.reference
        seen = (housing_name in body, library_name in body)
        assert seen == {"housing": (True, False), "library": (False, True), "admin": (True, True)}[role], prefix


@pytest.mark.parametrize("role", ["housing", "library"])
def test_report_csvs_cannot_reach_another_services_venue(app, council, role):
    client = client_for(app, council, role)
    other = council.library if role == "housing" else council.housing
    mine = council.side(role)
    url = f"/admin/reports/bookings.csv?start=2020-01-01&end=2020-12-31&venue={other.venue.id}"
    assert client.get(url).status_code == 400  # not one of their venues: the choice is refused
    day = mine.booking.starts_at.date()
    url = (f"/admin/reports/bookings.csv?start={day.replace(day=1).isoformat()}&end={day.isoformat()}"
           f"&venue={mine.venue.id}")
    response = client.get(url)
    assert response.status_code == 200
    assert mine.booking.reference in response.get_data(as_text=True)
    assert other.booking.reference not in response.get_data(as_text=True)


# ---------------------------------------------------------------- actions, deletes and custom pages on others' records

def test_an_officer_deletes_their_own_closures_but_not_another_services(app, council):
    from spacebank.venues.models import Closure

    client = client_for(app, council, "housing")
    theirs, mine = council.library.closure.id, council.housing.closure.id
    delete = {"url": "/admin/closure/"}
    assert post_form(client, "/admin/closure/delete/", {**delete, "id": str(theirs)}, token_url=STAFF_FORM).status_code == 404
    response = post_form(client, "/admin/closure/action/", {"action": "delete", "rowid": [str(theirs), "junk"]},
                         token_url=STAFF_FORM)
    assert response.status_code == 302
    assert post_form(client, "/admin/closure/delete/", {**delete, "id": str(mine)}, token_url=STAFF_FORM).status_code == 302
    db.session.expire_all()
    assert db.session.get(Closure, theirs) is not None
    assert db.session.get(Closure, mine) is None


def test_the_publish_action_ignores_another_services_venues(app, council):
    from spacebank.venues.models import Venue

    council.library.venue.is_published = False
    db.session.commit()
    client = client_for(app, council, "housing")
    response = post_form(client, "/admin/venue/action/", {"action": "publish", "rowid": str(council.library.venue.id)},
                         token_url=STAFF_FORM)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Venue, council.library.venue.id).is_published is False


@pytest.mark.parametrize("path", ["cancel", "move"])
def test_booking_pages_for_another_services_booking_are_not_found(app, council, path):
    client = client_for(app, council, "library")
    url = f"/admin/booking/{council.housing.booking.id}/{path}/"
    assert client.get(url).status_code == 404
    assert post_form(client, url, {"reason": "x"}, token_url=STAFF_FORM).status_code == 404


def test_a_calendar_for_another_services_venue_is_not_found(app, council):
    client = client_for(app, council, "housing")
    assert client.get(f"/admin/calendar/?venue={council.library.venue.id}").status_code == 404
    assert client.get("/admin/calendar/?venue=not-a-number").status_code == 404


def test_approving_another_services_request_changes_nothing(app, council):
    from spacebank.bookings.models import Booking, BookingStatus

    client = client_for(app, council, "housing")
    target = council.library.request
    response = post_form(client, "/admin/requests/", {"bookings": str(target.id), "decision": "approve"})
    assert response.status_code == 200
    assert "Someone has already decided one of the selected requests" in text_of(page(response).select_one(".govuk-error-summary"))
    db.session.expire_all()
    assert db.session.get(Booking, target.id).status == BookingStatus.REQUESTED


def test_bank_holiday_closures_skip_another_services_venues(app, council):
    from spacebank.venues.models import Closure

    client = client_for(app, council, "housing")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Closure))
    url = f"/admin/closure/bank-holidays/?venue={council.library.venue.id}"
    response = post_form(client, url, {"venue": str(council.library.venue.id), "year": "2027",
                                       "reason": "Closed for the bank holiday"}, token_url=STAFF_FORM)
    assert response.status_code == 200
    assert "Select one or more of your venues" in text_of(page(response).select_one("main"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Closure)) == before


def test_an_officer_cannot_put_a_space_in_another_services_venue(app, council):
    from spacebank.venues.models import Space

    client = client_for(app, council, "housing")
    response = post_form(client, "/admin/space/new/", {
        "venue_id": str(council.library.venue.id), "name": "Sneaky room", "capacity_seated": "10",
        "capacity_standing": "0", "min_booking_minutes": "60", "max_booking_minutes": "240",
        "turnaround_minutes": "0", "min_notice_hours": "0", "booking_horizon_days": "30",
        "cancellation_notice_hours": "0"})
    assert response.status_code == 200
    assert "Select the venue" in text_of(page(response).select_one(".govuk-error-summary"))
    assert db.session.scalar(sa.select(Space).where(Space.name == "Sneaky room")) is None


def test_hidden_fields_never_appear_in_the_users_pages(app, council):
    client = client_for(app, council, "admin")
    user = council.people["resident"]
    user.calendar_token = "secret-calendar-token-123"
    db.session.commit()
    for url in ("/admin/user/", f"/admin/user/details/?id={user.id}", f"/admin/user/edit/?id={user.id}",
                "/admin/user/export/csv/"):
        body = client.get(url).get_data(as_text=True)
        assert "argon2" not in body and "secret-calendar-token-123" not in body, url
        assert "password_hash" not in body and "calendar_token" not in body, url


def test_an_administrator_gives_someone_a_staff_role_only_with_a_service(app, council):
    from spacebank.accounts.models import Role, User
    from tests.admin_fixtures import error_summary

    client = client_for(app, council, "admin")
    resident = council.people["resident"]
    url = f"/admin/user/edit/?id={resident.id}"
    form = {"name": "Rosa Resident", "phone": "", "role": "housing_officer", "service_id": ""}
    response = post_form(client, url, form)
    assert error_summary(response) == ["Select the service this housing officer works for"]
    response = post_form(client, url, {**form, "service_id": str(council.housing.service.id)})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, resident.id)
    assert (user.role, user.service_id) == (Role.HOUSING_OFFICER, council.housing.service.id)
    from tests.admin_fixtures import audit_actions

    assert audit_actions("user") == ["user.updated"]


def test_an_administrator_adds_a_service_with_a_unique_name(app, council):
    from spacebank.venues.models import Service
    from tests.admin_fixtures import error_summary

    client = client_for(app, council, "admin")
    response = post_form(client, "/admin/service/new/", {"name": "libraries", "free_hours_per_group_month": "10"})
    assert error_summary(response) == ["There is already a service with this name"]
    response = post_form(client, "/admin/service/new/", {"name": "Leisure Centres", "free_hours_per_group_month": "10"})
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service).where(Service.name == "Leisure Centres"))
    assert (service.slug, service.free_hours_per_group_month) == ("leisure-centres", 10)
