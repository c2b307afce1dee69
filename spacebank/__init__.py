"""Spacebank: find and book Hackney Council's community spaces."""

import logging
from pathlib import Path

from flask import Flask, request
from flask_talisman import Talisman
from govuk_frontend_wtf.main import WTFormsHelpers
from werkzeug.routing import IntegerConverter
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager, migrate
from .formatting import FILTERS

talisman = Talisman()

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_url_path="/assets")
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(instance_path))
    if config:
        app.config.from_mapping(config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    # <int:…> in every route stops at the database's integer range, so a huge id is a
    # 404 rather than an overflow error from the database.
    app.url_map.converters["int"] = DatabaseIdConverter
    _configure_templates(app)
    _configure_logging(app)
    app.before_request(refuse_nul_characters)

    from . import models  # noqa: F401  (registers every table on db.metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    production = app.config["SPACEBANK_ENV"] == "production"
    talisman.init_app(
        app,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        force_https=app.config.get("FORCE_HTTPS", False),
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
    )

    with app.app_context():
        from .database import configure_engine

        configure_engine(db.engine)

    from .accounts import bp as accounts_bp
    from .bookings import bp as bookings_bp
    from .venues import bp as venues_bp

    app.register_blueprint(venues_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(accounts_bp)

    from .admin import init_admin

    init_admin(app)

    from .errors import register_error_handlers
    from .cli import register_cli
    from .health import bp as health_bp

    from .notifications import init_mail
    from .pagecache import init_page_cache

    register_error_handlers(app)
    register_cli(app)
    init_page_cache(app)
    init_mail(app)
    app.register_blueprint(health_bp)
    return app


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def refuse_nul_characters():
    """PostgreSQL cannot store NUL in text, and no real input contains one: refuse early."""
    values = [request.path]
    values += [v for _, vs in request.args.lists() for v in vs]
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
            "application/x-www-form-urlencoded", "multipart/form-data"}:
        values += [v for _, vs in request.form.lists() for v in vs]
    if any("\x00" in value for value in values):
        from .errors import render_error

        return render_error(400, "What you entered included a character that cannot be used. "
                                 "Go back, remove it and try again.")
    return None


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _configure_templates(app: Flask) -> None:
    # jinja_options is ignored once CSRFProtect has created jinja_env, so set the loader.
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).parent / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
        PackageLoader("xgovuk_flask_admin"),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(FILTERS)
    WTFormsHelpers(app)

    @app.context_processor
    def template_globals():
        return {
            # govuk-frontend-jinja 3.10 calls this; False keeps the classic GOV.UK look,
            # which suits a council service better than the GOV.UK brand refresh.
            "govukRebrand": False,
            "service_name": app.config["SERVICE_NAME"],
            "council_name": app.config["COUNCIL_NAME"],
        }


def _configure_logging(app: Flask) -> None:
    from .logs import configure_request_logging

    configure_request_logging(app)
    if not app.debug:
        app.logger.setLevel(logging.INFO)
