"""A real server and one shared Chromium for the browser and accessibility tests.

One live server per session: a fresh SQLite file, migrated and seeded with the demo
borough, served by werkzeug on a free loopback port in a background thread. One
browser per session; each test gets its own context (cookies) and page.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from spacebank import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the test output is for failures, not access lines
        pass


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from spacebank.demo import seed_demo

    database = tmp_path_factory.mktemp("live") / "spacebank.db"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SECRET_KEY": "browser-test-secret-key",
        "MAIL_BACKEND": "none",
        "RATELIMIT_ENABLED": False,
        "REQUEST_LOGGING": False,
    })
    with app.app_context():
        upgrade()
        seed_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, server)
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def signed_in_state(browser, live_server, tmp_path_factory):
    """Cookies of a signed-in demo account, made once per account and session."""
    from .helpers import sign_in

    states = {}
    folder = tmp_path_factory.mktemp("states")

    def state_for(email: str) -> str:
        if email not in states:
            context = browser.new_context()
            page = context.new_page()
            sign_in(page, live_server, email)
            states[email] = str(folder / f"{email}.json")
            context.storage_state(path=states[email])
            context.close()
        return states[email]

    return state_for


@pytest.fixture
def page_as(browser, signed_in_state):
    """page_as(email) -> a page in its own context, signed in as that demo account."""
    contexts = []

    def open_page(email: str | None, **context_options):
        options = {"viewport": {"width": 1024, "height": 768}, "locale": "en-GB", "timezone_id": "Europe/London"}
        options.update(context_options)
        if email:
            options["storage_state"] = signed_in_state(email)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
