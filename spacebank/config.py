"""Configuration, read from environment variables with safe defaults.

Development needs no set-up: the database is an SQLite file under instance/ and a
secret key is generated there once. Production (SPACEBANK_ENV=production) refuses
to start without a real SECRET_KEY, because signed links and sessions depend on it.
"""

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when SPACEBANK_ENV=production")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    production = os.environ.get("SPACEBANK_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'spacebank.db'}"
    return {
        "SPACEBANK_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "TIMEZONE": "Europe/London",
        "SERVICE_NAME": "Spacebank",
        "COUNCIL_NAME": "Hackney Council",
        # Where links in emails point.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Mail: "file" writes .eml files under instance/mail (development),
        # "smtp" sends through MAIL_SERVER, "none" only keeps the outbox table.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "file"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Spacebank <spacebank@hackney.gov.uk>"),
        # Geocoding of places that are not postcodes. Empty: postcodes only, offline.
        "GEOCODER": os.environ.get("GEOCODER", ""),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT", "spacebank-hackney"),
        # Rate limits: memory by default, Redis in production (redis://127.0.0.1:6379).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Requests (spaces that need approval) hold their slot this many days.
        "REQUEST_EXPIRY_DAYS": int(os.environ.get("REQUEST_EXPIRY_DAYS", "5")),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024))),
        # Whole request bodies: an upload plus its form fields. Larger bodies get a 413
        # before anything reads them.
        "MAX_CONTENT_LENGTH": int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024))) + 256 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "FORCE_HTTPS": production and _bool("FORCE_HTTPS", True),
        # How many proxies (load balancer, router) sit in front and set X-Forwarded-*.
        # 0 trusts none, so rate limits cannot be dodged with a forged header.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "REQUEST_LOGGING": _bool("REQUEST_LOGGING", True),
        # Whole-page cache of signed-out visitors' public pages (spacebank/pagecache.py).
        "PAGE_CACHE": _bool("PAGE_CACHE", True),
    }
