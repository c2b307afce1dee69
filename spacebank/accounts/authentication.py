"""Signing in, the per-account lockout, and changing a password.

Nothing here tells the caller *why* a sign-in failed: unknown address, wrong password,
locked or disabled account all look the same to the person at the keyboard, and take
about the same time (an Argon2 verification happens on every path).
"""

from datetime import datetime, timedelta

from flask import session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..timeutil import utcnow
from . import tokens
from .models import User
from .passwords import hash_password, needs_rehash, verify_password

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
SIGN_IN_FAILED = ("Enter a correct email address and password. If you have tried too many times, "
                  "wait 15 minutes and try again")
SESSION_FINGERPRINT = "password_fingerprint"


def normalise_email(address: str) -> str:
    return address.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, now: datetime | None = None) -> User | None:
    """The user if this email and password may sign in now; records failures. Caller commits."""
    now = now or utcnow()
    user = find_user(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if user.locked_until is not None:
        if user.locked_until > now:
            return None  # even the right password waits out the lock
        user.locked_until = None
        user.failed_sign_ins = 0
    if not password_ok or not user.is_active:
        _record_failure(user, now)
        return None
    user.failed_sign_ins = 0
    user.last_signed_in_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _record_failure(user: User, now: datetime) -> None:
    # An SQL increment, so parallel guesses cannot overwrite each other's count.
    user.failed_sign_ins = User.failed_sign_ins + 1
    db.session.flush()
    db.session.refresh(user, ["failed_sign_ins"])
    if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        user.locked_until = now + LOCKOUT
        audit.record("account.locked", user, summary=f"Locked for {LOCKOUT.seconds // 60} minutes "
                                                     f"after {user.failed_sign_ins} failed sign-ins")


def start_session(user: User) -> None:
    login_user(user)
    session[SESSION_FINGERPRINT] = tokens.password_fingerprint(user)


def end_session() -> None:
    logout_user()
    session.pop(SESSION_FINGERPRINT, None)


def session_still_valid(user: User) -> bool:
    """False once the password has changed since this session signed in."""
    return tokens.fingerprints_match(session.get(SESSION_FINGERPRINT), user)


def set_password(user: User, new_password: str, *, action: str, actor: User | None = None) -> None:
    """Store a new password: ends other sessions and earlier reset links. Caller commits."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record(action, user, actor=actor or user, summary="Password changed")


def me():
    """The signed-in user as the real object, not Flask-Login's proxy.

    Pass this, never `current_user`, to anything that stores the user: login_user
    would cache the proxy as the user (and recurse), SQLAlchemy relationships and
    audit.record need the model instance itself.
    """
    return current_user._get_current_object()
