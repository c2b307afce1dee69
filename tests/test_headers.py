"""Security headers, production cookies, error pages, the health check and request logs."""

import json
import logging
import runpy
from contextlib import contextmanager
from pathlib import Path

import pytest

from spacebank import create_app
from tests.conftest import page, text_of

SECRET = "a-production-secret-that-must-never-be-shown"
HTTPS = "https://spacebank.hackney.gov.uk"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def production_client(monkeypatch, tmp_path):
    """An app configured as in production (from environment variables), over HTTPS."""
    monkeypatch.setenv("SPACEBANK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    monkeypatch.setenv("MAIL_BACKEND", "none")
    return create_app({"REQUEST_LOGGING": False}).test_client()


def test_every_page_sends_a_strict_content_security_policy(client):
    directives = csp_directives(client.get("/"))
    script_src = directives["script-src"]
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert any(value.startswith("'nonce-") for value in script_src)
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_every_page_sends_referrer_policy_nosniff_and_deny_framing(client):
    response = client.get("/sign-in")
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_development_sends_no_hsts_so_plain_http_keeps_working_locally(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_sends_hsts(production_client):
    hsts = production_client.get("/", base_url=HTTPS).headers["Strict-Transport-Security"]
    assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    assert "includeSubDomains" in hsts


def test_production_redirects_plain_http_to_https(production_client):
    response = production_client.get("/", base_url="http://spacebank.hackney.gov.uk")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].startswith("https://")


def test_production_session_cookie_is_secure_http_only_and_same_site(production_client):
    response = production_client.get("/sign-in", base_url=HTTPS)  # the CSRF token puts something in the session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly"} <= attributes
    assert "samesite=lax" in cookie.lower()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from spacebank.config import ConfigError

    monkeypatch.setenv("SPACEBANK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()


def _assert_no_leak(response, app):
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "File \"", "werkzeug", "sqlalchemy", app.config["SECRET_KEY"], "SELECT "):
        assert leak not in body, f"error page shows {leak!r}"


def test_not_found_page_is_a_gov_uk_page_without_internals(client, app):
    response = client.get("/no-such-page/../../etc/passwd")
    assert response.status_code == 404
    assert text_of(page(response).select_one("h1")) == "Page not found"
    _assert_no_leak(response, app)


def test_wrong_method_gets_a_page_not_found_message_without_internals(client, app):
    response = client.post("/venues")
    # CSRF protection runs before routing decides the method, so a POST without a token is refused first.
    assert response.status_code in (400, 405)
    response = client.delete("/venues")
    assert response.status_code == 405
    assert text_of(page(response).select_one("h1")) == "Page not found"
    _assert_no_leak(response, app)


def test_a_form_sent_without_its_token_is_refused_with_a_plain_explanation(client, app):
    response = client.post("/sign-in", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    soup = page(response)
    assert text_of(soup.select_one("h1")) == "There is a problem with your request"
    assert "Your form expired or was sent from another site" in text_of(soup.select_one("main"))
    _assert_no_leak(response, app)


def test_an_unexpected_error_shows_the_sorry_page_and_not_the_exception(database_url):
    from tests.conftest import make_app

    app = make_app(database_url)

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"internal detail {app.config['SECRET_KEY']}")

    with captured(app.logger) as lines:
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert text_of(page(response).select_one("h1")) == "Sorry, there is a problem with the service"
    assert "internal detail" not in response.get_data(as_text=True)
    _assert_no_leak(response, app)
    assert any("unhandled error" in line for line in lines)  # logged for staff instead


def test_health_check_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["X-Request-ID"]


def test_health_check_answers_503_when_the_database_is_unreachable(monkeypatch, tmp_path):
    from tests.conftest import make_app

    app = make_app("postgresql://spacebank@127.0.0.1:1/spacebank",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@contextmanager
def captured(logger: logging.Logger):
    """Lines the logger emits meanwhile. Alembic's fileConfig (run by the test
    migrations) disables existing loggers, so re-enable this one for the duration."""
    capture = _Capture()
    was_disabled, logger.disabled = logger.disabled, False
    logger.addHandler(capture)
    try:
        yield capture.lines
    finally:
        logger.removeHandler(capture)
        logger.disabled = was_disabled


@pytest.fixture
def request_log(app):
    app.config["REQUEST_LOGGING"] = True
    with captured(logging.getLogger("spacebank.requests")) as lines:
        yield lines
    app.config["REQUEST_LOGGING"] = False


def test_each_request_logs_one_json_line_with_the_request_id_it_sends_back(client, request_log):
    response = client.get("/venues", headers={"X-Request-ID": "lb-1234-abcd"})
    assert response.headers["X-Request-ID"] == "lb-1234-abcd"
    entries = [json.loads(line) for line in request_log]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["request_id"] == "lb-1234-abcd"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/venues", 200)
    assert isinstance(entry["ms"], float)


def test_a_request_id_that_is_not_short_and_plain_is_replaced_not_logged(client, request_log):
    hostile = 'x", "admin": true, "y": "' + "a" * 100
    response = client.get("/", headers={"X-Request-ID": hostile})
    sent_back = response.headers["X-Request-ID"]
    assert sent_back != hostile and len(sent_back) == 32 and sent_back.isalnum()
    assert json.loads(request_log[0])["request_id"] == sent_back
    assert "admin" not in request_log[0]


def test_requests_without_an_id_get_a_fresh_one_each_time(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert first != second


# ---------------------------------------------------------------- production entry points

ROOT = Path(__file__).resolve().parents[1]


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8123"
    assert settings["workers"] == 3
    assert settings["accesslog"] is None  # the app logs one JSON line per request instead
    assert settings["preload_app"] is True


def test_gunicorn_defaults_to_two_workers_on_port_5000(monkeypatch):
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_BIND", "HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["bind"], settings["workers"], settings["worker_class"]) == ("127.0.0.1:5000", 2, "gthread")


def test_wsgi_module_builds_the_app_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.db'}")
    monkeypatch.setenv("SECRET_KEY", "wsgi-test")
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wsgi.db'}"
    assert app.test_client().get("/healthz").status_code == 200
