"""Community groups: create, members and invitations, verification states, and privacy."""

import pytest
import sqlalchemy as sa

from spacebank.accounts import groups
from spacebank.accounts.models import Group, GroupInvitation, GroupKind, GroupMembership, Role, Verification
from spacebank.audit import AuditEvent
from spacebank.extensions import db

from .accounts_fixtures import (BASE_URL, banner, emails, error_summary, field_error, heading, limited_client, link_in,
                                main_text, refreshed, submit, title)
from .conftest import page, selects_during, sign_in, text_of

__all__ = ["limited_client"]  # a fixture, used by name

GROUP_FORM = {"name": "Dalston Chess Club", "kind": "constituted", "registration_number": "",
              "description": "Chess for all ages, Tuesday evenings.", "contact_email": "", "contact_phone": ""}


def group_actions(group) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "group", AuditEvent.object_id == group.id).order_by(AuditEvent.id)))


def signed_in(app, user):
    browser = app.test_client()
    sign_in(browser, user.email)
    return browser


@pytest.fixture
def council(make):
    """The community halls service, whose contact address receives verification requests."""
    return make.service(name="Housing – Community Halls", slug="community-halls", contact_email="halls@hackney.gov.uk")


@pytest.fixture
def admin_member_outsider(make):
    """A group with an admin and an ordinary member, and a resident who is in neither."""
    admin, member, outsider = make.user(name="Ada Admin"), make.user(name="Mel Member"), make.user(name="Otto Outsider")
    group = make.group(members=[admin, member], verified=False, name="Clapton Gardeners",
                       description="Growing vegetables together.")
    db.session.commit()
    return group, admin, member, outsider


# ---------------------------------------------------------------- your groups

def test_your_groups_lists_the_groups_you_belong_to_with_their_council_check(app, make):
    user = make.user()
    make.group(members=[user], verified=True, name="Knitting Circle")
    make.group(members=[user], verified=False, name="Youth Football")
    make.group(members=[make.user()], verified=True, name="Somebody Else's Group")
    db.session.commit()
    response = signed_in(app, user).get("/groups")
    rows = [[text_of(cell) for cell in row.select("th, td")] for row in page(response).select("tbody tr")]
    assert rows == [["Knitting Circle", "Admin", "Verified"], ["Youth Football", "Admin", "Not verified"]]


def test_your_groups_explains_what_to_do_when_you_have_none(app, make):
    response = signed_in(app, make.user()).get("/groups")
    assert "You do not belong to any groups yet." in main_text(response)
    assert page(response).select_one("a[href='/groups/new']") is not None


def test_group_pages_need_sign_in(client):
    for url in ["/groups", "/groups/new", "/groups/1", "/groups/invitations/1"]:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


# ---------------------------------------------------------------- create a group

def test_creating_a_group_makes_you_its_admin_and_it_starts_unverified(app, make):
    user = make.user()
    db.session.commit()
    browser = signed_in(app, user)
    response = submit(browser, "/groups/new", GROUP_FORM | {"contact_email": "Chess@Example.com",
                                                            "contact_phone": "020 7946 0000"})
    group = db.session.scalar(sa.select(Group).where(Group.name == "Dalston Chess Club"))
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}"
    assert group.kind == GroupKind.CONSTITUTED and group.verification == Verification.UNVERIFIED
    assert group.contact_email == "chess@example.com" and group.registration_number is None
    assert [(m.user_id, m.is_admin) for m in group.memberships] == [(user.id, True)]
    assert group_actions(group) == ["group.created"]
    detail = browser.get(f"/groups/{group.id}")
    assert heading(detail) == "Dalston Chess Club"
    assert text_of(page(detail).select_one("#verification-status")) == "Not verified"


def test_the_create_group_form_has_labelled_fields_radios_and_a_csrf_token(app, make):
    soup = page(signed_in(app, make.user()).get("/groups/new"))
    assert [text_of(label) for label in soup.select(".govuk-radios__label")] == [
        "Constituted community group", "Registered charity", "Tenants' and residents' association", "Other"]
    assert text_of(soup.select_one("legend")) == "What type of group is it?"
    assert soup.select_one("#name")["autocomplete"] == "organization"
    assert soup.select_one("#contact_email")["type"] == "email"
    assert text_of(soup.select_one("button#submit")) == "Create group"
    assert soup.select_one("form input[name=csrf_token]")["value"]


