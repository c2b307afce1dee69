"""The audit log: read-only, filterable, showing before and after, and scoped to the officer's service."""

import sqlalchemy as sa

from spacebank.audit import AuditEvent
from spacebank.extensions import db
from tests.admin_fixtures import council, post_form, signed_in  # noqa: F401
from tests.conftest import page, text_of


def test_a_change_appears_in_the_log_with_its_before_and_after(app, council):
    housing = signed_in(app, council.people["housing"])
    space = council.housing.space
    data = {"venue_id": str(space.venue_id), "parent_id": "", "name": "Great room", "capacity_seated": "80",
            "capacity_standing": "100", "min_booking_minutes": "60", "max_booking_minutes": "480",
            "turnaround_minutes": "30", "min_notice_hours": "0", "booking_horizon_days": "180",
            "cancellation_notice_hours": "48", "is_bookable": "y", "requires_approval": "y"}
    assert post_form(housing, f"/admin/space/edit/?id={space.id}", data).status_code == 302
    log = page(housing.get("/admin/audit-log/"))
    first_row = [text_of(td) for td in log.select("table tbody tr")[0].select("td")]
    assert first_row[1:] == ["Hana Housing", "space.updated", "Changed space Great room, Pembury Hall"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "space.updated"))
    details = page(housing.get(f"/admin/audit-log/details/?id={event.id}"))
    changes = text_of(details.select_one("main dl"))
    assert "name: Main room → Great room" in changes and "capacity_seated: 50 → 80" in changes


def test_the_log_is_read_only(app, council):
    admin = signed_in(app, council.people["admin"])
    post_form(admin, "/admin/venue/action/", {"action": "unpublish", "rowid": str(council.housing.venue.id)},
              token_url="/admin/book-for-caller/")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "venue.unpublished"))
    edit = admin.get(f"/admin/audit-log/edit/?id={event.id}")
    assert edit.status_code == 302 and edit.headers["Location"] == "/admin/audit-log/"
    assert admin.get("/admin/audit-log/new/").status_code == 302
    deleted = post_form(admin, "/admin/audit-log/delete/", {"id": str(event.id)}, token_url="/admin/book-for-caller/")
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id) is not None
    assert not page(admin.get("/admin/audit-log/")).select("#bulk-action-form"), "no bulk delete"


def test_the_log_filters_by_what_happened_and_shows_officers_only_their_service(app, council):
    admin = signed_in(app, council.people["admin"])
    for side in (council.housing, council.library):
        post_form(admin, "/admin/venue/action/", {"action": "unpublish", "rowid": str(side.venue.id)},
                  token_url="/admin/book-for-caller/")
    everything = text_of(page(admin.get("/admin/audit-log/?flt0_0=unpublished")).select_one("table tbody"))
    assert "Unpublished Pembury Hall" in everything and "Unpublished Central Library" in everything

    housing = signed_in(app, council.people["housing"])
    own = text_of(page(housing.get("/admin/audit-log/")).select_one("table tbody"))
    assert "Unpublished Pembury Hall" in own and "Central Library" not in own
    other = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_id == council.library.venue.id,
                                                          AuditEvent.object_type == "venue"))
    assert housing.get(f"/admin/audit-log/details/?id={other.id}").status_code == 404
    export = housing.get("/admin/audit-log/export/csv/").get_data(as_text=True)
    assert "Pembury Hall" in export and "Central Library" not in export


def test_a_nonsense_filter_value_is_ignored_not_a_crash(app, council):
    admin = signed_in(app, council.people["admin"])
    for query in ("flt0_3=2027-02-30", "flt0_2=abc", "flt9_99=x", "sort=99", "page=-1", "page=99999999999999999999", "search=%27%20OR%201%3D1"):
        assert admin.get(f"/admin/audit-log/?{query}").status_code == 200, query
