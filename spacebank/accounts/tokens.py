"""Signed, expiring links sent by email, and the password fingerprint that ends sessions.

Each purpose signs with its own salt, so a token made to confirm an address cannot be
replayed as a password reset. Tokens carry only ids and addresses; whether one still
applies (the address has not changed since, the password has not been reset since) is
checked against the database when it is used. `now` lets tests sign a token in the
past instead of waiting for it to expire.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ..timeutil import utcnow


@dataclass(frozen=True)
class Purpose:
    name: str
    max_age: timedelta

    @property
    def salt(self) -> str:
        return f"spacebank.accounts.{self.name}"


CONFIRM_EMAIL = Purpose("confirm-email", timedelta(days=3))
CHANGE_EMAIL = Purpose("change-email", timedelta(days=3))
RESET_PASSWORD = Purpose("reset-password", timedelta(hours=1))

# Real tokens are about 100 characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 1000


class TokenInvalid(Exception):
    """Tampered with, made for another purpose, or no longer applies."""


class TokenExpired(TokenInvalid):
    """Genuine but older than its purpose allows."""


def _serializer(purpose: Purpose, now: datetime | None) -> URLSafeTimedSerializer:
    moment = now or utcnow()

    class ClockSigner(TimestampSigner):
        # itsdangerous reads the clock here both when signing and when checking the age.
        def get_timestamp(self) -> int:
            return int(moment.timestamp())

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose.salt, signer=ClockSigner)


def make_token(purpose: Purpose, data: dict, now: datetime | None = None) -> str:
    return _serializer(purpose, now).dumps(data)


def read_token(purpose: Purpose, token: str, now: datetime | None = None) -> dict:
    """The data signed into `token`; raises TokenExpired or TokenInvalid."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("not a token")
    try:
        data = _serializer(purpose, now).loads(token, max_age=int(purpose.max_age.total_seconds()))
    except SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except BadSignature as error:
        raise TokenInvalid(str(error)) from error
    if not isinstance(data, dict):
        raise TokenInvalid("unexpected payload")
    return data


def password_fingerprint(user) -> str:
    """Changes whenever the password does (every Argon2 hash has a new salt).

    Kept in the session and in reset tokens: a new password signs out every other
    session and makes earlier reset links useless. An HMAC, so the cookie does not
    carry anything derived from the hash that could be attacked offline.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{user.id}:{user.password_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def fingerprints_match(expected: str | None, user) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(expected, password_fingerprint(user))