def test_a_registered_charity_number_is_stored_without_spaces(app, make):
    user = make.user()
    db.session.commit()
    submit(signed_in(app, user), "/groups/new", GROUP_FORM | {"kind": "charity", "registration_number": "1234 567"})
    group = db.session.scalar(sa.select(Group))
    assert group.kind == GroupKind.CHARITY and group.registration_number == "1234567"


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"name": ""}, "name", "Enter the name of the group"),
    ({"name": "N" * 161}, "name", "Name of the group must be 160 characters or fewer"),
    ({"kind": ""}, "kind", "Select what type of group it is"),
    ({"kind": "company"}, "kind", "Select what type of group it is"),
    ({"kind": "charity", "registration_number": ""}, "registration_number", "Enter your charity number"),
    ({"kind": "charity", "registration_number": "12345"}, "registration_number",
     "Charity number must be 6 to 8 digits, like 1234567"),
    ({"kind": "charity", "registration_number": "123456789"}, "registration_number",
     "Charity number must be 6 to 8 digits, like 1234567"),
    ({"kind": "charity", "registration_number": "12a4567"}, "registration_number",
     "Charity number must be 6 to 8 digits, like 1234567"),
    ({"kind": "other", "registration_number": "<script>"}, "registration_number",
     "Registration number must only include letters, numbers, spaces, hyphens and slashes"),
    ({"registration_number": "1" * 41}, "registration_number", "Registration number must be 40 characters or fewer"),
    ({"description": ""}, "description", "Enter what the group does"),
    ({"description": "x" * 2001}, "description", "What the group does must be 2000 characters or fewer"),
    ({"description": "bell\x07byte"}, "description", "What the group does must only include letters, numbers and punctuation"),
    ({"contact_email": "chess-at-example"}, "contact_email",
     "Enter an email address in the correct format, like name@example.com"),
    ({"contact_phone": "ring us"}, "contact_phone",
     "Enter a telephone number, like 020 8356 3000, 07700 900 982 or +44 20 8356 3000"),
])
def test_creating_a_group_explains_each_problem(app, make, fields, field_id, message):
    browser = signed_in(app, make.user())
    response = submit(browser, "/groups/new", GROUP_FORM | fields)
    assert response.status_code == 200
    assert title(response).startswith("Error: Create a community group")
    assert message in error_summary(response)
    assert field_error(response, field_id) == message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


def test_a_registration_number_is_optional_for_other_kinds_of_group(app, make):
    browser = signed_in(app, make.user())
    submit(browser, "/groups/new", GROUP_FORM | {"kind": "tenants_association", "registration_number": "IP 31234R"})
    assert db.session.scalar(sa.select(Group.registration_number)) == "IP 31234R"


# ---------------------------------------------------------------- privacy: guessing ids

