"""Verifying and rejecting community groups; their bookings and free hours this month."""

from datetime import time

import pytest
import sqlalchemy as sa

from spacebank.accounts.models import Group, Verification
from spacebank.audit import AuditEvent
from spacebank.extensions import db
from spacebank.timeutil import local_datetime, today_local
from tests.admin_fixtures import council, emails_to, error_summary, person, post_form, signed_in  # noqa: F401
from tests.conftest import page, text_of


@pytest.fixture
def pending_group(make):
    leader = person("leader@example.com", "Lena Leader")
    group = make.group(members=[leader], verified=False, name="Stoke Newington Choir")
    group.verification = Verification.PENDING
    db.session.commit()
    return group


@pytest.fixture
def housing(app, council):
    return signed_in(app, council.people["housing"])


def test_groups_waiting_to_be_verified_are_listed_and_filterable(app, council, housing, pending_group):
    soup = page(housing.get("/admin/group/?flt0_0=pending"))
    names = text_of(soup.select_one("table"))
    assert "Stoke Newington Choir" in names and "Clapton Knitters" not in names


def test_verifying_a_group_emails_its_administrators_and_is_audited(app, council, housing, pending_group):
    url = f"/admin/group/{pending_group.id}/decide/"
    response = post_form(housing, url, {"decision": "verify", "reason": ""},
                         token_url=f"/admin/group/details/?id={pending_group.id}")
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.get(Group, pending_group.id)
    assert group.verification == Verification.VERIFIED and group.verified_by_id == council.people["housing"].id
    [email] = emails_to("leader@example.com")
    assert email.subject == "Stoke Newington Choir is verified"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "group.verified"))
    assert event.actor_id == council.people["housing"].id


def test_rejecting_a_group_needs_a_reason_which_the_group_is_sent(app, council, housing, pending_group):
    url = f"/admin/group/{pending_group.id}/decide/"
    details = f"/admin/group/details/?id={pending_group.id}"
    response = post_form(housing, url, {"decision": "reject", "reason": ""}, token_url=details)
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the reason the group is not approved"]
    assert page(response).title.string.startswith("Error: Group details")
    response = post_form(housing, url, {"decision": "reject", "reason": "We could not find the charity number."},
                         token_url=details)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Group, pending_group.id).verification == Verification.REJECTED
    [email] = emails_to("leader@example.com")
    assert "We could not find the charity number." in email.body


def test_a_group_page_shows_its_bookings_at_your_venues_and_free_hours_this_month(app, council, housing, make):
    group = council.group
    today = today_local()
    hall = council.housing.space
    for tariff in hall.tariffs:
        tariff.free_for_verified_groups = True
    # A free community booking this month at a housing venue, and one at a library (not shown to housing).
    day = today.replace(day=28) if today.day < 28 else today
    free = make.booking(hall, local_datetime(day, time(19)), local_datetime(day, time(22)),
                        booker=council.people["resident"], group=group, hirer_category="community", price_pence=0)
    other = make.booking(council.library.space, local_datetime(day, time(19)), local_datetime(day, time(20)),
                         booker=council.people["resident"], group=group, hirer_category="community", price_pence=0)
    soup = page(housing.get(f"/admin/group/details/?id={group.id}"))
    main = text_of(soup.select_one("main"))
    assert free.reference in main and other.reference not in main
    free_hours = text_of(soup.select("dl")[-1])
    assert "Housing – Community Halls 3 hours of 20 hours" in free_hours
    assert "Libraries" not in free_hours


def test_another_services_staff_can_also_verify_groups(app, council, pending_group):
    library = signed_in(app, council.people["library"])
    response = post_form(library, f"/admin/group/{pending_group.id}/decide/", {"decision": "verify"},
                         token_url=f"/admin/group/details/?id={pending_group.id}")
    assert response.status_code == 302
