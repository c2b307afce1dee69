"""Accounts: create, confirm, sign in and out, lockout and rate limits, reset, change details."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import login_user

from spacebank.accounts import tokens
from spacebank.accounts.access import confirmed_email_required, needs_confirmation
from spacebank.accounts.models import User
from spacebank.accounts.passwords import is_common, password_problem, verify_password
from spacebank.audit import AuditEvent
from spacebank.extensions import db
from spacebank.timeutil import utcnow

from .accounts_fixtures import (NEW_PASSWORD, PASSWORD, banner, emails, error_summary, field_error, heading,
                                limited_client, link_in, main_text, refreshed, register, submit, title)
from .conftest import csrf_token, page, sign_in, text_of

__all__ = ["limited_client"]  # a fixture, used by name


def signed_in_user(client, make, **fields) -> User:
    """A new (saved) account, signed in on this client."""
    user = make.user(**fields)
    db.session.commit()
    sign_in(client, user.email)
    return user


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def audit_actions(user) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == user.id).order_by(AuditEvent.id)))


def nav_texts(response) -> list[str]:
    return [text_of(a) for a in page(response).select(".govuk-service-navigation__link")]


# ---------------------------------------------------------------- create an account

def test_create_account_page_has_labelled_fields_with_autocomplete_and_a_csrf_token(client):
    soup = page(client.get("/create-account"))
    assert text_of(soup.select_one("h1")) == "Create an account"
    expected = {"name": "name", "email": "email", "phone": "tel", "password": "new-password",
                "confirm_password": "new-password"}
    for field_id, autocomplete in expected.items():
        assert soup.select_one(f"#{field_id}")["autocomplete"] == autocomplete
        assert soup.select_one(f"label[for={field_id}]") is not None
    assert soup.select_one("#email")["type"] == "email"
    assert soup.select_one("form input[name=csrf_token]")["value"]


def test_a_new_account_is_unconfirmed_until_the_emailed_link_is_followed(client):
    response = register(client, email="Ann@Example.com", phone="020 8356 3000")
    assert response.status_code == 302
    assert response.headers["Location"] == "/create-account/check-your-email"
    check = client.get("/create-account/check-your-email")
    assert heading(check) == "Check your email"
    assert "We have sent an email to ann@example.com." in main_text(check)

    user = user_by_email("ann@example.com")
    assert user.name == "Ann Example" and user.phone == "020 8356 3000"
    assert user.email_confirmed_at is None and needs_confirmation(user)
    assert verify_password(user.password_hash, PASSWORD)
    assert user.password_hash.startswith("$argon2id$")

    [message] = emails()
    assert message.to == "ann@example.com"
    assert message.subject == "Confirm your email address"
    confirmed = client.get(link_in(message))
    assert confirmed.status_code == 200
    assert heading(confirmed) == "Email address confirmed"
    assert refreshed(user).email_confirmed_at is not None
    assert "account.email_confirmed" in audit_actions(user)


def test_following_the_confirmation_link_twice_is_harmless(client):
    register(client)
    link = link_in(emails()[0])
    client.get(link)
    again = client.get(link)
    assert again.status_code == 200 and heading(again) == "Email address confirmed"


EMPTY_FORM = {"name": "", "email": "", "password": "", "confirm_password": ""}


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    (EMPTY_FORM, "name", "Enter your full name"),
    (EMPTY_FORM, "email", "Enter your email address"),
    (EMPTY_FORM, "password", "Enter a password"),
    (EMPTY_FORM, "confirm_password", "Confirm your password"),
    ({"name": "A" * 121}, "name", "Full name must be 120 characters or fewer"),
    ({"name": "Ann\x07"}, "name", "Full name must only include letters, spaces and punctuation"),
    ({"email": "ann.example.com"}, "email", "Enter an email address in the correct format, like name@example.com"),
    ({"email": "a" * 250 + "@example.com"}, "email", "Email address must be 254 characters or fewer"),
    ({"phone": "call me"}, "phone", "Enter a telephone number, like 020 8356 3000, 07700 900 982 or +44 20 8356 3000"),
    ({"phone": "12345"}, "phone", "Enter a telephone number, like 020 8356 3000, 07700 900 982 or +44 20 8356 3000"),
    ({"password": "short-pass1", "confirm_password": "short-pass1"}, "password",
     "Password must be 12 characters or more"),
    ({"password": "x" * 129, "confirm_password": "x" * 129}, "password", "Password must be 128 characters or fewer"),
    ({"password": "Qwertyuiop123", "confirm_password": "Qwertyuiop123"}, "password",
     "Password is too easy to guess. Choose one that is not a common password, for example 3 random words"),
    ({"password": "1qaz2wsx3edc", "confirm_password": "1qaz2wsx3edc"}, "password",
     "Password is too easy to guess. Choose one that is not a common password, for example 3 random words"),
    ({"password": "ann.example-rocks", "confirm_password": "ann.example-rocks", "email": "ann.example@example.com"},
     "password", "Password must not include your email address"),
    ({"confirm_password": "something-else-entirely"}, "confirm_password", "Passwords must match"),
])
def test_create_account_explains_each_problem(client, fields, field_id, message):
    response = register(client, **fields)
    assert response.status_code == 200
    assert title(response).startswith("Error: Create an account")
    assert message in error_summary(response)
    assert field_error(response, field_id) == message
    assert page(response).select_one(f".govuk-error-summary a[href='#{field_id}']") is not None
    assert user_by_email("ann@example.com") is None and emails() == []


def test_a_new_account_password_is_never_sent_back_in_the_page(client):
    response = register(client, confirm_password="something-else-entirely")
    assert PASSWORD not in response.get_data(as_text=True)


def test_registering_an_address_that_has_an_account_looks_the_same_and_emails_its_owner(app, client, make):
    make.user(email="owner@example.com", name="Olu Owner")
    db.session.commit()
    other_client = app.test_client()

    taken = register(client, email="OWNER@example.com", name="Someone Else")
    fresh = register(other_client, email="fresh@example.com", name="Someone Else")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    taken_page = main_text(client.get("/create-account/check-your-email"))
    fresh_page = main_text(other_client.get("/create-account/check-your-email"))
    assert taken_page.replace("owner@example.com", "X") == fresh_page.replace("fresh@example.com", "X")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "owner@example.com")) == 1
    assert user_by_email("owner@example.com").name == "Olu Owner"
    [warning] = emails("owner@example.com")
    assert warning.subject == "Someone tried to create an account with your email address"
    assert "/sign-in" in warning.body and "/forgotten-password" in warning.body
    assert client.get(link_in(warning)).status_code == 200
    [confirmation] = emails("fresh@example.com")
    assert confirmation.subject == "Confirm your email address"


def test_a_signed_in_person_going_to_create_account_goes_to_their_account(client, make):
    signed_in_user(client, make)
    response = client.get("/create-account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_forms_without_the_csrf_token_are_refused(client):
    response = client.post("/create-account", data={"name": "Ann", "email": "ann@example.com",
                                                    "password": PASSWORD, "confirm_password": PASSWORD})
    assert response.status_code == 400
    assert "Your form expired" in main_text(response)
    assert user_by_email("ann@example.com") is None


# ---------------------------------------------------------------- confirmation links

def confirmation_token(user, now=None):
    return tokens.make_token(tokens.CONFIRM_EMAIL, {"user": user.id, "email": user.email}, now=now)


def test_a_confirmation_link_works_for_3_days_and_then_expires(client, make):
    user = make.user(email_confirmed_at=None)
    db.session.commit()
    expired = client.get(f"/confirm-email/{confirmation_token(user, utcnow() - timedelta(days=3, minutes=1))}")
    assert expired.status_code == 410
    assert heading(expired) == "The link has expired"
    assert page(expired).select_one("main a[href='/confirm-email']") is not None
    assert refreshed(user).email_confirmed_at is None

    still_valid = client.get(f"/confirm-email/{confirmation_token(user, utcnow() - timedelta(days=2, hours=23))}")
    assert heading(still_valid) == "Email address confirmed"


@pytest.mark.parametrize("token", ["not-a-token", "x" * 2000, "eyJ1c2VyIjoxfQ.AAAAAA.forged"])
def test_a_made_up_confirmation_link_is_not_valid(client, token):
    response = client.get(f"/confirm-email/{token}")
    assert response.status_code == 404
    assert heading(response) == "The link is not valid"


def test_a_token_made_for_another_purpose_does_not_confirm_an_address(client, make):
    user = make.user(email_confirmed_at=None)
    db.session.commit()
    reset = tokens.make_token(tokens.RESET_PASSWORD, {"user": user.id, "email": user.email})
    response = client.get(f"/confirm-email/{reset}")
    assert heading(response) == "The link is not valid"
    assert refreshed(user).email_confirmed_at is None


def test_a_confirmation_link_for_an_old_address_does_not_confirm_the_new_one(client, make):
    user = make.user(email="old@example.com", email_confirmed_at=None)
    db.session.commit()
    token = confirmation_token(user)
    user.email = "new@example.com"
    db.session.commit()
    assert heading(client.get(f"/confirm-email/{token}")) == "The link is not valid"
    assert refreshed(user).email_confirmed_at is None


def test_an_unconfirmed_person_can_sign_in_but_is_sent_to_confirm_before_booking(app, client, make):
    user = make.user(email_confirmed_at=None)
    db.session.commit()
    assert sign_in(client, user.email).status_code == 302
    assert needs_confirmation(user)

    with app.test_request_context("/book/1"):
        login_user(user)
        response = confirmed_email_required(lambda: "booking page")()
    assert response.status_code == 302 and response.headers["Location"] == "/confirm-email"

    user.email_confirmed_at = utcnow()
    with app.test_request_context("/book/1"):
        login_user(user)
        assert confirmed_email_required(lambda: "booking page")() == "booking page"
    assert not needs_confirmation(user)


def test_confirmed_email_required_sends_a_stranger_to_sign_in(app):
    with app.test_request_context("/book/1"):
        response = confirmed_email_required(lambda: "booking page")()
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_the_resend_page_sends_a_new_confirmation_link(client, make):
    signed_in_user(client, make, email="unconfirmed@example.com", email_confirmed_at=None)
    form = client.get("/confirm-email")
    assert heading(form) == "Confirm your email address"
    assert "unconfirmed@example.com" in main_text(form)
    response = submit(client, "/confirm-email")
    assert response.status_code == 302
    assert banner(client.get("/confirm-email")) .endswith("We have sent a new link to unconfirmed@example.com.")
    [message] = emails("unconfirmed@example.com")
    assert message.subject == "Confirm your email address"
    assert heading(client.get(link_in(message))) == "Email address confirmed"
    assert heading(client.get("/confirm-email")) == "Your email address is confirmed"


# ---------------------------------------------------------------- sign in and out

def test_signing_in_goes_to_the_page_asked_for_and_shows_the_account_links(client, make):
    user = make.user()
    db.session.commit()
    response = submit(client, "/sign-in?next=/groups", {"email": user.email.upper(), "password": PASSWORD},
                      form_url="/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/groups"
    links = nav_texts(client.get("/"))
    assert links[-4:] == ["My bookings", "Your account", "Your groups", "Sign out"]
    assert "Staff" not in links
    assert refreshed(user).last_signed_in_at is not None


def test_staff_see_the_staff_link(client, make):
    from spacebank.accounts.models import Role

    signed_in_user(client, make, role=Role.ADMINISTRATOR)
    assert "Staff" in nav_texts(client.get("/"))


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_to_another_site(client, make, target):
    user = make.user()
    db.session.commit()
    response = submit(client, f"/sign-in?next={target}", {"email": user.email, "password": PASSWORD},
                      form_url="/sign-in")
    assert response.headers["Location"] == "/"


def test_sign_in_page_has_autocomplete_and_links_to_reset_and_create(client):
    soup = page(client.get("/sign-in"))
    assert soup.select_one("#email")["autocomplete"] == "email"
    assert soup.select_one("#password")["autocomplete"] == "current-password"
    assert soup.select_one("a[href='/forgotten-password']") is not None
    assert soup.select_one("a[href='/create-account']") is not None


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"email": "", "password": "x"}, "email", "Enter your email address"),
    ({"email": "ann@example.com", "password": ""}, "password", "Enter your password"),
    ({"email": "not-an-email", "password": "x"}, "email",
     "Enter an email address in the correct format, like name@example.com"),
])
def test_sign_in_explains_missing_details(client, fields, field_id, message):
    response = submit(client, "/sign-in", fields)
    assert title(response).startswith("Error: Sign in")
    assert error_summary(response) == [message]
    assert field_error(response, field_id) == message


GENERIC = ("Enter a correct email address and password. If you have tried too many times, "
           "wait 15 minutes and try again")


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(app, client, make):
    make.user(email="known@example.com")
    db.session.commit()
    wrong_password = submit(client, "/sign-in", {"email": "known@example.com", "password": "wrong-password-here"})
    unknown = submit(app.test_client(), "/sign-in", {"email": "nobody@example.com", "password": "wrong-password-here"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert error_summary(wrong_password) == error_summary(unknown) == [GENERIC]
    assert (main_text(wrong_password).replace("known@", "X@")
            == main_text(unknown).replace("nobody@", "X@"))


def test_five_wrong_passwords_lock_the_account_for_15_minutes_with_the_same_message(client, make):
    user = make.user()
    db.session.commit()
    for _ in range(5):
        assert error_summary(submit(client, "/sign-in", {"email": user.email, "password": "wrong-password"})) == [GENERIC]
    locked = refreshed(user)
    assert locked.failed_sign_ins == 5
    assert locked.locked_until > utcnow() + timedelta(minutes=14)
    assert "account.locked" in audit_actions(user)

    right_password = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert right_password.status_code == 200 and error_summary(right_password) == [GENERIC]

    locked.locked_until = utcnow() - timedelta(seconds=1)  # 15 minutes later
    db.session.commit()
    assert submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    assert refreshed(user).failed_sign_ins == 0 and refreshed(user).locked_until is None


def test_a_successful_sign_in_resets_the_failure_count(client, make):
    user = make.user()
    db.session.commit()
    for _ in range(4):
        submit(client, "/sign-in", {"email": user.email, "password": "wrong-password"})
    assert submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    assert refreshed(user).failed_sign_ins == 0


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(app, client, make):
    user = signed_in_user(client, make)
    assert client.get("/account").status_code == 200
    user.is_disabled = True
    db.session.commit()
    assert client.get("/account").status_code == 302
    response = submit(app.test_client(), "/sign-in", {"email": user.email, "password": PASSWORD})
    assert error_summary(response) == [GENERIC]


def test_signing_out_asks_first_then_signs_out(client, make):
    signed_in_user(client, make)
    confirm = client.get("/sign-out")
    assert heading(confirm) == "Sign out of Spacebank"
    response = submit(client, "/sign-out")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/sign-out").status_code == 302


def test_changing_the_password_signs_out_every_other_session(app, make):
    user = make.user()
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user.email)
    sign_in(elsewhere, user.email)
    assert elsewhere.get("/account").status_code == 200

    response = submit(here, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                  "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    signed_out = elsewhere.get("/account")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/sign-in")


# ---------------------------------------------------------------- rate limits (per address)

def test_sign_in_attempts_are_limited_to_10_a_minute_from_one_address(app, limited_client):
    for attempt in range(10):
        response = submit(limited_client, "/sign-in", {"email": f"x{attempt}@example.com", "password": "wrong"})
        assert response.status_code == 200
    blocked = submit(limited_client, "/sign-in", {"email": "x@example.com", "password": "wrong"})
    assert blocked.status_code == 429
    assert heading(blocked) == "Too many attempts"
    assert limited_client.get("/sign-in").status_code == 200  # reading the page is not limited


def test_creating_accounts_is_limited_to_5_a_minute_from_one_address(limited_client):
    for attempt in range(5):
        assert register(limited_client, email=f"person{attempt}@example.com").status_code == 302
    assert register(limited_client, email="one-more@example.com").status_code == 429


def test_password_reset_requests_are_limited_to_5_a_minute_from_one_address(limited_client):
    for attempt in range(5):
        assert submit(limited_client, "/forgotten-password", {"email": f"p{attempt}@example.com"}).status_code == 302
    assert submit(limited_client, "/forgotten-password", {"email": "p@example.com"}).status_code == 429


# ---------------------------------------------------------------- forgotten password

def test_asking_for_a_reset_looks_the_same_whether_or_not_the_address_has_an_account(app, client, make):
    make.user(email="known@example.com")
    db.session.commit()
    other_client = app.test_client()
    known = submit(client, "/forgotten-password", {"email": "Known@example.com"})
    unknown = submit(other_client, "/forgotten-password", {"email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/forgotten-password/check-your-email"
    known_page = main_text(client.get(known.headers["Location"]))
    unknown_page = main_text(other_client.get(unknown.headers["Location"]))
    assert known_page.replace("known@", "X@") == unknown_page.replace("unknown@", "X@")
    assert "If known@example.com belongs to a Spacebank account" in known_page
    assert [m.to for m in emails()] == ["known@example.com"]


def test_the_reset_link_sets_a_new_password_once(client, make):
    user = make.user(email="reset@example.com")
    db.session.commit()
    submit(client, "/forgotten-password", {"email": "reset@example.com"})
    [message] = emails("reset@example.com")
    assert message.subject == "Reset your password"
    link = link_in(message)

    form = client.get(link)
    assert heading(form) == "Choose a new password"
    assert page(form).select_one("#password")["autocomplete"] == "new-password"
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "Your password has been changed" in banner(client.get("/sign-in"))

    assert verify_password(refreshed(user).password_hash, NEW_PASSWORD)
    assert "account.password_reset" in audit_actions(user)
    assert [m.subject for m in emails("reset@example.com")] == ["Reset your password", "Your password has been changed"]

    used = client.get(link)
    assert used.status_code == 410 and heading(used) == "The link has already been used"
    again = client.post(link, data={"password": "another-long-password", "confirm_password": "another-long-password",
                                    "csrf_token": csrf_token(client, "/sign-in")})
    assert heading(again) == "The link has already been used"
    assert verify_password(refreshed(user).password_hash, NEW_PASSWORD)

    assert submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 200
    assert submit(client, "/sign-in", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def reset_token(user, now=None):
    return tokens.make_token(tokens.RESET_PASSWORD,
                             {"user": user.id, "fingerprint": tokens.password_fingerprint(user)}, now=now)


def test_a_reset_link_works_for_an_hour_and_then_expires(client, make):
    user = make.user()
    db.session.commit()
    expired = client.get(f"/reset-password/{reset_token(user, utcnow() - timedelta(minutes=61))}")
    assert expired.status_code == 410 and heading(expired) == "The link has expired"
    assert page(expired).select_one("main a[href='/forgotten-password']") is not None
    fresh = client.get(f"/reset-password/{reset_token(user, utcnow() - timedelta(minutes=59))}")
    assert heading(fresh) == "Choose a new password"


def test_an_older_reset_link_stops_working_once_the_password_changes(client, make):
    user = make.user()
    db.session.commit()
    first, second = reset_token(user), reset_token(user)
    submit(client, f"/reset-password/{second}", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert heading(client.get(f"/reset-password/{first}")) == "The link has already been used"


def test_a_forged_reset_link_is_not_valid(client, make):
    user = make.user()
    db.session.commit()
    confirm = tokens.make_token(tokens.CONFIRM_EMAIL, {"user": user.id, "fingerprint": tokens.password_fingerprint(user)})
    assert heading(client.get(f"/reset-password/{confirm}")) == "The link is not valid"


@pytest.mark.parametrize(("password", "confirm", "field_id", "message"), [
    ("", "", "password", "Enter a password"),
    ("too-short", "too-short", "password", "Password must be 12 characters or more"),
    ("Password123456", "Password123456", "password",
     "Password is too easy to guess. Choose one that is not a common password, for example 3 random words"),
    ("resetme-purple-sky", "resetme-purple-sky", "password", "Password must not include your email address"),
    (NEW_PASSWORD, "different-new-password", "confirm_password", "Passwords must match"),
])
def test_the_new_password_page_explains_each_problem(client, make, password, confirm, field_id, message):
    user = make.user(email="resetme@example.com")
    db.session.commit()
    url = f"/reset-password/{reset_token(user)}"
    response = submit(client, url, {"password": password, "confirm_password": confirm})
    assert title(response).startswith("Error: Choose a new password")
    assert message in error_summary(response)
    assert field_error(response, field_id) == message
    assert verify_password(refreshed(user).password_hash, PASSWORD)


def test_resetting_the_password_unlocks_the_account_and_confirms_the_address(client, make):
    user = make.user(email_confirmed_at=None, failed_sign_ins=5, locked_until=utcnow() + timedelta(minutes=10))
    db.session.commit()
    submit(client, f"/reset-password/{reset_token(user)}", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    user = refreshed(user)
    assert user.locked_until is None and user.failed_sign_ins == 0
    assert user.email_confirmed_at is not None
    assert submit(client, "/sign-in", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_resetting_the_password_ends_sessions_signed_in_with_the_old_one(app, client, make):
    user = make.user()
    db.session.commit()
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email)
    submit(client, f"/reset-password/{reset_token(user)}", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert elsewhere.get("/account").status_code == 302


def test_the_reset_request_page_explains_problems(client):
    response = submit(client, "/forgotten-password", {"email": "nope"})
    assert title(response).startswith("Error: Reset your password")
    assert field_error(response, "email") == "Enter an email address in the correct format, like name@example.com"


def test_a_disabled_account_gets_no_reset_email(client, make):
    make.user(email="off@example.com", is_disabled=True)
    db.session.commit()
    submit(client, "/forgotten-password", {"email": "off@example.com"})
    assert emails() == []


# ---------------------------------------------------------------- your account

def test_your_account_shows_your_details_with_change_links(client, make):
    signed_in_user(client, make, email="me@example.com", name="Mo Resident", phone="07700 900 982",
                   email_confirmed_at=None)
    soup = page(client.get("/account"))
    rows = {text_of(row.select_one("dt")): text_of(row.select_one("dd")) for row in soup.select(".govuk-summary-list__row")}
    assert rows["Full name"] == "Mo Resident"
    assert rows["Email address"].startswith("me@example.com Not confirmed")
    assert rows["Telephone number"] == "07700 900 982"
    assert rows["Password"].startswith("Last changed ")
    change_links = [text_of(a) for a in soup.select(".govuk-summary-list__actions a")]
    assert "Change full name" in change_links and "Change password" in change_links


def test_changing_your_details_saves_them_and_records_the_change(client, make):
    user = signed_in_user(client, make, name="Old Name")
    form = page(client.get("/account/details"))
    assert form.select_one("#name")["value"] == "Old Name"
    response = submit(client, "/account/details", {"name": "  New Name ", "phone": "+44 20 8356 3000"})
    assert response.status_code == 302
    assert refreshed(user).name == "New Name" and refreshed(user).phone == "+44 20 8356 3000"
    assert "account.details_changed" in audit_actions(user)


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"name": "", "phone": ""}, "name", "Enter your full name"),
    ({"name": "Ann", "phone": "0208 CALL ME"}, "phone",
     "Enter a telephone number, like 020 8356 3000, 07700 900 982 or +44 20 8356 3000"),
])
def test_changing_your_details_explains_problems(client, make, fields, field_id, message):
    signed_in_user(client, make)
    response = submit(client, "/account/details", fields)
    assert title(response).startswith("Error: Change your details")
    assert field_error(response, field_id) == message


def test_changing_your_password_needs_the_current_one(client, make):
    user = signed_in_user(client, make)
    response = submit(client, "/account/password", {"current_password": "not-my-password", "password": NEW_PASSWORD,
                                                    "confirm_password": NEW_PASSWORD})
    assert title(response).startswith("Error: Change your password")
    assert field_error(response, "current_password") == "Your current password is not correct"
    assert verify_password(refreshed(user).password_hash, PASSWORD)


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"current_password": ""}, "current_password", "Enter your current password"),
    ({"password": "short"}, "password", "Password must be 12 characters or more"),
    ({"confirm_password": "not-the-same-one"}, "confirm_password", "Passwords must match"),
])
def test_changing_your_password_explains_problems(client, make, fields, field_id, message):
    signed_in_user(client, make)
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD} | fields
    response = submit(client, "/account/password", data)
    assert field_error(response, field_id) == message


def test_changing_your_password_emails_you_and_records_it(client, make):
    user = signed_in_user(client, make, email="pw@example.com")
    page_ = page(client.get("/account/password"))
    assert page_.select_one("#current_password")["autocomplete"] == "current-password"
    assert page_.select_one("#password")["autocomplete"] == "new-password"
    submit(client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                         "confirm_password": NEW_PASSWORD})
    assert "Your password has been changed." in banner(client.get("/account"))
    assert [m.subject for m in emails("pw@example.com")] == ["Your password has been changed"]
    assert "account.password_changed" in audit_actions(user)
    assert verify_password(refreshed(user).password_hash, NEW_PASSWORD)


def test_changing_your_email_address_takes_effect_when_the_new_address_confirms(client, make):
    user = signed_in_user(client, make, email="old@example.com")
    response = submit(client, "/account/email", {"email": "New@Example.com", "current_password": PASSWORD})
    assert response.status_code == 302
    assert "We have sent a link to new@example.com" in banner(client.get("/account"))
    assert refreshed(user).email == "old@example.com"
    [message] = emails("new@example.com")
    assert message.subject == "Confirm your new email address"

    link = link_in(message)
    changed = client.get(link)
    assert heading(changed) == "Email address changed"
    assert refreshed(user).email == "new@example.com"
    [notice] = emails("old@example.com")
    assert notice.subject == "Your email address has been changed"
    assert "new@example.com" in notice.body
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.email_changed"))
    assert event.before == {"email": "old@example.com"} and event.after == {"email": "new@example.com"}

    assert heading(client.get(link)) == "The link is not valid"  # used: the account no longer has the old address
    assert client.get("/account").status_code == 200  # still signed in


def test_changing_to_an_address_with_an_account_looks_the_same_and_changes_nothing(app, make):
    first = make.user(email="first@example.com")
    make.user(email="taken@example.com")
    third = make.user(email="third@example.com")
    db.session.commit()
    taken_client, free_client = app.test_client(), app.test_client()
    sign_in(taken_client, first.email)
    sign_in(free_client, third.email)
    taken = submit(taken_client, "/account/email", {"email": "taken@example.com", "current_password": PASSWORD})
    free = submit(free_client, "/account/email", {"email": "free@example.com", "current_password": PASSWORD})
    assert taken.status_code == free.status_code == 302
    taken_banner = banner(taken_client.get("/account")).replace("taken@", "X@").replace("first@", "Y@")
    free_banner = banner(free_client.get("/account")).replace("free@", "X@").replace("third@", "Y@")
    assert taken_banner == free_banner
    [warning] = emails("taken@example.com")
    assert warning.subject == "Someone tried to use your email address"
    assert refreshed(first).email == "first@example.com"


def test_a_change_link_cannot_take_an_address_someone_has_taken_since(client, make):
    user = make.user(email="mine@example.com")
    db.session.commit()
    token = tokens.make_token(tokens.CHANGE_EMAIL, {"user": user.id, "from": "mine@example.com", "to": "late@example.com"})
    make.user(email="late@example.com")
    db.session.commit()
    response = client.get(f"/account/email/confirm/{token}")
    assert response.status_code == 409 and heading(response) == "This email address cannot be used"
    assert refreshed(user).email == "mine@example.com"


def test_a_change_link_expires_after_3_days(client, make):
    user = make.user(email="mine@example.com")
    db.session.commit()
    token = tokens.make_token(tokens.CHANGE_EMAIL, {"user": user.id, "from": user.email, "to": "later@example.com"},
                              now=utcnow() - timedelta(days=3, seconds=60))
    assert heading(client.get(f"/account/email/confirm/{token}")) == "The link has expired"
    assert refreshed(user).email == "mine@example.com"


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"email": ""}, "email", "Enter your new email address"),
    ({"email": "bad@"}, "email", "Enter an email address in the correct format, like name@example.com"),
    ({"email": "me@example.com"}, "email", "Enter a different email address from the one you use now"),
    ({"current_password": "wrong-password"}, "current_password", "Your current password is not correct"),
    ({"current_password": ""}, "current_password", "Enter your current password"),
])
def test_changing_your_email_explains_problems(client, make, fields, field_id, message):
    signed_in_user(client, make, email="me@example.com")
    response = submit(client, "/account/email", {"email": "new@example.com", "current_password": PASSWORD} | fields)
    assert title(response).startswith("Error: Change your email address")
    assert field_error(response, field_id) == message
    assert emails() == []


@pytest.mark.parametrize("url, location", [
    ("/create-account/check-your-email", "/create-account"),
    ("/forgotten-password/check-your-email", "/forgotten-password"),
    ("/confirm-email", "/sign-in?next=%2Fconfirm-email"),
    ("/account", "/sign-in?next=%2Faccount"),
    ("/account/details", "/sign-in?next=%2Faccount%2Fdetails"),
    ("/account/password", "/sign-in?next=%2Faccount%2Fpassword"),
    ("/account/email", "/sign-in?next=%2Faccount%2Femail"),
])
def test_pages_that_need_an_earlier_step_send_a_first_visit_there(client, url, location):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"] == location


# ---------------------------------------------------------------- password rules

@pytest.mark.parametrize(("password", "email", "problem"), [
    ("correct-horse-battery-staple", "ann@example.com", None),
    ("abcdefghijk", None, "Password must be 12 characters or more"),
    ("x" * 128, None, None),
    ("123456654321", None, "Password is too easy to guess. Choose one that is not a common password, "
                            "for example 3 random words"),
    ("ILOVEYOU12345!", None, "Password is too easy to guess. Choose one that is not a common password, "
                             "for example 3 random words"),
    ("my-name-is-bo-ok", "bo@example.com", None),  # too short a local part to count
    ("my-name-is-bob-ok", "bob@example.com", "Password must not include your email address"),
])
def test_password_rules(password, email, problem):
    assert password_problem(password, email) == problem


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_cost_unless_tests_ask_for_speed(app, monkeypatch):
    from spacebank.accounts.passwords import hash_password, needs_rehash

    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=8,t=1,p=1$")  # conftest's make_app config
    monkeypatch.setitem(app.config, "PASSWORD_HASH_FAST", False)
    real = hash_password(PASSWORD)
    assert real.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(real, PASSWORD) and not verify_password(real, NEW_PASSWORD)
    assert not needs_rehash(real)


def test_signing_in_upgrades_a_hash_made_at_a_lower_cost(app, client, make, monkeypatch):
    user = make.user()  # hashed cheaply (conftest's make_app config)
    db.session.commit()
    monkeypatch.setitem(app.config, "PASSWORD_HASH_FAST", False)
    assert sign_in(client, user.email).status_code == 302
    upgraded = refreshed(user).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and verify_password(upgraded, PASSWORD)
    assert client.get("/account").status_code == 200  # the new hash does not end this session


def test_the_common_password_list_has_the_10000_most_common_passwords():
    from spacebank.accounts.passwords import common_passwords

    assert len(common_passwords()) == 10000
    assert is_common("password") and is_common("Qwerty") and not is_common("violet-tractor-harbour")