def test_a_resident_cannot_see_or_change_someone_elses_group(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    membership = next(m for m in group.memberships if m.user_id == member.id)
    browser = signed_in(app, outsider)
    assert browser.get(f"/groups/{group.id}").status_code == 404
    for url in [f"/groups/{group.id}/edit", f"/groups/{group.id}/members/new",
                f"/groups/{group.id}/leave", f"/groups/{group.id}/verification",
                f"/groups/{group.id}/members/{membership.id}/remove"]:
        assert browser.get(url).status_code == 404, url
        assert submit(browser, url, GROUP_FORM | {"email": "x@example.com"}, form_url="/account/details").status_code == 404, url
    for url in [f"/groups/{group.id}/members/{membership.id}/make-admin"]:
        assert submit(browser, url, form_url="/account/details").status_code == 404
    group = refreshed(group)
    assert group.name == "Clapton Gardeners" and group.verification == Verification.UNVERIFIED
    assert len(group.memberships) == 2 and not any(m.is_admin for m in group.memberships if m.user_id == member.id)


def test_a_member_who_is_not_an_admin_cannot_manage_the_group(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    admin_membership = next(m for m in group.memberships if m.user_id == admin.id)
    browser = signed_in(app, member)
    assert browser.get(f"/groups/{group.id}").status_code == 200
    for url in [f"/groups/{group.id}/edit", f"/groups/{group.id}/members/new", f"/groups/{group.id}/verification",
                f"/groups/{group.id}/members/{admin_membership.id}/remove"]:
        assert browser.get(url).status_code == 403, url
        assert submit(browser, url, GROUP_FORM | {"email": "x@example.com"}, form_url="/account/details").status_code == 403, url
    assert submit(browser, f"/groups/{group.id}/members/{admin_membership.id}/make-admin",
                  form_url="/account/details").status_code == 403
    assert refreshed(group).name == "Clapton Gardeners" and emails() == []


def test_an_ordinary_member_sees_names_but_not_email_addresses_or_admin_actions(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    soup = page(signed_in(app, member).get(f"/groups/{group.id}"))
    members_table = soup.select_one("table")
    assert admin.email not in text_of(members_table)
    assert [text_of(row.select_one("th")) for row in members_table.select("tbody tr")] == [
        "Ada Admin", "Mel Member (you)"]
    assert soup.select_one(f"a[href='/groups/{group.id}/edit']") is None
    assert soup.select_one(f"a[href='/groups/{group.id}/members/new']") is None


@pytest.mark.parametrize("url", ["/groups/999999", "/groups/99999999999999999999", "/groups/abc",
                                 "/groups/{group}/members/99999999999999999/remove",
                                 "/groups/invitations/99999999999999999999"])
def test_ids_that_do_not_exist_or_are_not_numbers_are_not_found(app, admin_member_outsider, url):
    group, admin, member, outsider = admin_member_outsider
    assert signed_in(app, admin).get(url.format(group=group.id)).status_code == 404


def test_a_membership_of_another_group_cannot_be_removed_through_yours(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    other = make.group(members=[outsider, make.user()], verified=False)
    db.session.commit()
    other_membership = other.memberships[1]
    browser = signed_in(app, admin)
    assert browser.get(f"/groups/{group.id}/members/{other_membership.id}/remove").status_code == 404
    assert submit(browser, f"/groups/{group.id}/members/{other_membership.id}/make-admin",
                  form_url="/account/details").status_code == 404
    assert len(refreshed(other).memberships) == 2


# ---------------------------------------------------------------- members and invitations

def test_an_admin_invites_someone_who_accepts_through_the_emailed_link(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    admin_browser = signed_in(app, admin)
    form = page(admin_browser.get(f"/groups/{group.id}/members/new"))
    assert text_of(form.select_one("h1")) == "Add a member to Clapton Gardeners"
    response = submit(admin_browser, f"/groups/{group.id}/members/new", {"email": outsider.email.upper()})
    assert response.status_code == 302
    assert f"We have sent an invitation to {outsider.email}" in banner(admin_browser.get(f"/groups/{group.id}"))
    assert outsider.email in text_of(page(admin_browser.get(f"/groups/{group.id}")).select("table")[1])

    [invitation_email] = emails(outsider.email)
    assert invitation_email.subject == "Join Clapton Gardeners on Spacebank"
    assert "Ada Admin has invited you" in invitation_email.body
    assert f"{BASE_URL}/create-account" in invitation_email.body  # for someone without an account yet
    link = link_in(invitation_email)

    outsider_browser = signed_in(app, outsider)
    assert "Invitation to join Clapton Gardeners" in main_text(outsider_browser.get("/groups"))
    invitation_page = outsider_browser.get(link)
    assert heading(invitation_page) == "Join Clapton Gardeners"
    accepted = submit(outsider_browser, link, {"decision": "accept"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == f"/groups/{group.id}"
    assert groups.is_member(outsider, refreshed(group))
    assert "group.member_joined" in group_actions(group)
    assert outsider_browser.get(link).status_code == 404  # accepted: the invitation is used up


def test_inviting_an_address_with_or_without_an_account_looks_the_same(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    browser = signed_in(app, admin)
    with_account = submit(browser, f"/groups/{group.id}/members/new", {"email": outsider.email})
    with_account_banner = banner(browser.get(f"/groups/{group.id}")).replace(outsider.email, "X")
    without_account = submit(browser, f"/groups/{group.id}/members/new", {"email": "stranger@example.com"})
    without_account_banner = banner(browser.get(f"/groups/{group.id}")).replace("stranger@example.com", "X")
    assert with_account.status_code == without_account.status_code == 302
    assert with_account_banner == without_account_banner
    assert [m.subject for m in emails(outsider.email)] == [m.subject for m in emails("stranger@example.com")]


def test_the_invitation_is_only_for_the_address_it_was_sent_to(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    submit(signed_in(app, admin), f"/groups/{group.id}/members/new", {"email": "someone@example.com"})
    link = link_in(emails("someone@example.com")[0])
    wrong_person = signed_in(app, outsider)
    response = wrong_person.get(link)
    assert response.status_code == 404 and heading(response) == "Invitation not found"
    assert submit(wrong_person, link, {"decision": "accept"}, form_url="/account/details").status_code == 404
    assert not groups.is_member(outsider, refreshed(group))

    invitee = make.user(email="someone@example.com")
    db.session.commit()
    assert heading(signed_in(app, invitee).get(link)) == "Join Clapton Gardeners"


def test_declining_an_invitation_removes_it(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    submit(signed_in(app, admin), f"/groups/{group.id}/members/new", {"email": outsider.email})
    browser = signed_in(app, outsider)
    link = link_in(emails(outsider.email)[0])
    response = submit(browser, link, {"decision": "decline"})
    assert response.status_code == 302 and response.headers["Location"] == "/groups"
    assert "You have declined the invitation to join Clapton Gardeners." in banner(browser.get("/groups"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupInvitation)) == 0
    assert not groups.is_member(outsider, refreshed(group))


def test_inviting_the_same_address_again_resends_rather_than_duplicates(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    browser = signed_in(app, admin)
    submit(browser, f"/groups/{group.id}/members/new", {"email": "twice@example.com"})
    submit(browser, f"/groups/{group.id}/members/new", {"email": "twice@example.com"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupInvitation)) == 1
    assert len(emails("twice@example.com")) == 2


@pytest.mark.parametrize(("email", "message"), [
    ("", "Enter the email address of the person to add"),
    ("not-an-address", "Enter an email address in the correct format, like name@example.com"),
    ("MEMBER", "This person is already a member of the group"),
])
def test_adding_a_member_explains_problems(app, admin_member_outsider, email, message):
    group, admin, member, outsider = admin_member_outsider
    email = member.email.upper() if email == "MEMBER" else email
    response = submit(signed_in(app, admin), f"/groups/{group.id}/members/new", {"email": email})
    assert title(response).startswith("Error: Add a member to Clapton Gardeners")
    assert error_summary(response) == [message]
    assert field_error(response, "email") == message
    assert emails() == []


def test_an_admin_can_cancel_an_invitation(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    browser = signed_in(app, admin)
    submit(browser, f"/groups/{group.id}/members/new", {"email": "later@example.com"})
    invitation = db.session.scalar(sa.select(GroupInvitation))
    response = submit(browser, f"/groups/{group.id}/invitations/{invitation.id}/cancel", form_url=f"/groups/{group.id}")
    assert response.status_code == 302
    assert "The invitation to later@example.com has been cancelled." in banner(browser.get(f"/groups/{group.id}"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupInvitation)) == 0


def test_an_admin_removes_a_member_after_confirming(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    membership = next(m for m in group.memberships if m.user_id == member.id)
    browser = signed_in(app, admin)
    url = f"/groups/{group.id}/members/{membership.id}/remove"
    assert heading(browser.get(url)) == "Remove Mel Member from Clapton Gardeners?"
    response = submit(browser, url)
    assert response.status_code == 302
    assert "Mel Member has been removed from Clapton Gardeners." in banner(browser.get(f"/groups/{group.id}"))
    assert not groups.is_member(member, refreshed(group))
    assert "group.member_removed" in group_actions(group)
    assert signed_in(app, member).get(f"/groups/{group.id}").status_code == 404


def test_an_admin_removing_themselves_is_sent_to_leave_instead(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    own = next(m for m in group.memberships if m.user_id == admin.id)
    response = signed_in(app, admin).get(f"/groups/{group.id}/members/{own.id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}/leave"


def test_an_admin_makes_a_member_an_admin(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    membership = next(m for m in group.memberships if m.user_id == member.id)
    browser = signed_in(app, admin)
    submit(browser, f"/groups/{group.id}/members/{membership.id}/make-admin", form_url=f"/groups/{group.id}")
    assert groups.is_group_admin(member, refreshed(group))
    assert "Mel Member is now an admin of Clapton Gardeners." in banner(browser.get(f"/groups/{group.id}"))


def test_a_member_leaves_a_group(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    browser = signed_in(app, member)
    assert heading(browser.get(f"/groups/{group.id}/leave")) == "Leave Clapton Gardeners?"
    response = submit(browser, f"/groups/{group.id}/leave")
    assert response.status_code == 302 and response.headers["Location"] == "/groups"
    assert "You have left Clapton Gardeners." in banner(browser.get("/groups"))
    assert not groups.is_member(member, refreshed(group))


def test_the_only_admin_cannot_leave_while_others_remain(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    response = submit(signed_in(app, admin), f"/groups/{group.id}/leave")
    assert response.status_code == 200
    assert title(response).startswith("Error: Leave Clapton Gardeners?")
    assert error_summary(response) == [
        "You are the group's only admin. Make another member an admin before you leave"]
    assert groups.is_member(admin, refreshed(group))


def test_the_last_member_can_leave(app, make):
    user = make.user()
    group = make.group(members=[user], verified=False)
    db.session.commit()
    assert submit(signed_in(app, user), f"/groups/{group.id}/leave").status_code == 302
    assert refreshed(group).memberships == []


def test_invitations_are_rate_limited_per_address(app, limited_client, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    sign_in(limited_client, admin.email)
    for n in range(20):
        assert submit(limited_client, f"/groups/{group.id}/members/new", {"email": f"p{n}@example.com"}).status_code == 302
    assert submit(limited_client, f"/groups/{group.id}/members/new", {"email": "p@example.com"}).status_code == 429


# ---------------------------------------------------------------- verification

def test_asking_for_verification_makes_the_group_pending_and_emails_the_council(app, council, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    browser = signed_in(app, admin)
    detail = page(browser.get(f"/groups/{group.id}"))
    assert detail.select_one(f"a[href='/groups/{group.id}/verification']") is not None
    assert heading(browser.get(f"/groups/{group.id}/verification")) == "Ask the council to verify Clapton Gardeners"
    response = submit(browser, f"/groups/{group.id}/verification")
    assert response.status_code == 302
    group = refreshed(group)
    assert group.verification == Verification.PENDING and group.verification_requested_at is not None
    assert "group.verification_requested" in group_actions(group)
    [request] = emails("halls@hackney.gov.uk")
    assert request.subject == "Check a community group: Clapton Gardeners"
    assert "Asked by: Ada Admin" in request.body
    after = browser.get(f"/groups/{group.id}")
    assert text_of(page(after).select_one("#verification-status")) == "Waiting for the council to check"
    again = browser.get(f"/groups/{group.id}/verification")
    assert "The council is already checking this group." in main_text(again)
    submit(browser, f"/groups/{group.id}/verification", form_url="/account/details")
    assert len(emails("halls@hackney.gov.uk")) == 1


def test_without_a_council_contact_the_request_is_still_recorded(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    submit(signed_in(app, admin), f"/groups/{group.id}/verification")
    assert refreshed(group).verification == Verification.PENDING
    assert emails() == []


def test_staff_verify_a_group_and_its_admins_are_told(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    officer = make.user(role=Role.HOUSING_OFFICER, service=make.service())
    groups.verify_group(group, officer)
    db.session.commit()
    group = refreshed(group)
    assert group.verification == Verification.VERIFIED
    assert group.verified_by_id == officer.id and group.verified_at is not None
    assert "group.verified" in group_actions(group)
    [told] = emails(admin.email)
    assert told.subject == "Clapton Gardeners is verified"
    assert emails(member.email) == []
    assert signed_in(app, admin).get(link_in(told)).status_code == 200
    detail = signed_in(app, member).get(f"/groups/{group.id}")
    assert text_of(page(detail).select_one("#verification-status")) == "Verified"


def test_staff_reject_a_group_with_a_reason_that_its_admins_see(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    officer = make.user(role=Role.ADMINISTRATOR)
    with pytest.raises(groups.GroupRuleError, match="Enter the reason the group is not approved"):
        groups.reject_group(group, officer, "   ")
    groups.reject_group(group, officer, "We could not find the charity number on the register.")
    db.session.commit()
    group = refreshed(group)
    assert group.verification == Verification.REJECTED
    assert group.verification_reason == "We could not find the charity number on the register."
    [told] = emails(admin.email)
    assert told.subject == "Clapton Gardeners has not been approved"
    assert "We could not find the charity number on the register." in told.body
    browser = signed_in(app, admin)
    detail = page(browser.get(f"/groups/{group.id}"))
    assert text_of(detail.select_one("#verification-status")) == "Not approved"
    assert "We could not find the charity number on the register." in text_of(detail.select_one(".govuk-inset-text"))
    # A rejected group may ask again.
    submit(browser, f"/groups/{group.id}/verification")
    assert refreshed(group).verification == Verification.PENDING


def test_only_staff_can_verify_or_reject(admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    with pytest.raises(groups.NotAllowed):
        groups.verify_group(group, admin)
    with pytest.raises(groups.NotAllowed):
        groups.reject_group(group, admin, "No")
    assert group.verification == Verification.UNVERIFIED


def test_verifying_twice_or_rejecting_twice_is_refused(make, admin_member_outsider):
    group, *_ = admin_member_outsider
    officer = make.user(role=Role.ADMINISTRATOR)
    groups.verify_group(group, officer)
    with pytest.raises(groups.GroupRuleError, match="already verified"):
        groups.verify_group(group, officer)
    groups.reject_group(group, officer, "Not a community group")
    with pytest.raises(groups.GroupRuleError, match="already been rejected"):
        groups.reject_group(group, officer, "Still not")


def test_renaming_a_verified_group_sends_it_back_to_the_council(app, make, council):
    admin = make.user()
    group = make.group(members=[admin], verified=True, name="Old Name", description="What we do.")
    db.session.commit()
    browser = signed_in(app, admin)
    edit = browser.get(f"/groups/{group.id}/edit")
    assert page(edit).select_one("#name")["value"] == "Old Name"
    assert page(edit).select_one("input[name=kind][value=constituted]").has_attr("checked")
    assert "the council will need to check the group again" in main_text(edit)
    response = submit(browser, f"/groups/{group.id}/edit", GROUP_FORM | {"name": "New Name",
                                                                         "description": "What we do."})
    assert response.status_code == 302
    assert "the council needs to check the group again" in banner(browser.get(f"/groups/{group.id}"))
    group = refreshed(group)
    assert group.name == "New Name" and group.verification == Verification.PENDING
    assert group_actions(group)[-2:] == ["group.updated", "group.verification_requested"]
    assert [m.subject for m in emails("halls@hackney.gov.uk")] == ["Check a community group: New Name"]


def test_editing_a_verified_groups_description_keeps_it_verified(app, make):
    admin = make.user()
    group = make.group(members=[admin], verified=True, name="Dalston Chess Club", description="Old.")
    db.session.commit()
    submit(signed_in(app, admin), f"/groups/{group.id}/edit", GROUP_FORM | {"description": "New description."})
    group = refreshed(group)
    assert group.description == "New description." and group.verification == Verification.VERIFIED


def test_editing_explains_problems(app, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    response = submit(signed_in(app, admin), f"/groups/{group.id}/edit", GROUP_FORM | {"name": ""})
    assert title(response).startswith("Error: Change the details of Clapton Gardeners")
    assert field_error(response, "name") == "Enter the name of the group"


def _selects_for(browser, url: str) -> int:
    responses = []
    count = selects_during(lambda: responses.append(browser.get(url)))
    assert responses[0].status_code == 200, url
    return count


def test_group_pages_load_each_kind_of_row_once_however_many_rows(app, make):
    """No query per group, member or invitation listed (N+1)."""
    user = make.user()
    counts = []
    for _ in range(2):
        group = make.group(members=[user, make.user(), make.user()])
        db.session.add(GroupInvitation(group=make.group(members=[make.user()]), email=user.email))
        db.session.commit()
        browser = signed_in(app, user)
        counts.append((_selects_for(browser, "/groups"), _selects_for(browser, f"/groups/{group.id}")))
    group.memberships.append(GroupMembership(user=make.user()))
    db.session.commit()
    assert _selects_for(browser, f"/groups/{group.id}") == counts[0][1]
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- for the booking and admin areas

def test_groups_a_user_can_book_for_are_their_verified_groups_only(make):
    user, other = make.user(), make.user()
    verified = make.group(members=[user], verified=True, name="B verified")
    also_verified = make.group(members=[other, user], verified=True, name="A verified")
    make.group(members=[user], verified=False, name="Unverified")
    make.group(members=[other], verified=True, name="Not theirs")
    pending = make.group(members=[user], verified=False, name="Pending")
    pending.verification = Verification.PENDING
    db.session.commit()
    assert groups.groups_user_can_book_for(user) == [also_verified, verified]
    assert groups.is_member(user, also_verified) and not groups.is_group_admin(user, also_verified)
    assert not groups.is_member(other, verified)


def test_anonymous_visitors_belong_to_no_group(app, make):
    from flask_login import AnonymousUserMixin

    group = make.group(members=[make.user()])
    assert groups.groups_user_can_book_for(AnonymousUserMixin()) == []
    assert not groups.is_member(AnonymousUserMixin(), group)


def test_group_memberships_are_unique(make):
    user = make.user()
    group = make.group(members=[user])
    db.session.add(GroupMembership(group=group, user=user))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- every page

def test_every_account_and_group_page_has_one_h1_unique_ids_and_a_full_title(app, make, admin_member_outsider):
    group, admin, member, outsider = admin_member_outsider
    membership = next(m for m in group.memberships if m.user_id == member.id)
    browser = signed_in(app, admin)
    submit(browser, f"/groups/{group.id}/members/new", {"email": "invitee@example.com"})
    invitation = db.session.scalar(sa.select(GroupInvitation))
    invitee = make.user(email="invitee@example.com")
    db.session.commit()
    signed_in_pages = [
        "/account", "/account/details", "/account/password", "/account/email", "/confirm-email", "/groups",
        "/groups/new", f"/groups/{group.id}", f"/groups/{group.id}/edit", f"/groups/{group.id}/members/new",
        f"/groups/{group.id}/members/{membership.id}/remove", f"/groups/{group.id}/leave",
        f"/groups/{group.id}/verification", "/sign-out"]
    anonymous_pages = ["/sign-in", "/create-account", "/forgotten-password"]
    checks = [(browser, url) for url in signed_in_pages] + [(app.test_client(), url) for url in anonymous_pages]
    checks.append((signed_in(app, invitee), f"/groups/invitations/{invitation.id}"))
    for visitor, url in checks:
        response = visitor.get(url)
        assert response.status_code == 200, url
        soup = page(response)
        assert len(soup.select("h1")) == 1, url
        ids = [element["id"] for element in soup.select("[id]")]
        assert len(ids) == len(set(ids)), (url, sorted({i for i in ids if ids.count(i) > 1}))
        assert title(response).endswith(" – Spacebank – Hackney Council"), url
        assert not soup.select("[style]"), url
        for form in soup.select("form[method=post]"):
            assert form.select_one("input[name=csrf_token]") is not None, url
