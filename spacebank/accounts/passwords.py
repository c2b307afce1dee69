"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106), and the
rules for choosing a new password."""

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_hasher = PasswordHasher()
# Argon2id at its lowest cost, for test suites that make hundreds of users (config
# PASSWORD_HASH_FAST; refused in production). Hashes record their own parameters, so
# verifying works whichever hasher made them.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _current_hasher() -> PasswordHasher:
    if (has_app_context() and current_app.config.get("PASSWORD_HASH_FAST")
            and current_app.config.get("SPACEBANK_ENV") != "production"):
        return _fast_hasher
    return _hasher


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email takes as long as a wrong
    password. Made on first use, not at import: a full-cost hash is slow and memory-hungry."""
    return _hasher.hash("spacebank-timing-equaliser")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current_hasher().check_needs_rehash(password_hash)


# ---------------------------------------------------------------- choosing a password
# NCSC guidance: length over complexity, and block the passwords attackers try first.
# No rules about digits or symbols: they push people towards "Password1!".

MIN_LENGTH = 12
MAX_LENGTH = 128  # Argon2 takes any length; a ceiling stops megabyte-long "passwords"
_COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords (see the header of data/common_passwords.txt)."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """In the list, ignoring case and digits or symbols tacked on the end ("Qwertyuiop123!")."""
    lowered = password.lower()
    stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", lowered)
    return lowered in common_passwords() or (len(stem) >= 4 and stem in common_passwords())


def password_problem(password: str, email: str | None) -> str | None:
    """Why this password cannot be used, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    local_part = (email or "").split("@", 1)[0].strip().lower()
    if len(local_part) >= 3 and local_part in password.lower():
        return "Password must not include your email address"
    if is_common(password):
        return "Password is too easy to guess. Choose one that is not a common password, for example 3 random words"
    return None
