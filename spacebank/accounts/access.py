"""Who may do what, for other areas to use: a person must confirm their email address
before they book (so confirmations and reminders reach them)."""

from functools import wraps

from flask import redirect, url_for
from flask_login import current_user

from ..extensions import login_manager


def needs_confirmation(user) -> bool:
    """True for a signed-in person who has not yet followed their confirmation link."""
    return bool(getattr(user, "is_authenticated", False)) and user.email_confirmed_at is None


def confirmed_email_required(view):
    """Like login_required, and sends an unconfirmed person to the page that resends the link."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if needs_confirmation(current_user):
            return redirect(url_for("accounts.resend_confirmation"))
        return view(*args, **kwargs)

    return wrapped
