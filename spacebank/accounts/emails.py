"""The emails about a person's account. Each is a row in the outbox; the caller commits."""

from flask import current_app, url_for

from ..notifications import queue_email
from . import tokens


def public_link(path: str) -> str:
    """An absolute link for an email, on the public address rather than the request's host."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def public_url(endpoint: str, **values) -> str:
    return public_link(url_for(endpoint, **values))


def _send(to: str, subject: str, template: str, **context):
    return queue_email(to, subject, template, service_name=current_app.config["SERVICE_NAME"],
                       sign_in_url=public_url("accounts.sign_in"),
                       reset_url=public_url("accounts.forgotten_password"), **context)


def send_confirmation(user):
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"user": user.id, "email": user.email})
    return _send(user.email, "Confirm your email address", "account_confirm_email",
                 name=user.name, link=public_url("accounts.confirm_email", token=token))


def send_already_registered(user):
    # Sent instead of a second account, so the registration page never says who has one.
    return _send(user.email, "Someone tried to create an account with your email address",
                 "account_already_registered", name=user.name)


def send_password_reset(user):
    token = tokens.make_token(tokens.RESET_PASSWORD,
                              {"user": user.id, "fingerprint": tokens.password_fingerprint(user)})
    return _send(user.email, "Reset your password", "account_reset_password",
                 name=user.name, link=public_url("accounts.reset_password", token=token))


def send_password_changed(user):
    return _send(user.email, "Your password has been changed", "account_password_changed", name=user.name)


def send_email_change_link(user, new_email: str):
    token = tokens.make_token(tokens.CHANGE_EMAIL, {"user": user.id, "from": user.email, "to": new_email})
    return _send(new_email, "Confirm your new email address", "account_change_email",
                 name=user.name, link=public_url("accounts.confirm_email_change", token=token))


def send_email_in_use(address: str):
    return _send(address, "Someone tried to use your email address", "account_email_in_use")


def send_email_changed(old_address: str, user):
    return _send(old_address, "Your email address has been changed", "account_email_changed",
                 name=user.name, new_email=user.email)
